# ruff: noqa: S608
# SQL is assembled from table and column names (Model._meta) and placeholders; every value is bound.
"""The reports (docs/DOMAIN.md §18.3): the daily report page, a month of revenue for the store and for
the whole group (the group roll-up ranks every store), the nightly materialisation of one day's figures
for every store, and a month's drill-down exported to xlsx.

The reports read the daily figures, so the first use materialises the figures of the last 13 months
(once per run, set-based; its time is printed, not timed). Floors: the same sums by hand in one
grouped statement over the daily figures (and a do-nothing page for the page); for the nightly job,
the grouped statements over the source tables of that day; for the export, the repair-order export's
own floor (one set-based SELECT streamed to CSV)."""

import time as clock
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from aftercare.billing.models import Payment
from aftercare.core.models import Store
from aftercare.customers.models import Customer
from aftercare.reports.daily import Revenue
from aftercare.reports.drill import drill_listing
from aftercare.reports.figures import figures_materialise
from aftercare.reports.framework import Filters
from aftercare.reports.models import DailyFigure
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.service.selectors import orders_delivered
from aftercare.surveys.models import SurveyResponse
from aftercare.workshop.models import Job

from ..harness import EXPORT_XLSX, NIGHTLY, PAGE, Case, Context, operation
from .customers import _consume, raw
from .exports import floor_export, samples

FIGURE = DailyFigure._meta.db_table
ORDER = RepairOrder._meta.db_table
SUMS = ("arrivals", "deliveries", "revenue_labour", "revenue_parts", "revenue_other", "revenue")


def _figures(ctx: Context) -> dict:
    """The last 13 months of figures materialised (once), and the month the samples use."""
    if "report_figures" in ctx.cache:
        return ctx.cache["report_figures"]
    s = samples(ctx)
    first, last = s["month"]
    start = (first - timedelta(days=366)).replace(day=1)
    began = clock.perf_counter()
    written = figures_materialise(start=start, end=timezone.localdate())
    print(f"  reports: {written} store-days of figures materialised in {clock.perf_counter() - began:.1f} s")
    stores = tuple(Store.objects.order_by("pk"))
    ctx.cache["report_figures"] = {"month": (first, last), "stores": stores}
    return ctx.cache["report_figures"]


def _filters(user, stores, first, last) -> Filters:
    return Filters(user=user, stores=tuple(stores), period="month", start=first, end=last)


def _sum_sql(sql, store_ids, by: str) -> str:
    cols = ", ".join(f"SUM({c})" for c in SUMS)
    return (
        f"SELECT {by}, {cols} FROM {FIGURE} WHERE store_id IN {sql.in_list(store_ids)} "
        f"AND day >= %s AND day <= %s GROUP BY {by} ORDER BY {by}"
    )


@operation("report.month.store", goal=NIGHTLY, kind="nightly")
def month_store(ctx: Context) -> Case:
    """The revenue report of last month for the manager's store (rows per day + totals, from the daily
    figures) against one grouped statement over the same figures."""
    f = _figures(ctx)
    first, last = f["month"]
    manager = ctx.users["manager"]
    stores = [s for s in f["stores"] if s.pk in manager.store_ids()][:1]
    report, sql = Revenue(), raw(ctx)
    filters = _filters(manager, stores, first, last)

    def run():
        rows = list(report.rows(filters))
        return rows, report.totals(filters, rows)

    def by_hand():
        ids = [s.pk for s in stores]
        return sql.rows(_sum_sql(sql, ids, "day"), [*ids, first, last])

    def same() -> bool:
        rows, _totals = run()
        ours = sum(r["revenue"] for r in rows)
        theirs = sum(Decimal(r[-1]) for r in by_hand())
        return ours == theirs and ours > 0

    return Case(run=run, floor=[by_hand], same_answer=same)


@operation("report.month.group", goal=NIGHTLY, kind="nightly")
def month_group(ctx: Context) -> Case:
    """The group roll-up of last month's revenue: every store, ranked (one grouped query over the daily
    figures), against the same GROUP BY store by hand."""
    f = _figures(ctx)
    first, last = f["month"]
    report, sql = Revenue(), raw(ctx)
    filters = _filters(ctx.users["manager"], f["stores"], first, last)
    store_ids = [s.pk for s in f["stores"]]

    def run():
        return report.group_rows(filters)

    def by_hand():
        return sql.rows(_sum_sql(sql, store_ids, "store_id"), [*store_ids, first, last])

    def same() -> bool:
        ours = {r["store_id"]: r["revenue"] for r in run()}
        theirs = {r[0]: Decimal(r[-1]) for r in by_hand()}
        return ours == theirs and len(theirs) == len(store_ids)

    return Case(run=run, floor=[by_hand], same_answer=same)


