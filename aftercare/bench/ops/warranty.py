# ruff: noqa: S608
# SQL is assembled from table and column names (Model._meta) and placeholders;
# every value is a bound parameter.
"""Warranty: the eligibility verdicts at reception, and building a claim from a
settled order with 8 warranty lines (docs/DOMAIN.md §14).

Floors: for eligibility, the three reads by hand (the vehicle's policies, its
extended warranties, an earlier first free maintenance); for the claim, the same
rows written by hand in one transaction (number, claim, lines, history, audit)."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from aftercare.accounts.models import User
from aftercare.core.models import AuditEntry, DocumentSequence
from aftercare.customers.models import Vehicle
from aftercare.parts.models import LineDemand
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder, RepairOrderLine, StatusChange
from aftercare.warranty import selectors, services
from aftercare.warranty.choices import Coverage
from aftercare.warranty.models import (
    Claim,
    ClaimLine,
    ClaimStatusChange,
    ExtendedWarranty,
    WarrantyPolicy,
    WarrantySettings,
)

from ..harness import PAGE, WRITE, Case, Context, operation
from ..history import make_orders
from .customers import raw
from .service import AUDIT_COLUMNS, _audit_row, _insert_sql, _template, samples

W = {m.__name__: m._meta.db_table for m in (WarrantyPolicy, ExtendedWarranty, WarrantySettings, Claim, ClaimLine,
                                             ClaimStatusChange, RepairOrder, RepairOrderLine, StatusChange,
                                             LineDemand, Vehicle)}  # fmt: skip
W.update(seq=DocumentSequence._meta.db_table, audit=AuditEntry._meta.db_table)


def _dataset(ctx: Context) -> dict:
    data = ctx.cache.get("warranty")
    if data:
        return data
    store = samples(ctx)["store"]
    vehicle = Vehicle.objects.filter(store=store, purchase_date__isnull=False).order_by("id").first() or (
        Vehicle.objects.filter(store=store).order_by("id").first()
    )
    if vehicle.purchase_date is None:
        Vehicle.objects.filter(pk=vehicle.pk).update(purchase_date=timezone.localdate() - timedelta(days=90))
        vehicle.refresh_from_db()
    if not WarrantyPolicy.objects.filter(store=store, brand=vehicle.brand).exists():
        WarrantyPolicy.objects.bulk_create(
            WarrantyPolicy(store=store, brand=vehicle.brand, coverage=coverage, months=months, km=km)
            for coverage, months, km in ((Coverage.FIRST_FREE, 6, 7500), (Coverage.BASIC, 36, 100_000),
                                         (Coverage.POWERTRAIN, 60, 150_000), (Coverage.BATTERY, 96, 150_000))
        )  # fmt: skip
    clerk = User.objects.filter(memberships__store=store, memberships__role="warranty_clerk").first()
    data = {"store": store, "vehicle": vehicle, "clerk": clerk}
    ctx.cache["warranty"] = data
    return data


@operation("lookup.warranty_eligibility", goal=PAGE, kind="lookup")
def eligibility(ctx: Context) -> Case:
    data, sql = _dataset(ctx), raw(ctx)
    vehicle = data["vehicle"]

    def floor():
        policies = sql.rows(
            f"SELECT coverage, months, km, model, excluded_parts FROM {W['WarrantyPolicy']} WHERE store_id = %s "
            f"AND brand = %s AND model IN ('', %s) ORDER BY model, valid_from DESC, id",
            [vehicle.store_id, vehicle.brand, vehicle.model],
        )
        sql.rows(f"SELECT coverage, ends_on, km FROM {W['ExtendedWarranty']} WHERE vehicle_id = %s", [vehicle.pk])
        sql.rows(
            f"SELECT ro.number FROM {W['RepairOrder']} ro JOIN catalog_repairtype rt ON rt.id = ro.repair_type_id "
            f"WHERE ro.vehicle_id = %s AND rt.code = 'first_free' AND ro.status <> 'cancelled' "
            f"ORDER BY ro.opened_at LIMIT 1",
            [vehicle.pk],
        )
        return sorted({row[0] for row in policies if vehicle.powertrain != "ICE" or row[0] not in ("battery",)})

    return Case(
        run=lambda: selectors.eligibility(vehicle),
        floor=[floor],
        same_answer=lambda: sorted(v.coverage for v in selectors.eligibility(vehicle)) == floor(),
    )


@operation("write.warranty_claim_build", goal=WRITE, kind="write")
def claim_build(ctx: Context) -> Case:
    """claim_build of a settled order with 8 warranty lines against the same rows by hand."""
    data, sql = _dataset(ctx), raw(ctx)
    store, clerk = data["store"], data["clerk"]
    needed = ctx.warmup + ctx.repeats + 2
    settled = make_orders(store, status=Status.SETTLED, count=2 * needed)
    RepairOrderLine.objects.filter(repair_order_id__in=settled).update(payer="warranty")
    orders = iter(list(RepairOrder.objects.filter(pk__in=settled[:needed]).select_related("store", "vehicle",
                                                                                           "repair_type")))  # fmt: skip
    hand_ids = iter(settled[needed:])
    DocumentSequence.objects.get_or_create(store=store, kind="warranty_claim")
    now_base = timezone.now()
    claim_base = _template(Claim(store=store, number="", repair_order_id=0, vehicle_id=0, repaired_on=now_base.date(),
                                 deadline=now_base.date()))  # fmt: skip
    claim_base.pop("created_at", None)
    claim_columns = [*claim_base, "created_at"]
    line_columns = ["claim_id", "kind", "order_line_id", "code", "description", "hours", "quantity", "unit_price",
                    "amount", "technician_id", "return_tag"]  # fmt: skip
    adapt_dt = connection.ops.adapt_datetimefield_value

    def run():
        services.claim_build(actor=clerk, order=next(orders))

    def by_hand():
        ro_id = next(hand_ids)
        now = adapt_dt(timezone.now())
        sql.begin()
        try:
            (vehicle_id, odometer, findings, statement) = sql.rows(
                f"SELECT vehicle_id, odometer_km, findings, customer_statement FROM {W['RepairOrder']} WHERE id = %s",
                [ro_id],
            )[0]
            lines = sql.rows(
                f"SELECT l.id, l.kind, l.code, l.description, l.hours, l.quantity, l.unit_price, l.amount, "
                f"l.technician_id, d.return_tag FROM {W['RepairOrderLine']} l LEFT JOIN {W['LineDemand']} d "
                f"ON d.line_id = l.id WHERE l.repair_order_id = %s AND l.payer = 'warranty' AND l.status = 'approved' "
                f"ORDER BY l.position, l.id",
                [ro_id],
            )
            sql.rows(f"SELECT changed_at FROM {W['StatusChange']} WHERE repair_order_id = %s AND to_status = 'settled' "
                     f"ORDER BY changed_at DESC LIMIT 1", [ro_id])  # fmt: skip
            sql.rows(f"SELECT deadline_days FROM {W['WarrantySettings']} WHERE store_id = %s", [store.pk])
            sql.rows(f"SELECT 1 FROM {W['Claim']} WHERE repair_order_id = %s AND coverage = 'basic'", [ro_id])
            (number,) = sql.rows(
                f"UPDATE {W['seq']} SET last_value = last_value + 1 WHERE store_id = %s AND kind = %s "
                f"RETURNING last_value", [store.pk, "warranty_claim"],
            )[0]  # fmt: skip
            total = sum((row[7] for row in lines), 0)
            values = {**claim_base, "number": f"WC{number:06d}", "repair_order_id": ro_id,
                      "vehicle_id": vehicle_id, "odometer_km": odometer, "description": findings or statement,
                      "claimed_amount": total, "created_at": now, "updated_at": now,
                      "flag_from": claim_base["deadline"]}  # fmt: skip
            (claim_id,) = sql.rows(_insert_sql(Claim, claim_columns, returning=True),
                                   [values[c] for c in claim_columns])[0]  # fmt: skip
            params = []
            for line_id, kind, code, description, hours, quantity, price, amount, tech, tag in lines:
                params += [claim_id, kind, line_id, code, description, hours if kind == "labour" else 0, quantity,
                           price, amount, tech, tag or ""]  # fmt: skip
            sql.rows(_insert_sql(ClaimLine, line_columns, rows=len(lines)), params)
            sql.rows(_insert_sql(ClaimStatusChange, ["claim_id", "from_status", "to_status", "changed_at",
                                                     "changed_by_id", "note"]),
                     [claim_id, "", "draft", now, clerk.pk, ""])  # fmt: skip
            sql.rows(
                _insert_sql(AuditEntry, AUDIT_COLUMNS),
                _audit_row(clerk, store.pk, now, "create", "warranty.claim", claim_id, str(number),
                           {"repair_order": [None, str(ro_id)]}),
            )  # fmt: skip
            sql.commit()
        except Exception:
            sql.raw.execute("ROLLBACK")
            raise

    return Case(run=run, floor=[by_hand])
