"""Keeps the OpenAPI schema independent of the database backend.

drf-spectacular takes integer bounds from the connected database (SQLite
reports 64-bit ranges, PostgreSQL 16/32-bit ones), so the same code would
produce a different schema on each. Bounds that merely restate a column
type are dropped; bounds a field declares itself are kept.
"""

BACKEND_INTEGER_BOUNDS = {
    32767, -32768, 2147483647, -2147483648, 9223372036854775807, -9223372036854775808,
}  # fmt: skip


def _strip(node):
    if isinstance(node, dict):
        if node.get("type") == "integer":
            for key in ("maximum", "minimum"):
                if node.get(key) in BACKEND_INTEGER_BOUNDS:
                    del node[key]
            if node.get("format") == "int64":
                del node["format"]
        for value in node.values():
            _strip(value)
    elif isinstance(node, list):
        for value in node:
            _strip(value)


def strip_backend_integer_bounds(result, generator, request, public):
    _strip(result)
    return result
