"""One way to declare a report (docs/DOMAIN.md §27): its filters, columns, rows, totals, drill-down,
chart and group roll-up. Pages, exports and the API are generic over it (views.py, api/).

A report is a subclass of `Report` registered with `@register`:

    @register
    class Arrivals(Report):
        slug = "arrivals"
        title = _("Arrivals")
        periods = ("day", "month", "range")
        has_advisor = False
        columns = (
            Column("day", _("Day"), kind="date", total=None),
            Column("arrivals", _("Arrivals"), drill="arrivals_drill"),
            Column("revenue", _("Revenue"), kind="money"),
            Column("share", _("Share"), kind="pct", total=lambda t: ratio(t["a"], t["b"])),
        )
        chart = Chart("line", x="day", series=("arrivals",))
        rank_by = "revenue"

        def rows(self, f: Filters):            # an iterable of dicts keyed by column key (+ "key")
            ...
        def arrivals_drill(self, f, key):      # the orders or customers behind a number: a QuerySet
            ...                                # of RepairOrder or Customer; key None = the totals row

Rows are dicts; a row's "key" (a string) names it in drill-down links. Totals add the "sum" columns
and compute derived ones from the added totals; `text_column` (a row's name) and `ratio_column` (a
percent of two totals) declare the two usual kinds of column in one line. The group roll-up is one
row per store with the report's totals, ranked by `rank_by`; a report over the daily figures
overrides `by_store` with one grouped query.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from aftercare.core.models import Store
from aftercare.core.permissions import Perm

REPORTS: dict[str, type[Report]] = {}
PERIODS = ("day", "month", "range")
# A range longer than this is refused (a report reads daily figures, but not for ever).
MAX_RANGE_DAYS = 366 * 2
# The page shows at most this many rows; exports stream all of them.
PAGE_ROWS = 500
ZERO = Decimal("0.00")


def ratio(numerator, denominator) -> Decimal | None:
    """numerator ÷ denominator as a fraction rounded to 4 places, None when nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(numerator or 0) / Decimal(denominator)).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # text | int | money | hours | pct (a fraction, shown as a percent) | date | row (the row's "kind" says)
    kind: str = "int"
    # "sum": the totals row adds the column; None: left empty; a callable: computed from the totals dict.
    total: str | Callable[[dict], object] | None = "sum"
    # The name of a report method (filters, row key) -> QuerySet of the orders/customers behind the number.
    drill: str = ""
    # Shown in the group roll-up (one row per store): numeric columns with a total by default.
    in_group: bool | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "money", "hours", "pct", "row")

    @property
    def grouped(self) -> bool:
        return self.in_group if self.in_group is not None else (self.numeric and self.total is not None)


def text_column(key: str, label: str) -> Column:
    """A column naming the row (a day as text, a repair type, an advisor): nothing to add up."""
    return Column(key, label, kind="text", total=None)


def ratio_column(key: str, label: str, numerator: str, denominator: str) -> Column:
    """A percent column whose total divides the totals of two other keys (a ratio of the sums, not an
    average of the rows' ratios); the keys may be hidden helpers ("_satisfied")."""
    return Column(key, label, kind="pct", total=lambda t: ratio(t[numerator], t[denominator]))


@dataclass(frozen=True)
class Chart:
    """An ECharts chart of the rows: `kind` line | bar | pie, categories from column `x`, one series per key."""

    kind: str
    x: str
    series: tuple[str, ...]
    title: str = ""


@dataclass(frozen=True)
class Filters:
    """What a report is asked for: the stores (already scoped to the user), the period
    (inclusive dates) and, where it applies, one advisor."""

    user: object
    stores: tuple[Store, ...]
    period: str
    start: date
    end: date
    advisor_id: int | None = None
    store_id: int | None = None  # the one store picked, None for "all my stores"
    extra: dict = field(default_factory=dict)

    @property
    def store_ids(self) -> list[int]:
        return [s.pk for s in self.stores]

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    @property
    def month_start(self) -> date:
        return self.end.replace(day=1)

    def for_store(self, store: Store) -> Filters:
        return replace(self, stores=(store,), store_id=store.pk)

    def query(self) -> dict[str, str]:
        """The filters as query parameters, as the filter form reads them back."""
        params = {"period": self.period}
        if self.period == "day":
            params["day"] = self.end.isoformat()
        elif self.period == "month":
            params["month"] = self.end.strftime("%Y-%m")
        else:
            params["start"], params["end"] = self.start.isoformat(), self.end.isoformat()
        if self.store_id:
            params["store"] = str(self.store_id)
        if self.advisor_id:
            params["advisor"] = str(self.advisor_id)
        return params

    def querystring(self, **more) -> str:
        return urlencode({**self.query(), **{k: v for k, v in more.items() if v not in (None, "")}})


def month_bounds(day: date) -> tuple[date, date]:
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


