"""Keeping the database's planner statistics current.

SQLite has no statistics until ANALYZE runs; without them it prefers the
store_id index to the search indexes and scans a whole store per keystroke
(docs/PERFORMANCE.md has the measurements).
PostgreSQL's autovacuum analyses by itself, but a bulk load (demo, import)
is faster to query right after an explicit ANALYZE.
"""

from django.db import connection


def database_analyze() -> None:
    """Refresh planner statistics for every table (seconds on a store's database)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")
