import functools

import django_tables2 as tables
from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django_tables2.paginators import LazyPaginator

from .models import AuditEntry


class AuditEntryTable(tables.Table):
    created_at = tables.DateTimeColumn(format="Y-m-d H:i:s", verbose_name=_("Time"))
    actor_name = tables.Column(verbose_name=_("User"))
    store = tables.Column(verbose_name=_("Store"))
    action = tables.Column(verbose_name=_("Action"))
    object_repr = tables.Column(verbose_name=_("Object"))
    changes = tables.Column(verbose_name=_("Changes"), orderable=False)
    reason = tables.Column(verbose_name=_("Reason"))

    class Meta:
        model = AuditEntry
        fields = ["created_at", "actor_name", "store", "action", "object_repr", "changes", "reason"]
        attrs = {"class": "table table-sm table-hover align-middle small"}
        orderable = False

    def render_object_repr(self, record, value):
        return f"{record.object_type} #{record.object_id} {value}".strip() if record.object_type else value

    def render_changes(self, value):
        return format_html_join("", "<div><code>{}</code>: {} → {}</div>", ((k, v[0], v[1]) for k, v in value.items()))


# --- plain-template lists ------------------------------------------------------------------------
# Long lists (repair orders, the board) render their rows with a plain template loop: django-tables2
# costs ≈ 0.1 ms per cell (Column.attrs, inspect.signature per render_* call), which made a 50-row
# page 7× its floor. These helpers keep what the tables gave those lists: lazy pagination and links.

_PK_MARKER = 2147483647


def url_pattern(viewname: str, *fields: str) -> str:
    """The URL of `viewname` as a `str.format` pattern with one `{field}` per argument (`{pk}`
    when none is named): reverse() (≈ 25 µs) runs once per URLconf and script prefix, not per row
    or per link."""
    return _url_pattern(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), viewname, fields or ("pk",))


def url_for(viewname: str) -> str:
    """The URL of a view that takes no argument, reversed once per URLconf and script prefix."""
    return _url_pattern(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), viewname, ())


@functools.lru_cache(maxsize=512)
def _url_pattern(urlconf: str, prefix: str, viewname: str, fields: tuple[str, ...]) -> str:
    markers = [_PK_MARKER - n for n in range(len(fields))]
    url = reverse(viewname, urlconf=urlconf, args=markers)
    for marker, name in zip(markers, fields, strict=True):
        url = url.replace(str(marker), f"{{{name}}}")
    return url


def lazy_page(request, rows, per_page: int = 50):
    """The `?page=` of `rows` without a COUNT(*) over the whole set (LazyPaginator: one row more
    than the page tells whether there is a next one). A page number that is not a number or is past
    the end shows the first page, as django-tables2's RequestConfig did."""
    paginator = LazyPaginator(rows, per_page)
    try:
        return paginator.page(int(request.GET.get("page", 1)))
    except (ValueError, PageNotAnInteger, EmptyPage):
        return LazyPaginator(rows, per_page).page(1)
