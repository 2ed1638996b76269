# ruff: noqa: S608
# SQL is assembled from table names (Model._meta.db_table), column names and
# literals the harness computed itself (store ids read from the database,
# timestamps, choice labels): COPY takes no bound parameters.
"""The repair-order export (service/exports.py): a month of the store's
orders to CSV and to xlsx, as the manager downloads it from the list page.

Floor: one set-based SELECT producing the same columns (status label by CASE,
the mobile masked by SQL string functions outside the stores where the user
may reveal contacts, local times, the approved lines counted by a correlated
sub-select), streamed: `COPY (…) TO STDOUT (FORMAT csv)` on PostgreSQL, the
same SELECT into csv.writer in process on SQLite (what `sqlite3 -csv` does).
Memory: the tracemalloc peak for one month and for four months of orders.
"""

import csv
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from aftercare.accounts.models import User
from aftercare.catalog.models import RepairType
from aftercare.core.models import Store
from aftercare.core.permissions import Perm
from aftercare.customers.models import Customer, Vehicle
from aftercare.service import exports
from aftercare.service.choices import LineStatus, Status
from aftercare.service.models import RepairOrder, RepairOrderLine

from ..harness import EXPORT_CSV, EXPORT_XLSX, Case, Context, operation
from ..sql import RawSQL
from .customers import _case_sql, _consume, _Counter, raw

T = {
    m.__name__: m._meta.db_table
    for m in (RepairOrder, RepairOrderLine, Store, RepairType, User, Vehicle, Customer)
}  # fmt: skip


def _months_back(first: date, months: int) -> date:
    """The first day of the month `months` before the month starting on `first`."""
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def samples(ctx: Context) -> dict:
    """The manager's export stores and the last complete month of their history (and the 3 months before)."""
    s = ctx.cache.get("export_samples")
    if s:
        return s
    manager = ctx.users["manager"]
    store_ids = sorted(set(manager.store_ids(Perm.DATA_EXPORT)) & set(manager.store_ids(Perm.REPAIR_ORDER_VIEW)))
    newest = (
        RepairOrder.objects.filter(store_id__in=store_ids, status=Status.DELIVERED)
        .order_by("-opened_at")
        .values_list("opened_at", flat=True)
        .first()
    )
    # History runs up to the day the dataset was built: its month is not complete, the one before is.
    last_day = timezone.localtime(newest).date().replace(day=1) - timedelta(days=1)
    first_day = last_day.replace(day=1)
    s = {
        "store_ids": store_ids,
        "month": (first_day, last_day),
        "four_months": (_months_back(first_day, 3), last_day),
    }
    ctx.cache["export_samples"] = s
    return s


