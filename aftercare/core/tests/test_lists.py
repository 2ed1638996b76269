"""The list mechanism every app uses: a lazy page (no COUNT) and the money filter."""

from decimal import Decimal

import pytest
from django.template import Context, RequestContext, Template
from django.test import RequestFactory

from aftercare.core.tables import GAP, lazy_page
from aftercare.core.templatetags.money import money


def _page(rows, page=None, per_page=10):
    request = RequestFactory().get("/", {"page": page} if page is not None else {})
    return lazy_page(request, rows, per_page=per_page)


def test_a_page_reads_one_row_more_than_it_shows_to_know_a_next_page_follows():
    class Rows(list):
        def __getitem__(self, index):
            self.asked = index
            return super().__getitem__(index)

    rows = Rows(range(25))
    page = _page(rows, 2)
    assert (rows.asked.start, rows.asked.stop) == (10, 21)
    assert list(page) == list(range(10, 20)) and page.has_next and page.has_previous
    assert (page.previous_page_number, page.next_page_number) == (1, 3)
    last = _page(rows, 3)
    assert list(last) == list(range(20, 25)) and not last.has_next


def test_the_exact_last_full_page_has_no_next_page():
    page = _page(range(20), 2)
    assert len(page) == 10 and not page.has_next


@pytest.mark.parametrize("nonsense", ["x", "0", "-3", "99", ""])
def test_a_page_that_is_not_there_shows_the_first(nonsense):
    page = _page(range(25), nonsense)
    assert page.number == 1 and list(page) == list(range(10))


def test_an_empty_list_is_one_empty_page():
    page = _page([], 1)
    assert (page.number, list(page), page.has_next, page.has_previous) == (1, [], False, False)


def test_the_links_show_the_first_page_the_pages_before_this_one_and_the_next():
    assert _page(range(25), 1).page_range == [1, 2, GAP]
    assert _page(range(25), 3).page_range == [1, 2, 3]
    assert _page(range(1000), 9).page_range == [1, GAP, 5, 6, 7, 8, 9, 10, GAP]
    assert _page(range(1000), 6).page_range == [1, 2, 3, 4, 5, 6, 7, GAP]


def test_the_page_links_keep_the_filters_and_mark_the_current_page():
    request = RequestFactory().get("/", {"status": "open", "page": "2"})
    page = lazy_page(request, range(100), per_page=10)
    html = Template('{% include "includes/page_links.html" %}').render(RequestContext(request, {"page": page}))
    assert 'href="?status=open&amp;page=1"' in html and 'href="?status=open&amp;page=3"' in html
    assert '<li class="page-item active"><a class="page-link" href="?status=open&amp;page=2">2</a>' in html


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("1234"), "¥1,234.00"),
        (Decimal("0.005"), "¥0.01"),  # rounded half up, as core.money rounds
        (Decimal("1234567.891"), "¥1,234,567.89"),
        (Decimal("-5.5"), "-¥5.50"),
        ("12.3", "¥12.30"),
        (None, ""),
    ],
)
def test_money_shows_yuan_with_separators_and_two_decimals(amount, shown):
    assert money(amount) == shown


def test_no_amount_can_be_shown_as_a_dash():
    assert Template('{% load money %}{{ total|money|default:"—" }}').render(Context({"total": None})) == "—"
