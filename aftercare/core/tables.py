"""Lists: every list is a plain template loop over one page of rows (a named partial, so htmx can ask
for the results alone), paged by `lazy_page` and linked by templates/includes/page_links.html."""

import functools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

GAP = "…"  # pages left out of the page links


@dataclass
class LazyPage:
    """One page of a list, read without a COUNT(*) over the whole set: the page is read with one
    row more than it shows, and that row tells whether there is a next page."""

    object_list: list[Any]
    number: int
    has_next: bool

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def page_range(self) -> list[int | str]:
        """The numbered links: the first page, a few before this one, this one and the next
        when there is one; GAP where pages are left out, and after the last link when more may follow."""
        last = self.number + 1 if self.has_next else self.number
        numbers = list(range(max(1, self.number - 4), last + 1))
        if numbers[0] > 1:
            numbers = [1, GAP, *numbers] if numbers[0] > 2 else [1, *numbers]
        return [*numbers, GAP] if self.has_next else numbers


def lazy_page(request, rows, per_page: int = 50) -> LazyPage:
    """The `?page=` of `rows` (a QuerySet or anything that slices). A page number that is not a
    number, or is past the end, shows the first page."""
    try:
        number = int(request.GET.get("page", 1))
    except (TypeError, ValueError):
        number = 1
    if number < 1:
        number = 1
    start = (number - 1) * per_page
    found = list(rows[start : start + per_page + 1])
    if not found and number > 1:
        number, found = 1, list(rows[: per_page + 1])
    return LazyPage(found[:per_page], number, has_next=len(found) > per_page)


# --- to be removed -------------------------------------------------------------------------------
# customers/views.py and billing's template tag still build links from this; their owners replace
# it with {% url %} in their templates, and it goes with the last use.

_PK_MARKER = 2147483647


def url_pattern(viewname: str, *fields: str) -> str:
    """The URL of `viewname` as a `str.format` pattern with one `{field}` per argument (`{pk}` when
    none is named)."""
    return _url_pattern(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), viewname, fields or ("pk",))


@functools.lru_cache(maxsize=512)
def _url_pattern(urlconf: str, prefix: str, viewname: str, fields: tuple[str, ...]) -> str:
    markers = [_PK_MARKER - n for n in range(len(fields))]
    url = reverse(viewname, urlconf=urlconf, args=markers)
    for marker, name in zip(markers, fields, strict=True):
        url = url.replace(str(marker), f"{{{name}}}")
    return url
