"""The daily reports (日报, docs/DOMAIN.md §18.3), declared on reports/framework.py and read from the
daily figures (reports/figures.py), never from years of orders. Drill-down goes to the domain apps'
selectors for the orders or customers behind a number."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from aftercare.billing.choices import PaymentMethod
from aftercare.billing.selectors import orders_paid_by
from aftercare.core.permissions import Perm
from aftercare.customers.selectors import customers_created
from aftercare.service.selectors import orders_delivered, orders_open_at_end_of, orders_opened
from aftercare.workshop.selectors import orders_with_jobs_finished

from . import targets
from .figures import figures_sum, open_orders_on, payments_sum, person_sums
from .framework import Chart, Column, Filters, Report, ratio, ratio_column, register, text_column
from .models import DailyPersonFigure

ZERO = Decimal("0.00")


def _by_day(f: Filters, start: date | None = None) -> dict:
    return {r["day"]: r for r in figures_sum(store_ids=f.store_ids, start=start or f.start, end=f.end, by=("day",))}


def _days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _day_of(key: str | None, f: Filters) -> tuple[date, date]:
    """A row key that is a day narrows the period to it; the totals row (None) is the whole period."""
    if key:
        try:
            day = date.fromisoformat(key)
        except ValueError:
            return f.start, f.end
        if f.start <= day <= f.end:
            return day, day
    return f.start, f.end


# --- 日报: the day and the month so far, against the month's targets ---------------------------------


@register
class DailySummary(Report):
    slug = "daily"
    title = _("Daily report")
    description = _("The day and the month so far against the month's targets: the morning meeting's numbers.")
    section = "daily"
    periods = ("day",)
    default_period = "day"
    columns = (
        text_column("label", _("Figure")),
        Column("day", _("The day"), kind="row", total=None, drill="drill_day", in_group=False),
        Column("mtd", _("Month to date"), kind="row", total=None, drill="drill_mtd", in_group=False),
        Column("target", _("Month target"), kind="row", total=None, in_group=False),
        Column("progress", _("Progress"), kind="pct", total=None, in_group=False),
        Column("gap", _("Still to go"), kind="row", total=None, in_group=False),
    )
    template = "reports/daily.html"

    FIGURES = (
        ("arrivals", _("Arrivals"), "int"),
        ("deliveries", _("Deliveries"), "int"),
        ("open_orders", _("Not yet delivered"), "int"),
        ("revenue_labour", _("Labour revenue"), "money"),
        ("revenue_parts", _("Parts revenue"), "money"),
        ("revenue_other", _("Other revenue"), "money"),
        ("revenue", _("Revenue"), "money"),
        ("payments_total", _("Money received"), "money"),
        ("frt_hours", _("FRT hours sold"), "hours"),
        ("clocked_hours", _("Clocked hours"), "hours"),
        ("efficiency", _("Efficiency (FRT ÷ clocked)"), "pct"),
        ("utilisation", _("Utilisation (clocked ÷ available)"), "pct"),
        ("new_customers", _("New customers"), "int"),
        ("satisfaction", _("Satisfaction"), "pct"),
    )

    @staticmethod
    def derived(row: dict) -> dict:
        row["efficiency"] = ratio(row["frt_hours"], row["clocked_hours"])
        row["utilisation"] = ratio(row["clocked_hours"], row["available_hours"])
        row["satisfaction"] = ratio(row["satisfied"], row["surveyed"])
        return row

    def rows(self, f: Filters):
        day = self.derived(figures_sum(store_ids=f.store_ids, start=f.end, end=f.end)[0])
        mtd = self.derived(figures_sum(store_ids=f.store_ids, start=f.month_start, end=f.end)[0])
        day["open_orders"] = mtd["open_orders"] = open_orders_on(store_ids=f.store_ids, day=f.end)
        goals = targets.targets_for(store_ids=f.store_ids, month=f.month_start)
        for key, label, kind in self.FIGURES:
            goal = goals.get(key)
            row = {"key": key, "label": label, "kind": kind, "day": day.get(key), "mtd": mtd.get(key)}
            if goal is not None:
                row["target"] = goal
                done = mtd.get(key)
                if kind == "pct":
                    row["gap"] = None if done is None or done >= goal else goal - done
                else:
                    row["progress"] = ratio(done, goal)
                    row["gap"] = max(goal - (done or 0), 0)
            yield row

    def by_store(self, f: Filters) -> list[dict]:
        names = {s.pk: s.name for s in f.stores}
        rows = figures_sum(store_ids=f.store_ids, start=f.month_start, end=f.end, by=("store_id",))
        return [{"store": names[r["store_id"]], **self.derived(r)} for r in rows]

    @property
    def group_columns(self):
        return (
            Column("arrivals", _("Arrivals")),
            Column("revenue", _("Revenue"), kind="money"),
            Column("payments_total", _("Money received"), kind="money"),
            Column("efficiency", _("Efficiency"), kind="pct"),
            Column("satisfaction", _("Satisfaction"), kind="pct"),
        )

    rank_by = "revenue"

    @property
    def rank_key(self) -> str:
        return "revenue"

    def column(self, key):
        return super().column(key) or next((c for c in self.group_columns if c.key == key), None)

    def _drill(self, f: Filters, key: str | None, start: date):
        ids, end = f.store_ids, f.end
        if key == "arrivals":
            return orders_opened(store_ids=ids, start=start, end=end)
        if key in ("deliveries", "revenue", "revenue_labour", "revenue_parts", "revenue_other"):
            return orders_delivered(store_ids=ids, start=start, end=end)
        if key == "open_orders":
            return orders_open_at_end_of(store_ids=ids, day=end)
        if key == "payments_total":
            return orders_paid_by(store_ids=ids, start=start, end=end)
        if key in ("frt_hours",):
            return orders_with_jobs_finished(store_ids=ids, start=start, end=end)
        if key == "new_customers":
            return customers_created(store_ids=ids, start=start, end=end)
        return None

    def drill_day(self, f, key):
        return self._drill(f, key, f.end)

    def drill_mtd(self, f, key):
        return self._drill(f, key, f.month_start)

    def extra_context(self, f: Filters) -> dict:
        by_day = _by_day(f, f.month_start)
        days = list(_days(f.month_start, f.end))
        running, cumulative = 0, []
        for day in days:
            running += by_day.get(day, {}).get("arrivals", 0)
            cumulative.append(running)
        chart = {
            "id": "chart-daily-arrivals",
            "kind": "bar",
            "title": str(_("Arrivals")),
            "categories": [d.strftime("%m-%d") for d in days],
            "series": [
                {"name": str(_("Arrivals")), "data": [by_day.get(d, {}).get("arrivals", 0) for d in days]},
                {"name": str(_("Deliveries")), "data": [by_day.get(d, {}).get("deliveries", 0) for d in days]},
            ],
            "percent": False,
        }
        return {"month_chart": chart, "cumulative_arrivals": running}


# --- arrivals, deliveries and orders not yet delivered, day by day --------------------------------------


@register
class Arrivals(Report):
    slug = "arrivals"
    title = _("Arrivals and deliveries")
    description = _("Cars received (来厂台次) each day and in total, deliveries, and orders not yet delivered.")
    section = "daily"
    columns = (
        Column("day", _("Day"), kind="date", total=None),
        Column("arrivals", _("Arrivals"), drill="drill_arrivals"),
        Column("cumulative", _("Cumulative arrivals"), total=None, in_group=False),
        Column("deliveries", _("Deliveries"), drill="drill_deliveries"),
        Column("same_day_deliveries", _("Delivered the same day"), drill="drill_same_day"),
        Column("open_orders", _("Not yet delivered"), total=None, drill="drill_open", in_group=False),
    )
    chart = Chart("bar", x="day", series=("arrivals", "deliveries"))
    rank_by = "arrivals"

    def rows(self, f: Filters):
        by_day = _by_day(f)
        running = 0
        for day in _days(f.start, f.end):
            r = by_day.get(day, {})
            running += r.get("arrivals", 0)
            yield {
                "key": day.isoformat(),
                "day": day,
                "arrivals": r.get("arrivals", 0),
                "cumulative": running,
                "deliveries": r.get("deliveries", 0),
                "same_day_deliveries": r.get("same_day_deliveries", 0),
                "open_orders": r.get("open_orders", 0),
            }

    def by_store(self, f: Filters) -> list[dict]:
        names = {s.pk: s.name for s in f.stores}
        return [
            {"store": names[r["store_id"]], **r}
            for r in figures_sum(store_ids=f.store_ids, start=f.start, end=f.end, by=("store_id",))
        ]

    def drill_arrivals(self, f, key):
        start, end = _day_of(key, f)
        return orders_opened(store_ids=f.store_ids, start=start, end=end)

    def drill_deliveries(self, f, key):
        start, end = _day_of(key, f)
        return orders_delivered(store_ids=f.store_ids, start=start, end=end)

    def drill_same_day(self, f, key):
        start, end = _day_of(key, f)
        return orders_delivered(store_ids=f.store_ids, start=start, end=end, same_day=True)

    def drill_open(self, f, key):
        _start, end = _day_of(key, f)
        return orders_open_at_end_of(store_ids=f.store_ids, day=end)


# --- revenue by labour, parts and other ---------------------------------------------------------------


@register
class Revenue(Report):
    slug = "revenue"
    title = _("Revenue")
    description = _("Revenue of the orders delivered each day, by labour, parts and other charges (产值汇总).")
    section = "daily"
    columns = (
        Column("day", _("Day"), kind="date", total=None),
        Column("deliveries", _("Deliveries"), drill="drill_delivered"),
        Column("revenue_labour", _("Labour"), kind="money", drill="drill_delivered"),
        Column("revenue_parts", _("Parts"), kind="money", drill="drill_delivered"),
        Column("revenue_other", _("Other"), kind="money", drill="drill_delivered"),
        Column("revenue_discount", _("Discount"), kind="money"),
        Column("revenue", _("Revenue"), kind="money", drill="drill_delivered"),
        Column("additional_sold", _("Additional work sold"), kind="money"),
        ratio_column("labour_share", _("Labour share"), "revenue_labour", "revenue"),
    )
    chart = Chart("bar", x="day", series=("revenue_labour", "revenue_parts", "revenue_other"))
    rank_by = "revenue"

    def rows(self, f: Filters):
        by_day = _by_day(f)
        for day in _days(f.start, f.end):
            r = by_day.get(day, {})
            yield {
                "key": day.isoformat(),
                "day": day,
                **{c.key: r.get(c.key, 0) for c in self.columns[1:-1]},
                "labour_share": ratio(r.get("revenue_labour"), r.get("revenue")),
            }

    def by_store(self, f: Filters) -> list[dict]:
        names = {s.pk: s.name for s in f.stores}
        rows = figures_sum(store_ids=f.store_ids, start=f.start, end=f.end, by=("store_id",))
        return [
            {"store": names[r["store_id"]], **r, "labour_share": ratio(r["revenue_labour"], r["revenue"])} for r in rows
        ]

    def drill_delivered(self, f, key):
        start, end = _day_of(key, f)
        return orders_delivered(store_ids=f.store_ids, start=start, end=end)


# --- payments received by method -----------------------------------------------------------------------


@register
class Payments(Report):
    slug = "payments"
    title = _("Payments received")
    description = _("Money received by method; coupons and package-card uses are shown apart from the money.")
    section = "daily"
    columns = (
        text_column("method", _("Method")),
        Column("amount", _("Amount"), kind="money", drill="drill_method"),
        Column("share", _("Share"), kind="pct", total=None, in_group=False),
    )
    chart = Chart("pie", x="method", series=("amount",))
    rank_by = "amount"

    def rows(self, f: Filters):
        by_method = payments_sum(store_ids=f.store_ids, start=f.start, end=f.end)
        total = sum(by_method.values(), ZERO)
        for method in PaymentMethod:
            if by_method.get(method.value):
                yield {
                    "key": method.value,
                    "method": method.label,
                    "amount": by_method[method.value],
                    "share": ratio(by_method[method.value], total),
                }

    def by_store(self, f: Filters) -> list[dict]:
        names = {s.pk: s.name for s in f.stores}
        per_store = payments_sum(store_ids=f.store_ids, start=f.start, end=f.end, by_store=True)
        return [{"store": names[s], "amount": sum(per_store.get(s, {}).values(), ZERO)} for s in names]

    def drill_method(self, f, key):
        return orders_paid_by(store_ids=f.store_ids, start=f.start, end=f.end, method=key or None)


# --- technician hours ---------------------------------------------------------------------------------


@register
class TechnicianHours(Report):
    slug = "technician-hours"
    title = _("Technician hours")
    description = _(
        "Clocked hours against FRT hours of the jobs finished: efficiency = FRT ÷ clocked, "
        "utilisation = clocked ÷ available (8 h a day clocked on)."
    )
    section = "daily"
    columns = (
        text_column("name", _("Technician")),
        Column("jobs_finished", _("Jobs finished"), drill="drill_jobs"),
        Column("frt_hours", _("FRT hours"), kind="hours", drill="drill_jobs"),
        Column("clocked_hours", _("Clocked hours"), kind="hours"),
        Column("available_hours", _("Available hours"), kind="hours"),
        ratio_column("efficiency", _("Efficiency"), "frt_hours", "clocked_hours"),
        Column(
            "utilisation",
            _("Utilisation"),
            kind="pct",
            total=lambda t: ratio(t["clocked_hours"], t["available_hours"]),
        ),
    )
    chart = Chart("bar", x="name", series=("efficiency", "utilisation"))
    rank_by = "efficiency"

    def rows(self, f: Filters):
        for r in person_sums(store_ids=f.store_ids, start=f.start, end=f.end, role=DailyPersonFigure.Role.TECHNICIAN):
            r["key"] = str(r["person_id"])
            r["efficiency"] = ratio(r["frt_hours"], r["clocked_hours"])
            r["utilisation"] = ratio(r["clocked_hours"], r["available_hours"])
            yield r

    def by_store(self, f: Filters) -> list[dict]:
        names = {s.pk: s.name for s in f.stores}
        rows = figures_sum(store_ids=f.store_ids, start=f.start, end=f.end, by=("store_id",))
        return [
            {
                "store": names[r["store_id"]],
                **r,
                "efficiency": ratio(r["frt_hours"], r["clocked_hours"]),
                "utilisation": ratio(r["clocked_hours"], r["available_hours"]),
            }
            for r in rows
        ]

    def drill_jobs(self, f, key):
        person = int(key) if key and key.isdigit() else None
        return orders_with_jobs_finished(store_ids=f.store_ids, start=f.start, end=f.end, technician_id=person)


# --- advisor performance ------------------------------------------------------------------------------


@register
class AdvisorPerformance(Report):
    slug = "advisor-performance"
    title = _("Advisor performance")
    description = _("Orders opened, deliveries, revenue, additional work sold and satisfaction per service advisor.")
    section = "daily"
    has_advisor = True
    columns = (
        text_column("name", _("Service advisor")),
        Column("arrivals", _("Orders opened"), drill="drill_opened"),
        Column("deliveries", _("Deliveries"), drill="drill_delivered"),
        Column("revenue", _("Revenue"), kind="money", drill="drill_delivered"),
        Column("additional_sold", _("Additional work sold"), kind="money"),
        Column("surveyed", _("Surveyed")),
        ratio_column("satisfaction", _("Satisfaction"), "satisfied", "surveyed"),
        Column("satisfied", _("Satisfied"), in_group=False),
    )
    chart = Chart("bar", x="name", series=("revenue",))
    rank_by = "revenue"

    def rows(self, f: Filters):
        for r in person_sums(
            store_ids=f.store_ids,
            start=f.start,
            end=f.end,
            role=DailyPersonFigure.Role.ADVISOR,
            person_id=f.advisor_id,
        ):
            r["key"] = str(r["person_id"])
            r["satisfaction"] = ratio(r["satisfied"], r["surveyed"])
            yield r

    def by_store(self, f: Filters) -> list[dict]:
        names = {s.pk: s.name for s in f.stores}
        rows = figures_sum(store_ids=f.store_ids, start=f.start, end=f.end, by=("store_id",))
        return [
            {"store": names[r["store_id"]], **r, "satisfaction": ratio(r["satisfied"], r["surveyed"])} for r in rows
        ]

    def _person(self, f, key):
        if key and key.isdigit():
            return int(key)
        return f.advisor_id

    def drill_opened(self, f, key):
        return orders_opened(store_ids=f.store_ids, start=f.start, end=f.end, advisor_id=self._person(f, key))

    def drill_delivered(self, f, key):
        return orders_delivered(store_ids=f.store_ids, start=f.start, end=f.end, advisor_id=self._person(f, key))


# --- targets against results (经营目标) ------------------------------------------------------------------


@register
class Targets(Report):
    slug = "targets"
    title = _("Targets and results")
    description = _("Each target of the month against the result so far, with the gap still to close.")
    section = "targets"
    periods = ("month",)
    columns = (
        text_column("label", _("Figure")),
        Column("target", _("Target"), kind="row", total=None, in_group=False),
        Column("actual", _("Result"), kind="row", total=None, in_group=False),
        Column("gap", _("Gap"), kind="row", total=None, in_group=False),
        Column("progress", _("Progress"), kind="pct", total=None, in_group=False),
    )
    chart = Chart("bar", x="label", series=("progress",))
    template = "reports/targets.html"

    def rows(self, f: Filters):
        goals = targets.targets_for(store_ids=f.store_ids, month=f.month_start)
        for key, spec in targets.TARGET_KEYS.items():
            goal = goals.get(key)
            if goal is None:
                continue
            actual = spec.actual(store_ids=f.store_ids, start=f.start, end=f.end)
            gap = None if actual is None else actual - goal
            if spec.kind == "pct":
                progress = None if actual is None else ratio(actual, goal)
            else:
                progress = ratio(actual, goal)
            yield {
                "key": key,
                "label": spec.label,
                "kind": spec.kind,
                "target": goal,
                "actual": actual,
                "gap": gap,
                "progress": progress,
                "met": None if actual is None else (actual >= goal) == spec.higher_is_better,
            }

    @property
    def group_columns(self):
        return (
            Column("revenue_progress", _("Revenue target reached"), kind="pct"),
            Column("arrivals_progress", _("Arrivals target reached"), kind="pct"),
            Column("targets_met", _("Targets met")),
        )

    @property
    def rank_key(self) -> str:
        return "revenue_progress"

    def column(self, key):
        return super().column(key) or next((c for c in self.group_columns if c.key == key), None)

    def by_store(self, f: Filters) -> list[dict]:
        result = []
        for store in f.stores:
            rows = {r["key"]: r for r in self.rows(f.for_store(store))}
            result.append(
                {
                    "store": store.name,
                    "store_id": store.pk,
                    "revenue_progress": rows.get("revenue", {}).get("progress"),
                    "arrivals_progress": rows.get("arrivals", {}).get("progress"),
                    "targets_met": sum(1 for r in rows.values() if r["met"]),
                }
            )
        return result

    def extra_context(self, f: Filters) -> dict:
        return {"can_set": f.user.has_perm(Perm.TARGET_SET) or bool(f.user.group_ids(Perm.TARGET_SET))}
