# ruff: noqa: S608
# SQL is assembled from table and column names (Model._meta) and placeholders;
# every value is a bound parameter.
"""The service process: the repair-order page, the management board (page and
htmx partial), the repair-order list, opening an order with 8 lines through
the services, and posting the payment that settles a ready order.

Floors as for customers: hand-written SQL on the driver's connection fetching
the same rows (plus the do-nothing view for pages), and for writes the same
rows written by hand in one transaction. The repair-order export is timed in
ops/exports.py.
"""

import itertools
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from aftercare.accounts.models import User
from aftercare.billing.models import CreditApproval, Payment
from aftercare.billing.services import payment_post
from aftercare.catalog.models import Bay, LabourOperation, LabourRate, Part, RepairType
from aftercare.core.models import AuditEntry, DocumentSequence, Store
from aftercare.core.money import to_money
from aftercare.core.permissions import Perm
from aftercare.customers.models import Customer, Vehicle
from aftercare.service import selectors
from aftercare.service.choices import OPEN_STATUSES, LineKind, LineStatus, Status
from aftercare.service.models import CheckIn, Photo, RepairOrder, RepairOrderLine, StatusChange
from aftercare.service.services import LineItem, repair_order_open
from aftercare.workshop import selectors as workshop_selectors
from aftercare.workshop.models import Job, Wash

from ..harness import PAGE, WRITE, Case, Context, operation
from ..history import make_orders
from .customers import _ok, raw

MODELS = (
    RepairOrder, RepairOrderLine, StatusChange, CheckIn, Photo, Job, Wash, Payment, CreditApproval, Customer, Vehicle,
    User, Store, RepairType, Bay, Part, LabourRate,
)  # fmt: skip
T = {m.__name__: m._meta.db_table for m in MODELS}
T.update(seq=DocumentSequence._meta.db_table, audit=AuditEntry._meta.db_table)


