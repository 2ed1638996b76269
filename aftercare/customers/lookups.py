"""`field__prefix=value`: a prefix match that uses a B-tree index on every database.

Django's `startswith` becomes `LIKE 'x%' ESCAPE '\\'`, which SQLite never
serves from an ordinary (BINARY) index. Here SQLite gets the equivalent range
`col >= 'x' AND col < 'y'` (BINARY order is code-point order, so the range is
exact), and PostgreSQL keeps `LIKE 'x%'`, served by the varchar_pattern_ops
indexes declared on the search columns whatever the database collation.
"""

from django.db.models import CharField, Lookup


def _upper_bound(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


@CharField.register_lookup
class Prefix(Lookup):
    lookup_name = "prefix"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = str(self.rhs)
        return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, prefix, _upper_bound(prefix)]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        escaped = str(self.rhs).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"{lhs} LIKE %s", [*lhs_params, escaped + "%"]
