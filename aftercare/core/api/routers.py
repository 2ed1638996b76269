"""The one router of the API: ids in paths are numbers.

DRF's router matches any text as an id (`[^/.]+`), so `/customers/abc/` reached
the query and ended in a 500. Here a path id takes digits only (Django's `int`
converter): anything else matches no route and is a 404 before a view runs.
"""

from rest_framework.routers import SimpleRouter


class Router(SimpleRouter):
    def __init__(self, trailing_slash=True):
        super().__init__(trailing_slash=trailing_slash, use_regex_path=False)
        self._default_value_pattern = "int"