class Report:
    slug: str = ""
    title: str = ""
    description: str = ""
    # Menu section on the reports index: daily | monthly | abc | crm | targets | other
    section: str = "other"
    perm: str = Perm.REPORT_VIEW
    periods: tuple[str, ...] = PERIODS
    default_period: str = "month"
    has_advisor: bool = False
    columns: tuple[Column, ...] = ()
    chart: Chart | None = None
    # The column the group view ranks the stores by (highest first); "" = the first grouped column.
    rank_by: str = ""
    rank_ascending: bool = False
    template: str = "reports/report.html"  # a report may show more than one table (extends this)

    # --- what a report declares -----------------------------------------------------------------

    def rows(self, f: Filters) -> Iterable[dict]:
        raise NotImplementedError

    def extra_context(self, f: Filters) -> dict:
        """More for the page (a second table, a comparison); not exported."""
        return {}

    def api_extra(self, f: Filters) -> dict:
        """More for the JSON answer (e.g. a KPI's numerator and denominator)."""
        return {}

    # --- derived, overridable ---------------------------------------------------------------------

    def totals(self, f: Filters, rows: Iterable[dict] | None = None) -> dict:
        rows = self.rows(f) if rows is None else rows
        return self.add_up(rows)

    def add_up(self, rows: Iterable[dict]) -> dict:
        sums: dict = {c.key: 0 for c in self.columns if c.total == "sum"}
        for row in rows:
            for key in sums:
                sums[key] += row.get(key) or 0
            for key, value in row.items():  # hidden helpers (numerators, denominators) add up too
                if key.startswith("_") and isinstance(value, int | Decimal):
                    sums[key] = sums.get(key, 0) + value
        for column in self.columns:
            if callable(column.total):
                sums[column.key] = column.total(sums)
        return sums

    def by_store(self, f: Filters) -> list[dict]:
        """One row per store of `f` with the report's totals for it (store, store_id, ...)."""
        return [{"store": s.name, "store_id": s.pk, **self.totals(f.for_store(s))} for s in f.stores]

    def group_rows(self, f: Filters) -> list[dict]:
        """by_store ranked by `rank_by`, each with its rank (1 = best); a store without a value last."""
        key = self.rank_key
        rows = self.by_store(f)
        rows.sort(
            key=lambda r: (r.get(key) is None, (r.get(key) or 0) * (1 if self.rank_ascending else -1), r["store"])
        )
        for number, row in enumerate(rows, start=1):
            row["rank"] = number
        return rows

    @property
    def rank_key(self) -> str:
        return self.rank_by or next((c.key for c in self.columns if c.grouped), "")

    @property
    def group_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.grouped)

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    def drill(self, f: Filters, column_key: str, row_key: str | None) -> QuerySet | None:
        column = self.column(column_key)
        if column is None or not column.drill:
            return None
        return getattr(self, column.drill)(f, row_key or None)

    def export_rows(self, f: Filters, columns: tuple[Column, ...] | None = None) -> Iterator[list]:
        """The rows as lists in column order, then the totals row; an iterator, so exports stay flat."""
        columns = columns or self.columns
        for row in self.rows(f):
            yield [export_value(row.get(c.key), c, row.get("kind")) for c in columns]
        totals = self.totals(f)
        yield [_("Total") if n == 0 else export_value(totals.get(c.key), c) for n, c in enumerate(columns)]


def export_value(value, column: Column, kind: str | None = None):
    """A cell as a spreadsheet wants it: a percent column as the percent number (85.5), text as text."""
    kind = kind if column.kind == "row" else column.kind
    if value is None:
        return None
    if kind == "pct":
        return (Decimal(value) * 100).quantize(Decimal("0.1"))
    if kind == "text":
        return str(value)
    return value


def register(cls: type[Report]) -> type[Report]:
    if not cls.slug or cls.slug in REPORTS:
        raise ValueError(f"report slug {cls.slug!r} missing or used twice")
    REPORTS[cls.slug] = cls
    return cls


def get_report(slug: str) -> Report | None:
    cls = REPORTS.get(slug)
    return cls() if cls else None


def group_roles(user) -> bool:
    """A group view is for group-wide roles (a membership with no store) holding the report permission."""
    return bool(user.is_authenticated and user.group_ids(Perm.REPORT_VIEW))


def group_stores(user) -> list[Store]:
    """Every store of the groups where the user holds a group-wide reporting role."""
    return list(Store.objects.filter(group_id__in=user.group_ids(Perm.REPORT_VIEW)).order_by("code"))


def resolve_filters(user, params, report: Report, *, group: bool = False):
    """(form, Filters or None) from query parameters. The stores are those the user may see the
    report in (for_user), or for the group view every store of the user's groups; a store the
    user may not see is not offered and so is refused as an invalid choice."""
    from aftercare.accounts.roles import Role
    from aftercare.accounts.selectors import staff_with_role

    from .forms import ReportFilterForm

    stores = group_stores(user) if group else list(Store.objects.for_user(user, report.perm).order_by("code"))
    advisors = list(staff_with_role(Role.ADVISOR, [s.pk for s in stores])) if report.has_advisor else []
    form = ReportFilterForm(params or None, report=report, stores=stores, advisors=advisors)
    if form.is_bound and not form.is_valid():
        return form, None
    data = form.cleaned_data if form.is_bound else form.clean_unbound()
    chosen = tuple(s for s in stores if data.get("store") in (None, s.pk))
    return form, Filters(
        user=user,
        stores=chosen,
        period=data["period"],
        start=data["start"],
        end=data["end"],
        advisor_id=data.get("advisor"),
        store_id=data.get("store"),
    )
