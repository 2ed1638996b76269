# ruff: noqa: S608
# SQL is assembled from table and column names (Model._meta) and placeholders;
# every value is a bound parameter.
"""The parts counter: the issue-queue page (待发料), the stock lookup by pinyin initials,
issuing a part to a repair-order line, and the nightly reorder job for one store and for
the group.

The parts data (aftercare.bench.parts_data: 30,000 parts per store with three years of
movements, yesterday's reorder run) is part of the cached dataset; an older dataset without it
gets it on first use, committed in the working copy. The open part lines for the queue and the
timed issues are added to the working copy on first use. Floors as elsewhere: hand-written SQL fetching the
same rows (plus the do-nothing view for pages), the same rows written by hand for the issue,
and the same set-based statements for the nightly job, rolled back like the job is."""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from aftercare.core.models import Store
from aftercare.core.permissions import Perm
from aftercare.parts import selectors, services
from aftercare.parts.choices import DEMAND_KINDS, DemandStatus, MovementKind
from aftercare.parts.models import BinStock, LineDemand, Movement, ReorderRun, StockItem
from aftercare.service.choices import LineKind
from aftercare.service.models import RepairOrder, RepairOrderLine

from ..harness import NIGHTLY, PAGE, SEARCH, WRITE, Case, Context, operation
from ..parts_data import build_parts, parts_size
from .customers import _ok, raw

MODELS = (StockItem, Movement, LineDemand, RepairOrder, RepairOrderLine, BinStock)
T = {m.__name__: m._meta.db_table for m in MODELS}
QUEUE_LINES = 60


def _sizes(ctx: Context) -> tuple[int, int]:
    return parts_size("tiny" if ctx.scale == "tiny" else "store")


def _store(ctx: Context) -> Store:
    return Store.objects.get(pk=ctx.users["manager"].store_ids(Perm.PARTS_MANAGE)[0])


def _dataset(ctx: Context) -> dict:
    if "parts" in ctx.cache:
        return ctx.cache["parts"]
    parts, months = _sizes(ctx)
    rng = random.Random(13)
    store = _store(ctx)
    stores = list(Store.objects.filter(group_id=store.group_id, is_active=True).order_by("id"))
    for each in stores:
        build_parts(each, parts=parts, months=months, rng=rng)  # a no-op on a dataset that has them
    # Open part lines: the queue, and one line per timed issue (run and floor).
    needed = 2 * (ctx.warmup + ctx.repeats + 4) + QUEUE_LINES
    taken = LineDemand.objects.values("line_id")
    lines = list(
        RepairOrderLine.objects.filter(repair_order__store=store, kind=LineKind.PART, part__isnull=False)
        .exclude(pk__in=taken)
        .select_related("repair_order", "part")
        .order_by("id")[:needed]
    )
    demands = []
    for line in lines:
        item = services.stock_item_ensure(store=store, part=line.part, bin="Z-01-01")
        demands.append(LineDemand(store=store, line=line, repair_order=line.repair_order, item=item,
                                  quantity=Decimal(1), reserved=Decimal(1), status=DemandStatus.WAITING,
                                  promised_at=timezone.now() + timedelta(hours=len(demands) % 9)))  # fmt: skip
    LineDemand.objects.bulk_create(demands)
    for item_id in {d.item_id for d in demands}:
        count = sum(1 for d in demands if d.item_id == item_id)
        StockItem.objects.filter(pk=item_id).update(on_hand=F("on_hand") + count + 1000, reserved=F("reserved") + count)
        BinStock.objects.update_or_create(item_id=item_id, bin="Z-01-01", defaults={"store": store})
        BinStock.objects.filter(item_id=item_id, bin="Z-01-01").update(on_hand=F("on_hand") + count + 1000)
    ids = [d.pk for d in LineDemand.objects.filter(store=store, status=DemandStatus.WAITING).order_by("-id")]
    half = (len(ids) - QUEUE_LINES) // 2
    data = {"store": store, "stores": stores, "run_ids": iter(ids[:half]), "hand_ids": iter(ids[half : 2 * half])}
    ctx.cache["parts"] = data
    return data


# --- the issue queue -----------------------------------------------------------------------


