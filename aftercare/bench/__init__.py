"""The benchmark harness (issue 6): every operation that exists, timed as a
ratio to the fastest way to get the same answer on the same machine in the
same run. `make bench`, `make bench SCALE=group`, `make bench-load`; see
docs/PERFORMANCE.md.

A plain package, not a Django app: `python -m aftercare.bench` chooses and
prepares the database *before* Django starts, then measures.
"""
