# ruff: noqa: S608
# SQL is assembled from the table name (Model._meta) and placeholders; every value is a bound parameter.
"""Health records: the month's export for a store in the national interface's
columns (docs/DOMAIN.md §23.3), against its floor: one hand-written SELECT of
the same records with the same columns, written by the csv module."""

import csv
import json
from datetime import timedelta

from aftercare.core.exports import export_response
from aftercare.core.permissions import Perm
from aftercare.healthrecords import selectors
from aftercare.healthrecords.models import HealthRecord
from aftercare.healthrecords.services import records_backfill
from aftercare.service.models import RepairOrder

from ..harness import EXPORT_CSV, Case, Context, operation
from .customers import _consume, _Counter, raw
from .exports import samples

TABLE = HealthRecord._meta.db_table
COLUMNS = (
    "company_name, vin, plate, repair_date, repair_mileage, settle_date, settle_number, "
    "fault_description, repair_items, labour_hours, parts"
)


def _day(value) -> str:
    return value.strftime("%Y%m%d") if hasattr(value, "strftime") else str(value).replace("-", "")


def _list(value) -> list:
    return json.loads(value) if isinstance(value, str) else value


@operation("export.health_records.csv", goal=EXPORT_CSV, kind="export")
def health_records_export(ctx: Context) -> Case:
    s, sql, manager = samples(ctx), raw(ctx), ctx.users["manager"]
    store_id = min(s["store_ids"])
    since, until = s["month"]
    first, last = s["four_months"]
    # The records of the four months' settled orders (the history is built without the signal):
    # the month is measured, and its peak memory against the four months'.
    records_backfill(RepairOrder.objects.filter(store_id=store_id, opened_at__date__gte=first - timedelta(days=14),
                                                opened_at__date__lte=max(until, last)))  # fmt: skip
    assert manager.has_perm(Perm.DATA_EXPORT)

    def app_rows(start=since, end=until):
        records = selectors.records_for_user(manager, start=start, end=end).filter(store_id=store_id)
        return selectors.export_rows(records)

    def run():
        return _consume(export_response("csv", "health-records.csv", selectors.export_headers(), app_rows()))

    month_rows = max(1, HealthRecord.objects.filter(store_id=store_id, settle_date__range=(since, until)).count())

    def export_rows(rows: int):
        # N rows = the month, 4N = the four months ending with it.
        start, end = (since, until) if rows <= month_rows else (first, last)
        headers = selectors.export_headers()
        return lambda: _consume(export_response("csv", "health-records.csv", headers, app_rows(start, end)))

    statement = (
        f"SELECT {COLUMNS} FROM {TABLE} WHERE store_id = %s AND settle_date >= %s AND settle_date <= %s "
        f"ORDER BY settle_date DESC, id DESC"
    )

    def floor_rows():
        for company, vin, plate, rdate, km, sdate, number, fault, items, hours, parts in sql.rows(
            statement, [store_id, since.isoformat(), until.isoformat()]
        ):
            items, parts = _list(items), _list(parts)
            yield [
                company, vin, plate, _day(rdate), "" if km is None else km, _day(sdate), number, fault,
                ";".join(i["name"] for i in items), str(hours), ";".join(p["name"] for p in parts),
                ";".join(p["code"] for p in parts), ";".join(p["quantity"] for p in parts),
            ]  # fmt: skip

    def floor():
        sink = _Counter()
        writer = csv.writer(sink)
        writer.writerow(["\ufeff", *selectors.export_headers()])
        writer.writerows(floor_rows())
        return sink.bytes

    def same() -> bool:
        return [row[6] for row in app_rows()] == [row[6] for row in floor_rows()]

    return Case(
        run=run, floor=[floor], same_answer=same, memory=export_rows, memory_rows=month_rows,
        repeats=max(3, ctx.repeats // 3),
    )  # fmt: skip