@operation("page.report.daily", goal=PAGE, kind="page")
def daily_page(ctx: Context) -> Case:
    """The daily report (日报) of the last day of the sample month, as the manager opens it."""
    f = _figures(ctx)
    _first, last = f["month"]
    client, sql = ctx.clients["manager"], raw(ctx)
    store_ids = ctx.users["manager"].store_ids()

    def run():
        response = client.get("/reports/daily/", {"period": "day", "day": last.isoformat()})
        assert response.status_code == 200, response.status_code
        return response

    def by_hand():
        return sql.rows(_sum_sql(sql, store_ids, "store_id"), [*store_ids, last.replace(day=1), last])

    return Case(run=run, floor=[lambda: client.get("/bench/noop/"), by_hand])


@operation("nightly.report_figures", goal=NIGHTLY, kind="nightly")
def nightly_figures(ctx: Context) -> Case:
    """One day's figures of every store recomputed and replaced (the nightly job's work per day)
    against the orders' grouped aggregates of that day by hand (arrivals; deliveries and revenue)."""
    f = _figures(ctx)
    _first, last = f["month"]
    store_ids = [s.pk for s in f["stores"]]
    sql = raw(ctx)
    from aftercare.core.dates import local_day_bounds

    since, until = local_day_bounds(last, last)

    def run():
        return figures_materialise(start=last, end=last, store_ids=store_ids)

    def by_hand():
        stores = sql.in_list(store_ids)
        opened = sql.rows(
            f"SELECT store_id, advisor_id, COUNT(*) FROM {ORDER} WHERE store_id IN {stores} "
            f"AND opened_at >= %s AND opened_at < %s AND status <> %s GROUP BY store_id, advisor_id",
            [*store_ids, since, until, Status.CANCELLED],
        )
        delivered = sql.rows(
            f"SELECT store_id, advisor_id, COUNT(*), SUM(labour_total), SUM(parts_total), SUM(other_total), "
            f"SUM(total) FROM {ORDER} WHERE store_id IN {stores} AND status = %s "
            f"AND closed_at >= %s AND closed_at < %s GROUP BY store_id, advisor_id",
            [*store_ids, Status.DELIVERED, since, until],
        )
        open_now = sql.rows(
            f"SELECT store_id, COUNT(*) FROM {ORDER} WHERE store_id IN {stores} AND opened_at < %s "
            f"AND (closed_at IS NULL OR closed_at >= %s) GROUP BY store_id",
            [*store_ids, until, until],
        )
        others = [
            sql.rows(
                f"SELECT store_id, {what} FROM {table} WHERE store_id IN {stores} AND {moment} >= %s "
                f"AND {moment} < %s GROUP BY store_id{extra}",
                [*store_ids, since, until],
            )
            for table, what, moment, extra in (
                (Payment._meta.db_table, "method, SUM(amount)", "posted_at", ", method"),
                (Job._meta.db_table, "technician_id, COUNT(*)", "finished_at", ", technician_id"),
                (SurveyResponse._meta.db_table, "advisor_id, COUNT(*)", "completed_at", ", advisor_id"),
                (Customer._meta.db_table, "COUNT(*)", "created_at", ""),
            )
        ]
        return opened, delivered, open_now, others

    return Case(run=run, floor=[by_hand])


@operation("export.report_drill.xlsx", goal=EXPORT_XLSX, kind="export")
def drill_xlsx(ctx: Context) -> Case:
    """A month's deliveries behind the revenue report, exported to xlsx from the drill-down (streamed,
    XlsxWriter constant_memory) against the repair-order export's set-based floor."""
    from aftercare.core.exports import export_response

    f = _figures(ctx)
    first, last = f["month"]
    manager = ctx.users["manager"]
    store_ids = samples(ctx)["store_ids"]

    def export(since, until):
        listing = drill_listing(orders_delivered(store_ids=store_ids, start=since, end=until), manager)
        return _consume(export_response("xlsx", "x.xlsx", [str(h) for h in listing.headers], listing.export_rows()))

    s = samples(ctx)
    month_rows = max(1, orders_delivered(store_ids=store_ids, start=first, end=last).count())

    def export_rows(rows: int):
        # N rows = the month, 4N = the four months ending with it.
        since, until = (first, last) if rows <= month_rows else s["four_months"]
        return lambda: export(since, until)

    return Case(
        run=lambda: export(first, last),
        floor=[lambda: floor_export(ctx, first, last)],
        memory=export_rows,
        memory_rows=month_rows,
        repeats=max(3, ctx.repeats // 3),
    )