def _bound(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def export_sql(sql: RawSQL, store_ids: list[int], reveal_ids: list[int], since: date, until: date) -> str:
    """The export's table as one set-based statement."""
    start, end = _bound(since), _bound(until + timedelta(days=1))
    if sql.vendor == "sqlite":
        # Django keeps UTC text 'YYYY-MM-DD HH:MM:SS' on SQLite: compare as text, shift to local time.
        offset_hours = int(timezone.localtime().utcoffset() / timedelta(hours=1))

        def local(column):
            return f"datetime({column}, '{offset_hours:+d} hours')"

        def literal(moment):
            return f"'{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S}'"
    else:
        zone = timezone.get_current_timezone_name()

        def local(column):
            return f"({column} AT TIME ZONE '{zone}')::timestamp(0)"

        def literal(moment):
            return f"'{moment.isoformat()}'::timestamptz"

    stores = ", ".join(str(int(i)) for i in store_ids)  # ints from the database, inlined for COPY
    reveal = f"ro.store_id IN ({', '.join(str(int(i)) for i in reveal_ids)})" if reveal_ids else "1 = 0"
    mobile = (
        f"CASE WHEN {reveal} THEN c.mobile WHEN length(c.mobile) = 11 "
        f"THEN substr(c.mobile, 1, 3) || '****' || substr(c.mobile, 8, 4) "
        f"ELSE '****' || substr(c.mobile, length(c.mobile) - 3, 4) END"
    )
    return (
        f"SELECT s.name, ro.number, {local('ro.opened_at')}, {local('ro.closed_at')}, "
        f"{_case_sql('ro.status', Status.choices)}, rt.name, COALESCE(NULLIF(u.full_name, ''), u.username), "
        f"v.plate, v.vin, c.name, {mobile}, ro.odometer_km, ro.labour_total, ro.parts_total, ro.other_total, "
        f"ro.discount_total, ro.total, ro.customer_total, "
        f"(SELECT COUNT(*) FROM {T['RepairOrderLine']} l WHERE l.repair_order_id = ro.id "
        f"AND l.status = '{LineStatus.APPROVED.value}') "
        f"FROM {T['RepairOrder']} ro JOIN {T['Store']} s ON s.id = ro.store_id "
        f"JOIN {T['RepairType']} rt ON rt.id = ro.repair_type_id JOIN {T['User']} u ON u.id = ro.advisor_id "
        f"JOIN {T['Vehicle']} v ON v.id = ro.vehicle_id JOIN {T['Customer']} c ON c.id = ro.customer_id "
        f"WHERE ro.store_id IN ({stores}) AND ro.opened_at >= {literal(start)} AND ro.opened_at < {literal(end)} "
        f"ORDER BY ro.store_id, ro.opened_at, ro.id"
    )


def floor_export(ctx: Context, since: date, until: date) -> int:
    sql, s, manager = raw(ctx), samples(ctx), ctx.users["manager"]
    statement = export_sql(sql, s["store_ids"], manager.store_ids(Perm.CONTACT_REVEAL), since, until)
    if sql.vendor == "sqlite":  # what `sqlite3 -csv` does, in process
        sink = _Counter()
        writer = csv.writer(sink)
        writer.writerow(["\ufeff", *exports.HEADERS])
        writer.writerows(sql.raw.execute(statement))
        return sink.bytes
    total = 0
    with sql.cursor().copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
        for block in copy:
            total += len(block)
    return total


def _case(ctx: Context, fmt: str) -> Case:
    s, sql, manager = samples(ctx), raw(ctx), ctx.users["manager"]
    since, until = s["month"]
    in_month = exports.exportable(manager).filter(
        opened_at__gte=_bound(since), opened_at__lt=_bound(until + timedelta(days=1))
    )
    month_rows = max(1, in_month.count())

    def run():
        response = exports.export_repair_orders(user=manager, fmt=fmt, since=since, until=until)
        return _consume(response)

    def export_rows(rows: int):
        # N rows = the month, 4N = the four months ending with it.
        first, last = s["month"] if rows <= month_rows else s["four_months"]
        return lambda: _consume(exports.export_repair_orders(user=manager, fmt=fmt, since=first, until=last))

    def same() -> bool:
        """Same orders in the same order, with the same line counts."""
        response = exports.export_repair_orders(user=manager, fmt="csv", since=since, until=until)
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        app = [(row[1], row[-1]) for row in list(csv.reader(text.splitlines()))[1:]]
        statement = export_sql(sql, s["store_ids"], manager.store_ids(Perm.CONTACT_REVEAL), since, until)
        return app == [(row[1], str(row[-1])) for row in sql.rows(statement)]

    return Case(
        run=run,
        floor=[lambda: floor_export(ctx, since, until)],
        memory=export_rows,
        memory_rows=month_rows,
        same_answer=same,
        repeats=max(3, ctx.repeats // 3),
    )


@operation("export.repair_orders.csv", goal=EXPORT_CSV, kind="export")
def export_csv(ctx):
    return _case(ctx, "csv")


@operation("export.repair_orders.xlsx", goal=EXPORT_XLSX, kind="export")
def export_xlsx(ctx):
    return _case(ctx, "xlsx")


__all__ = ["export_sql", "floor_export", "samples"]
