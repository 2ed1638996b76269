from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    """Cursor (keyset) pagination by id: constant cost on any page of a big
    table, unlike OFFSET plus COUNT(*) over millions of rows."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200
