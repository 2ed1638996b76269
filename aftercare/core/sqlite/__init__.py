"""Django's SQLite backend, reading decimals that do not fit their column.

SQLite does not enforce a DecimalField's max_digits: a number past the column
could be stored by an earlier release (docs/DOMAIN.md §4.1), and Django's
converter then fails on every read of that row, taking a whole list down.
This backend reads such a value as it is stored and logs it; writes are
bounded by the services (core.money.fits_columns). PostgreSQL refuses the
write itself, so it needs nothing of the kind."""