def floor_queue(ctx: Context, store: Store) -> list[int]:
    sql = raw(ctx)
    rows = sql.rows(
        f"SELECT d.*, ro.*, l.*, i.* FROM {T['LineDemand']} d JOIN {T['RepairOrder']} ro ON ro.id = d.repair_order_id "
        f"JOIN {T['RepairOrderLine']} l ON l.id = d.line_id JOIN {T['StockItem']} i ON i.id = d.item_id "
        f"WHERE d.store_id = %s AND d.status IN (%s, %s) ORDER BY d.promised_at, d.id LIMIT %s",
        [store.pk, DemandStatus.WAITING, DemandStatus.SHORT, selectors.QUEUE_LIMIT],
    )
    return [row[0] for row in rows]


@operation("page.parts_issue_queue", goal=PAGE, kind="page")
def issue_queue_page(ctx: Context) -> Case:
    data, client = _dataset(ctx), ctx.clients["manager"]
    store = data["store"]

    def same():
        app = [d.pk for d in selectors.issue_queue(ctx.users["manager"], store)]
        return app == floor_queue(ctx, store) and len(app) > 0

    return Case(
        run=lambda: _ok(client.get("/parts/")),
        floor=[lambda: _ok(client.get("/bench/noop/")), lambda: floor_queue(ctx, store)],
        same_answer=same,
    )


# --- the stock lookup ----------------------------------------------------------------------


@operation("search.parts_stock_initials", goal=SEARCH, kind="lookup")
def stock_lookup(ctx: Context) -> Case:
    data, sql = _dataset(ctx), raw(ctx)
    store, user = data["store"], ctx.users["manager"]
    q = services.name_keys("前刹车片")[1]

    def floor():
        keys = [sql.prefix("part_no", q.upper()), sql.prefix("name_pinyin", q), sql.prefix("name_initials", q),
                sql.prefix("main_bin", q.upper())]  # fmt: skip
        condition = " OR ".join(part for part, _params in keys)
        return [
            row[0]
            for row in sql.rows(
                f"SELECT * FROM {T['StockItem']} WHERE store_id = %s AND ({condition}) ORDER BY part_no LIMIT 51",
                [store.pk, *[p for _part, params in keys for p in params]],
            )
        ]

    return Case(
        run=lambda: selectors.stock_lookup(user, store, q),
        floor=[floor],
        same_answer=lambda: [i.pk for i in selectors.stock_lookup(user, store, q)] == floor(),
    )


# --- issuing a part ------------------------------------------------------------------------


@operation("write.parts_issue", goal=WRITE, kind="write")
def issue_a_part(ctx: Context) -> Case:
    """part_issue of a reserved line (lock the stock row, the line, the bin; the movement; the
    line, the item, the audit row) against the same rows by hand in one transaction."""
    data, sql = _dataset(ctx), raw(ctx)
    user = ctx.users["manager"]
    lock = "" if sql.vendor == "sqlite" else " FOR UPDATE"
    adapt = connection.ops.adapt_datetimefield_value

    def run():
        services.part_issue(actor=user, demand=LineDemand.objects.get(pk=next(data["run_ids"])))

    def by_hand():
        pk = next(data["hand_ids"])
        now = adapt(timezone.now())
        sql.begin()
        try:
            (item_id, line_id, quantity) = sql.rows(
                f"SELECT item_id, line_id, quantity FROM {T['LineDemand']} WHERE id = %s{lock}", [pk]
            )[0]
            (cost,) = sql.rows(f"SELECT avg_cost FROM {T['StockItem']} WHERE id = %s{lock}", [item_id])[0]
            sql.rows(
                f"UPDATE {T['BinStock']} SET on_hand = on_hand - %s WHERE item_id = %s AND bin = %s",
                [quantity, item_id, "Z-01-01"],
            )
            (after,) = sql.rows(
                f"UPDATE {T['StockItem']} SET on_hand = on_hand - %s, reserved = reserved - %s, changed_at = %s, "
                f"last_moved_at = %s WHERE id = %s RETURNING on_hand",
                [quantity, quantity, now, now, item_id],
            )[0]
            sql.rows(
                f"INSERT INTO {T['Movement']} (store_id, item_id, kind, bin, quantity, unit_cost, on_hand_after, "
                f"reason, line_id, created_by_id, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, '', %s, %s, %s)",
                [data["store"].pk, item_id, MovementKind.ISSUE, "Z-01-01", -quantity, cost, after, line_id, user.pk,
                 now],
            )  # fmt: skip
            sql.rows(
                f"UPDATE {T['LineDemand']} SET reserved = 0, issued = %s, status = %s, first_issued_at = %s "
                f"WHERE id = %s",
                [quantity, DemandStatus.ISSUED, now, pk],
            )
        except BaseException:
            sql.raw.execute("ROLLBACK")
            raise
        sql.commit()

    return Case(run=run, floor=[by_hand])


