"""Lists: every list is a plain template loop over one page of rows (a named partial, so htmx can ask
for the results alone), paged by `lazy_page` and linked by templates/includes/page_links.html."""

from dataclasses import dataclass
from typing import Any

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
