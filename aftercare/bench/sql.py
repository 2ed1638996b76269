"""Hand-written SQL on the driver's own connection: the floor's way to fetch rows.

The same connection Django uses (so the same transaction and cache state),
but none of Django: sqlite3 with its prepared-statement cache, psycopg with
server-side binding and `prepare=True` (a named prepared statement). SQL is
written with %s placeholders; SQLite gets ?.
"""

from django.db import connection


class RawSQL:
    def __init__(self):
        self.vendor = connection.vendor
        self._cursor = None
        self._raw = None

    @property
    def raw(self):
        connection.ensure_connection()
        if self._raw is not connection.connection:  # Django reconnected
            self._raw, self._cursor = connection.connection, None
        return self._raw

    def _pg_cursor(self):
        raw = self.raw
        if self._cursor is None:
            import psycopg

            self._cursor = psycopg.Cursor(raw)  # server-side binding, unlike Django's ClientCursor
        return self._cursor

    def rows(self, sql: str, params=()) -> list[tuple]:
        if self.vendor == "sqlite":
            return self.raw.execute(sql.replace("%s", "?"), params).fetchall()
        cursor = self._pg_cursor()
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchall() if cursor.description else []

    def cursor(self):
        """A cursor for streaming a result (exports): sqlite3 or psycopg."""
        return self.raw.cursor() if self.vendor == "sqlite" else self._pg_cursor()

    def execute(self, sql: str, params=()):
        if self.vendor == "sqlite":
            return self.raw.execute(sql.replace("%s", "?"), params)
        return self._pg_cursor().execute(sql, params, prepare=True)

    def begin(self):
        # SQLite: take the write lock at BEGIN, as the app's IMMEDIATE transactions do.
        self.raw.execute("BEGIN IMMEDIATE" if self.vendor == "sqlite" else "BEGIN")

    def commit(self):
        self.raw.execute("COMMIT")

    def prefix(self, column: str, value: str) -> tuple[str, list]:
        """The same index-friendly prefix condition as customers/lookups.py, by hand."""
        if self.vendor == "sqlite":
            return f"({column} >= %s AND {column} < %s)", [value, value[:-1] + chr(ord(value[-1]) + 1)]
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"{column} LIKE %s", [escaped + "%"]

    def weak(self, column: str) -> str:
        """`column` as a term the planner must not pick an index for. Without
        ANALYZE statistics SQLite prefers the equality on a foreign key index
        (store_id IN (1): every row of a one-store database) over the range on
        the search column; a unary + rules that index out, so the floor gets the
        plan a human would choose. PostgreSQL has statistics: unchanged."""
        return f"+{column}" if self.vendor == "sqlite" else column

    @staticmethod
    def in_list(values) -> str:
        return "(" + ", ".join(["%s"] * len(values)) + ")"