# --- the nightly reorder job ---------------------------------------------------------------


def _floor_reorder(ctx: Context, store_ids: list[int]) -> None:
    """The job's statements by hand: the parts that changed or left the window, their demand
    of the last 12 months, MIN/MAX and the suggestion; rolled back like the job."""
    sql = raw(ctx)
    adapt = connection.ops.adapt_datetimefield_value
    now = timezone.now()
    year = adapt(now - timedelta(days=365))
    sql.begin()
    try:
        for store_id in store_ids:
            (since,) = sql.rows(f"SELECT MAX(ran_at) FROM {ReorderRun._meta.db_table} WHERE store_id = %s", [store_id])[
                0
            ]
            since_dt = since if isinstance(since, str) else adapt(since)
            ids = [
                row[0]
                for row in sql.rows(
                    f"SELECT id FROM {T['StockItem']} WHERE store_id = %s AND changed_at >= %s "
                    f"UNION SELECT item_id FROM {T['Movement']} WHERE store_id = %s AND kind IN (%s, %s) "
                    f"AND created_at >= %s AND created_at < %s",
                    [store_id, since_dt, store_id, *DEMAND_KINDS, adapt(now - timedelta(days=730)), year],
                )
            ]
            if not ids:
                continue
            inside = sql.in_list(ids)
            sql.rows(
                f"UPDATE {T['StockItem']} SET monthly_demand = COALESCE((SELECT -SUM(m.quantity) "
                f"FROM {T['Movement']} m WHERE m.item_id = {T['StockItem']}.id AND m.kind IN (%s, %s) "
                f"AND m.created_at >= %s), 0) / 12.0 "
                f"WHERE id IN {inside}",
                [*DEMAND_KINDS, year, *ids],
            )
            ceil = "(CAST({x} AS INTEGER) + (CASE WHEN {x} > CAST({x} AS INTEGER) THEN 1 ELSE 0 END))"
            sql.rows(
                f"UPDATE {T['StockItem']} SET min_qty = {ceil.format(x='monthly_demand * 0.2667')}, "
                f"max_qty = {ceil.format(x='monthly_demand * 0.5')} WHERE id IN {inside}",
                ids,
            )
            position = "(on_hand - reserved + on_order + back_ordered)"
            sql.rows(
                f"UPDATE {T['StockItem']} SET suggested_qty = CASE WHEN {position} < COALESCE(min_override, min_qty) "
                f"THEN COALESCE(max_override, max_qty) - {position} ELSE 0 END WHERE id IN {inside}",
                ids,
            )
            sql.rows(
                f"INSERT INTO {ReorderRun._meta.db_table} (store_id, ran_at, items, extension_days) "
                f"VALUES (%s, %s, %s, 0)",
                [store_id, adapt(now), len(ids)],
            )
    finally:
        sql.raw.execute("ROLLBACK")


def _run_reorder(store_ids: list[int]) -> None:
    with transaction.atomic():
        for store_id in store_ids:
            services.reorder_run(store_id=store_id)
        transaction.set_rollback(True)


@operation("nightly.parts_reorder_store", goal=NIGHTLY, kind="write")
def reorder_store(ctx: Context) -> Case:
    store_ids = [_dataset(ctx)["store"].pk]
    return Case(run=lambda: _run_reorder(store_ids), floor=[lambda: _floor_reorder(ctx, store_ids)])


@operation("nightly.parts_reorder_group", goal=NIGHTLY, kind="write")
def reorder_group(ctx: Context) -> Case:
    store_ids = [s.pk for s in _dataset(ctx)["stores"]]
    return Case(run=lambda: _run_reorder(store_ids), floor=[lambda: _floor_reorder(ctx, store_ids)])