def samples(ctx: Context) -> dict:
    """A delivered order with exactly 8 lines from the middle of the history, the store."""
    s = ctx.cache.get("service_samples")
    if s:
        return s
    advisor = ctx.users["advisor"]
    store = Store.objects.get(pk=advisor.store_ids(Perm.REPAIR_ORDER_VIEW)[0])
    delivered = RepairOrder.objects.filter(store=store, status=Status.DELIVERED).order_by("id")
    ids = list(delivered.values_list("id", flat=True))
    order_id = None
    for pk in ids[len(ids) // 2 :]:
        if RepairOrderLine.objects.filter(repair_order_id=pk).count() == 8:
            order_id = pk
            break
    s = {"store": store, "order_id": order_id or ids[len(ids) // 2]}
    ctx.cache["service_samples"] = s
    return s


def _stores(ctx) -> list[int]:
    return ctx.users["advisor"].store_ids(Perm.REPAIR_ORDER_VIEW)


# --- the repair-order page ----------------------------------------------------------------------


@operation("page.repair_order", goal=PAGE, kind="page")
def repair_order_page(ctx: Context) -> Case:
    s, sql, client = samples(ctx), raw(ctx), ctx.clients["advisor"]
    pk, stores = s["order_id"], _stores(ctx)

    def rows():
        sql.rows(
            f"SELECT ro.*, s.*, v.*, c.*, a.*, rt.*, ci.*, ar.* FROM {T['RepairOrder']} ro "
            f"JOIN {T['Store']} s ON s.id = ro.store_id JOIN {T['Vehicle']} v ON v.id = ro.vehicle_id "
            f"JOIN {T['Customer']} c ON c.id = ro.customer_id JOIN {T['User']} a ON a.id = ro.advisor_id "
            f"JOIN {T['RepairType']} rt ON rt.id = ro.repair_type_id "
            f"LEFT JOIN {T['CheckIn']} ci ON ci.repair_order_id = ro.id "
            f"LEFT JOIN {T['User']} ar ON ar.id = ro.authorisation_recorded_by_id "
            f"WHERE ro.id = %s AND ro.store_id IN {sql.in_list(stores)}",
            [pk, *stores],
        )
        sql.rows(
            f"SELECT l.*, t.*, b.* FROM {T['RepairOrderLine']} l LEFT JOIN {T['User']} t ON t.id = l.technician_id "
            f"LEFT JOIN {T['Bay']} b ON b.id = l.bay_id WHERE l.repair_order_id = %s ORDER BY l.position, l.id",
            [pk],
        )
        sql.rows(
            f"SELECT sc.*, u.* FROM {T['StatusChange']} sc LEFT JOIN {T['User']} u ON u.id = sc.changed_by_id "
            f"WHERE sc.repair_order_id = %s ORDER BY sc.changed_at, sc.id",
            [pk],
        )
        sql.rows(f"SELECT * FROM {T['Photo']} WHERE repair_order_id = %s", [pk])
        # The billing panel: the payments with their cashier and whether each was reversed, the credit approvals.
        sql.rows(
            f"SELECT p.*, u.*, r.id FROM {T['Payment']} p JOIN {T['User']} u ON u.id = p.posted_by_id "
            f"LEFT JOIN {T['Payment']} r ON r.reverses_id = p.id WHERE p.repair_order_id = %s "
            f"ORDER BY p.posted_at, p.id",
            [pk],
        )
        sql.rows(
            f"SELECT ca.*, u.* FROM {T['CreditApproval']} ca JOIN {T['User']} u ON u.id = ca.approved_by_id "
            f"WHERE ca.repair_order_id = %s ORDER BY ca.approved_at, ca.id",
            [pk],
        )

    return Case(
        run=lambda: _ok(client.get(f"/repair-orders/{pk}/")),
        floor=[lambda: _ok(client.get("/bench/noop/")), rows],
        same_answer=lambda: RepairOrderLine.objects.filter(repair_order_id=pk).count() == 8 or None,
    )


# --- the management board -------------------------------------------------------------------------


def floor_board(ctx: Context) -> list[int]:
    sql, store = raw(ctx), samples(ctx)["store"]
    orders = sql.rows(
        f"SELECT ro.*, a.*, v.*, w.*, (SELECT COUNT(*) FROM {T['RepairOrderLine']} l WHERE l.repair_order_id = ro.id "
        f"AND l.kind = %s AND l.status = %s) FROM {T['RepairOrder']} ro JOIN {T['User']} a ON a.id = ro.advisor_id "
        f"JOIN {T['Vehicle']} v ON v.id = ro.vehicle_id LEFT JOIN {T['Wash']} w ON w.repair_order_id = ro.id "
        f"WHERE ro.store_id = %s AND ro.status IN {sql.in_list(OPEN_STATUSES)} "
        f"ORDER BY ro.promised_at, ro.opened_at, ro.id",
        [LineKind.LABOUR, LineStatus.APPROVED, store.pk, *OPEN_STATUSES],
    )
    ids = [row[0] for row in orders]
    if ids:
        sql.rows(
            f"SELECT j.*, t.*, b.* FROM {T['Job']} j JOIN {T['User']} t ON t.id = j.technician_id "
            f"LEFT JOIN {T['Bay']} b ON b.id = j.bay_id WHERE j.repair_order_id IN {sql.in_list(ids)} ORDER BY j.id",
            ids,
        )
    return ids


def _board_case(ctx: Context, partial: bool) -> Case:
    client, user, store = ctx.clients["manager"], ctx.users["manager"], samples(ctx)["store"]
    headers = {"HX-Request": "true"} if partial else {}

    def same():
        app = [row.order.pk for row in workshop_selectors.board(user=user, store=store)]
        return app == floor_board(ctx) and len(app) > 0

    return Case(
        run=lambda: _ok(client.get("/workshop/board/", headers=headers)),
        floor=[lambda: _ok(client.get("/bench/noop/", headers=headers)), lambda: floor_board(ctx)],
        same_answer=same,
    )


@operation("page.board", goal=PAGE, kind="page")
def board_page(ctx):
    return _board_case(ctx, partial=False)


@operation("page.board.partial", goal=PAGE, kind="page")
def board_partial(ctx):
    return _board_case(ctx, partial=True)


# --- the repair-order list --------------------------------------------------------------------------


def floor_ro_list(ctx: Context, per_page: int = 50) -> list[int]:
    """The newest orders of the user's stores (what the list shows first: today's
    lead), with the columns a row shows (service.selectors.LIST_FIELDS), plus one to
    know there is a next page: one range scan of ro_store_recent."""
    sql, stores = raw(ctx), _stores(ctx)
    rows = sql.rows(
        "SELECT ro.id, ro.number, ro.opened_at, ro.status, ro.promised_at, ro.total, v.plate, v.model, c.name, "
        f"a.full_name, a.username FROM {T['RepairOrder']} ro JOIN {T['Vehicle']} v ON v.id = ro.vehicle_id "
        f"JOIN {T['Customer']} c ON c.id = ro.customer_id JOIN {T['User']} a ON a.id = ro.advisor_id "
        f"WHERE ro.store_id IN {sql.in_list(stores)} ORDER BY ro.opened_at DESC, ro.id DESC LIMIT {per_page + 1}",
        stores,
    )
    return [row[0] for row in rows]


@operation("page.repair_order_list", goal=PAGE, kind="page")
def repair_order_list_page(ctx: Context) -> Case:
    client, user = ctx.clients["advisor"], ctx.users["advisor"]

    def same():
        app = list(selectors.repair_orders_for(user).values_list("id", flat=True)[:50])
        return app == floor_ro_list(ctx)[:50]

    return Case(
        run=lambda: _ok(client.get("/repair-orders/")),
        floor=[lambda: _ok(client.get("/bench/noop/")), lambda: floor_ro_list(ctx)],
        same_answer=same,
    )


# --- opening an order with 8 lines -------------------------------------------------------------------


def _insert_sql(model, columns, rows: int = 1, returning: bool = False) -> str:
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    text = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) VALUES {', '.join([one] * rows)}"
    return text + (" RETURNING id" if returning else "")


def _template(instance) -> dict:
    """Column → database value of every non-pk field of an unsaved instance (its defaults)."""
    return {
        f.column: f.get_db_prep_save(getattr(instance, f.attname), connection)
        for f in instance._meta.concrete_fields
        if not f.primary_key
    }


AUDIT_COLUMNS = [
    "created_at", "actor_id", "actor_name", "store_id", "action", "object_type", "object_id", "object_repr",
    "changes", "reason",
]  # fmt: skip


def _audit_row(actor, store_id, now, action, object_type, object_id, text, changes) -> list:
    adapt_json = connection.ops.adapt_json_value
    return [now, actor.pk, actor.username, store_id, action, object_type, str(object_id), text,
            adapt_json(changes, None), ""]  # fmt: skip


def _catalogue(store):
    repair_type = RepairType.objects.effective_for_store(store).filter(code="general").first()
    ops = [op for op in LabourOperation.objects.effective_for_store(store).active().order_by("code")
           if not op.high_voltage][:3]  # fmt: skip
    parts = list(Part.objects.effective_for_store(store).active().order_by("part_no")[:5])
    return repair_type, ops, parts


@operation("write.repair_order_open_8_lines", goal=WRITE, kind="write")
def open_with_lines(ctx: Context) -> Case:
    """repair_order_open with 3 operations and 5 parts, as appointment conversion
    and the API open an order when the work is known at reception (one
    transaction: the lines priced before the order's INSERT, which carries the
    totals; one INSERT of the lines; one of the audit rows, one per item), against
    the same rows written by hand in one transaction: number, order with its
    totals, check-in sheet, first status, 8 lines, last visit of car and owner,
    9 audit rows (the order's, one per item)."""
    s, sql = samples(ctx), raw(ctx)
    advisor, store = ctx.users["advisor"], s["store"]
    vehicle = Vehicle.objects.select_related("owner").filter(store=store, is_active=True).order_by("id")[10]
    repair_type, ops, parts = _catalogue(store)
    rate = LabourRate.rate_for(store, repair_type.code)
    DocumentSequence.objects.get_or_create(store=store, kind="repair_order")

    def run():
        repair_order_open(
            actor=advisor, store=store, vehicle=vehicle, repair_type=repair_type,
            items=[LineItem(operation=op) for op in ops] + [LineItem(part=p) for p in parts],
        )  # fmt: skip

    ro_base = _template(RepairOrder(store=store, number="", customer_id=vehicle.owner_id, vehicle=vehicle,
                                    advisor=advisor, repair_type=repair_type))  # fmt: skip
    ro_columns = list(ro_base)
    ci_base = _template(CheckIn(repair_order_id=0))
    line_base = _template(RepairOrderLine(repair_order_id=0, kind=LineKind.PART, description="", unit_price=0,
                                          amount=0))  # fmt: skip
    line_columns = list(line_base)
    adapt_dt = connection.ops.adapt_datetimefield_value

    def by_hand():
        now = adapt_dt(timezone.now())
        sql.begin()
        try:
            prices = dict(sql.rows(f"SELECT id, unit_price FROM {T['Part']} WHERE id IN {sql.in_list(parts)}",
                                   [p.pk for p in parts]))  # fmt: skip
            (number,) = sql.rows(
                f"UPDATE {T['seq']} SET last_value = last_value + 1 WHERE store_id = %s AND kind = %s "
                f"RETURNING last_value",
                [store.pk, "repair_order"],
            )[0]
            lines, labour, parts_total = [], Decimal("0.00"), Decimal("0.00")
            for position, op in enumerate(ops):
                hours = to_money(op.frt_hours)
                amount = to_money(hours * rate)
                labour += amount
                lines.append({**line_base, "kind": LineKind.LABOUR, "operation_id": op.pk, "code": op.code,
                              "description": op.name, "hours": hours, "unit_price": rate, "amount": amount,
                              "position": position})  # fmt: skip
            for position, part in enumerate(parts, start=len(ops)):
                amount = to_money(Decimal(str(prices[part.pk])))
                parts_total += amount
                lines.append({**line_base, "kind": LineKind.PART, "part_id": part.pk, "code": part.part_no,
                              "description": part.name, "part_brand": part.brand, "is_oem": part.is_oem,
                              "unit_price": amount, "amount": amount, "position": position})  # fmt: skip
            total = labour + parts_total
            values = {**ro_base, "number": f"RO{number:07d}", "contact_phone": vehicle.owner.mobile,
                      "labour_total": labour, "parts_total": parts_total, "total": total, "customer_total": total,
                      "opened_at": now, "created_at": now, "updated_at": now}  # fmt: skip
            (ro_id,) = sql.rows(_insert_sql(RepairOrder, ro_columns, returning=True),
                                [values[c] for c in ro_columns])[0]  # fmt: skip
            ci = {**ci_base, "repair_order_id": ro_id}
            sql.rows(_insert_sql(CheckIn, list(ci)), list(ci.values()))
            sql.rows(
                f"INSERT INTO {T['StatusChange']} (repair_order_id, from_status, to_status, changed_at, "
                f"changed_by_id, note) VALUES (%s, '', %s, %s, %s, '')",
                [ro_id, Status.RECEPTION, now, advisor.pk],
            )
            sql.rows(
                _insert_sql(RepairOrderLine, line_columns, rows=len(lines)),
                [({**line, "repair_order_id": ro_id})[c] for line in lines for c in line_columns],
            )
            sql.rows(f"UPDATE {T['Vehicle']} SET last_visit_at = %s WHERE id = %s", [now, vehicle.pk])
            sql.rows(f"UPDATE {T['Customer']} SET last_visit_at = %s WHERE id = %s", [now, vehicle.owner_id])
            audits = [_audit_row(advisor, store.pk, now, AuditEntry.Action.CREATE, "service.repairorder", ro_id,
                                 f"RO{number:07d}", {"vehicle": [None, vehicle.plate]})]  # fmt: skip
            audits += [
                _audit_row(advisor, store.pk, now, AuditEntry.Action.UPDATE, "service.repairorder", ro_id,
                           f"RO{number:07d}",
                           {"lines_added": [None, [f"{li['code']} {li['description']} {li['amount']}"]]})
                for li in lines
            ]  # fmt: skip
            sql.rows(_insert_sql(AuditEntry, AUDIT_COLUMNS, rows=len(audits)), [v for row in audits for v in row])
        except BaseException:
            sql.raw.execute("ROLLBACK")
            raise
        sql.commit()

    return Case(run=run, floor=[by_hand])


# --- paying a ready order in full (it settles) ------------------------------------------------------------


@operation("write.payment_settle", goal=WRITE, kind="write")
def pay_and_settle(ctx: Context) -> Case:
    """payment_post of the whole balance on a READY order with 8 lines (posts the
    payment and moves the order to settled, in the same lock) against the same by
    hand: lock the order row, sum its payments and look up the request's
    idempotency key (one statement), number, payment row, status, history, the
    two audit rows."""
    s, sql = samples(ctx), raw(ctx)
    store = s["store"]
    cashier = User.objects.get(username="cashier")
    needed = ctx.warmup + ctx.repeats + 2
    ready = make_orders(store, status=Status.READY, count=2 * needed)
    orders = iter(list(RepairOrder.objects.filter(pk__in=ready[:needed]).select_related("store").order_by("id")))
    by_hand_ids = iter(
        RepairOrder.objects.filter(pk__in=ready[needed:]).order_by("id").values_list("id", "customer_total", "number")
    )
    DocumentSequence.objects.get_or_create(store=store, kind="payment")
    pay_base = _template(Payment(store=store, repair_order_id=0, number="", method="wechat", amount=1,
                                 balance_after=0, posted_by=cashier))  # fmt: skip
    pay_columns = list(pay_base)
    adapt_dt = connection.ops.adapt_datetimefield_value
    lock = "" if sql.vendor == "sqlite" else " FOR UPDATE OF ro"
    keys = itertools.count(1)

    def run():
        order = next(orders)
        payment_post(actor=cashier, order=order, method="wechat", amount=order.customer_total,
                     idempotency_key=f"bench-{next(keys)}")  # fmt: skip

    def by_hand():
        ro_id, amount, ro_number = next(by_hand_ids)
        now = adapt_dt(timezone.now())
        sql.begin()
        try:
            sql.rows(f"SELECT ro.* FROM {T['RepairOrder']} ro WHERE ro.id = %s{lock}", [ro_id])
            key = f"hand-{ro_id}"
            (paid, replayed) = sql.rows(
                f"SELECT COALESCE(SUM(CASE WHEN repair_order_id = %s THEN amount END), 0), "
                f"MAX(CASE WHEN idempotency_key = %s THEN id END) FROM {T['Payment']} "
                f"WHERE repair_order_id = %s OR (store_id = %s AND idempotency_key = %s)",
                [ro_id, key, ro_id, store.pk, key],
            )[0]
            (number,) = sql.rows(
                f"UPDATE {T['seq']} SET last_value = last_value + 1 WHERE store_id = %s AND kind = %s "
                f"RETURNING last_value",
                [store.pk, "payment"],
            )[0]
            values = {**pay_base, "repair_order_id": ro_id, "number": f"PAY{number:07d}", "amount": amount,
                      "balance_after": Decimal("0.00"), "posted_at": now,
                      "idempotency_key": key}  # fmt: skip
            sql.rows(_insert_sql(Payment, pay_columns), [values[c] for c in pay_columns])
            sql.rows(
                f"UPDATE {T['RepairOrder']} SET status = %s, updated_at = %s WHERE id = %s",
                [Status.SETTLED, now, ro_id],
            )
            sql.rows(
                f"INSERT INTO {T['StatusChange']} (repair_order_id, from_status, to_status, changed_at, "
                f"changed_by_id, note) VALUES (%s, %s, %s, %s, %s, '')",
                [ro_id, Status.READY, Status.SETTLED, now, cashier.pk],
            )
            audits = [
                _audit_row(cashier, store.pk, now, AuditEntry.Action.CREATE, "service.repairorder", ro_id, ro_number,
                           {"payment": [None, f"PAY{number:07d} wechat {amount}"], "balance": [None, "0.00"]}),
                _audit_row(cashier, store.pk, now, AuditEntry.Action.UPDATE, "service.repairorder", ro_id, ro_number,
                           {"status": [Status.READY, Status.SETTLED]}),
            ]  # fmt: skip
            sql.rows(_insert_sql(AuditEntry, AUDIT_COLUMNS, rows=2), [v for row in audits for v in row])
            del paid, replayed
        except BaseException:
            sql.raw.execute("ROLLBACK")
            raise
        sql.commit()

    return Case(run=run, floor=[by_hand])


__all__ = ["floor_board", "floor_ro_list", "samples"]
