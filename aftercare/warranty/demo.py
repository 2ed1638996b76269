"""Demo warranty: policies for the demo brands (EV battery, motor and controller
included), vehicles on both sides of every limit, warranty and first-free orders
with claims in every status — a rejected and resubmitted one and a paid one with a
short payment — and the carmaker's files that moved them (docs/DOMAIN.md §14)."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from aftercare.accounts.roles import Role
from aftercare.catalog.models import LabourOperation, Part, RepairType
from aftercare.core.audit import audit_record
from aftercare.core.dates import add_months
from aftercare.core.imports import VALID_ROWS
from aftercare.core.models import AuditEntry, Store
from aftercare.customers.models import OdometerReading, Vehicle
from aftercare.service import services as ro
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder, StatusChange

from . import services
from .choices import ClaimStatus, Coverage
from .imports import ANSWERS, PAYMENTS, import_bytes
from .models import Claim, ClaimStatusChange, ExtendedWarranty, WarrantyPolicy, WarrantySettings

C = Coverage
# brand -> [(coverage, months, km, wear parts excluded)]
POLICIES = {
    "广汽本田": [(C.FIRST_FREE, 6, 7500, ""), (C.BASIC, 36, 100_000, "刹车片,雨刮,轮胎,滤清器"),
                 (C.POWERTRAIN, 60, 150_000, ""), (C.BATTERY, 96, 150_000, ""), (C.MOTOR, 96, 150_000, ""),
                 (C.CONTROLLER, 96, 150_000, "")],
    "东风本田": [(C.FIRST_FREE, 6, 5000, ""), (C.BASIC, 36, 100_000, "刹车片,雨刮,轮胎"),
                 (C.POWERTRAIN, 60, 150_000, "")],
    "广汽丰田": [(C.FIRST_FREE, 6, 5000, ""), (C.BASIC, 36, 100_000, "刹车片,雨刮"), (C.BATTERY, 96, 200_000, "")],
    "比亚迪": [(C.FIRST_FREE, 6, 5000, ""), (C.BASIC, 72, 150_000, "刹车片,雨刮"), (C.BATTERY, 96, 150_000, ""),
               (C.MOTOR, 96, 150_000, ""), (C.CONTROLLER, 96, 150_000, "")],
}  # fmt: skip


def _user(store, role):
    from aftercare.accounts.models import User

    return User.objects.filter(memberships__store=store, memberships__role=role).order_by("id").first()


def _boundary_vehicles(store: Store, today: date) -> list[Vehicle]:
    """Nine cars of the store set on either side of a limit (purchase date, odometer)."""
    cars = list(Vehicle.objects.filter(store=store, brand="广汽本田", powertrain="ICE").order_by("id")[:7])
    evs = list(Vehicle.objects.filter(store=store, powertrain="BEV").order_by("id")[:2])
    cases = [
        (add_months(today, -3), 3_200),  # 首保 inside both limits
        (add_months(today, -7), 4_000),  # 首保 over by date
        (add_months(today, -2), 8_100),  # 首保 over by km
        (add_months(today, -36) + timedelta(days=3), 60_000),  # basic warranty: days left
        (add_months(today, -37), 70_000),  # basic warranty expired by date
        (add_months(today, -20), 104_000),  # basic warranty expired by km, powertrain still on
        (add_months(today, -5), 4_600),  # 首保 used once already
        (add_months(today, -60), 98_000),  # EV battery inside
        (add_months(today, -100), 120_000),  # EV battery expired by date
    ]
    chosen = []
    for vehicle, (bought, km) in zip(cars + evs, cases, strict=False):
        changes = {"purchase_date": bought, "warranty_start": bought, "odometer_km": km,
                   **_service_history(vehicle, bought, km, today)}  # fmt: skip
        Vehicle.objects.filter(pk=vehicle.pk).update(**changes)
        _scale_readings(vehicle, km)
        for name, value in changes.items():
            setattr(vehicle, name, value)
        chosen.append(vehicle)
    return chosen


def _scale_readings(vehicle: Vehicle, km: int) -> None:
    """The car's odometer readings scaled to its new odometer, so its mileage forecast (crm) reads
    the same history as the vehicle page (docs/DOMAIN.md §11.4)."""
    readings = list(OdometerReading.objects.filter(vehicle=vehicle))
    if vehicle.odometer_km:
        for reading in readings:
            reading.km = round(reading.km * km / vehicle.odometer_km)
        OdometerReading.objects.bulk_update(readings, ["km"])


def _service_history(vehicle: Vehicle, bought: date, km: int, today: date) -> dict:
    """The last maintenance of a car whose purchase and odometer the boundaries moved, to match them:
    none yet within its first cycle, else at the reading of its last visit, so its next service is
    that reading plus its cycle (docs/DOMAIN.md §2.4), never far below the odometer."""
    if add_months(bought, vehicle.maintenance_months) > today:
        return {"last_service_at": None, "last_service_km": None}
    last_visit = timezone.localdate(vehicle.odometer_at) if vehicle.odometer_at else today
    return {"last_service_at": max(last_visit, bought), "last_service_km": km}


def _record(order, to, actor, at):
    from_status = order.status
    RepairOrder.objects.filter(pk=order.pk).update(
        status=to, closed_at=at if to == Status.DELIVERED else None, updated_at=at
    )
    StatusChange.objects.create(
        repair_order=order, from_status=from_status, to_status=to, changed_by=actor, changed_at=at, note="demo"
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, obj=order, changes={"status": [from_status, to]}, reason="demo"
    )
    order.status = to


def _warranty_order(store, vehicle, *, type_code, opened: datetime, staff) -> RepairOrder:
    """A delivered warranty (or first-free) order of `vehicle`, its history spread from `opened`."""
    repair_type = RepairType.objects.effective_for_store(store).get(code=type_code)
    order = ro.repair_order_open(
        actor=staff["advisor"], store=store, vehicle=vehicle, repair_type=repair_type,
        odometer_km=vehicle.odometer_km, customer_statement="仪表故障灯亮" if type_code == "warranty" else "首次保养",
    )  # fmt: skip
    ops = LabourOperation.objects.effective_for_store(store).filter(high_voltage=False).order_by("id")
    parts = Part.objects.effective_for_store(store).order_by("id")
    ro.line_add(actor=staff["advisor"], order=order, operation=ops.first(), payer="warranty")
    if type_code == "warranty":
        ro.line_add(actor=staff["advisor"], order=order, part=parts[3], payer="warranty")
    order.lines.filter(kind="labour").update(technician=staff["tech"])
    StatusChange.objects.filter(repair_order=order).update(changed_at=opened)  # its history starts at reception
    order.refresh_from_db()
    at = opened
    for to in (Status.ESTIMATE, Status.APPROVED, Status.IN_PROGRESS, Status.QUALITY_CHECK, Status.READY,
               Status.SETTLED, Status.DELIVERED):  # fmt: skip
        at += timedelta(minutes=40)
        _record(order, to, staff["manager"], at)
    RepairOrder.objects.filter(pk=order.pk).update(opened_at=opened, authorised_at=opened + timedelta(minutes=80))
    return RepairOrder.objects.get(pk=order.pk)


def _spread(claim: Claim, start: datetime) -> None:
    """The claim's history in order, from the day of its repair."""
    at = start
    for change in claim.status_changes.order_by("id"):
        at += timedelta(days=2)
        ClaimStatusChange.objects.filter(pk=change.pk).update(changed_at=min(at, timezone.now()))
    if claim.submitted_at:
        Claim.objects.filter(pk=claim.pk).update(submitted_at=min(start + timedelta(days=4), timezone.now()))


def _csv(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def seed_warranty(store: Store, rng: random.Random, today: date) -> None:
    """Everything above for one store."""
    for brand, rows in POLICIES.items():
        WarrantyPolicy.objects.bulk_create(
            WarrantyPolicy(store=store, brand=brand, coverage=coverage, months=months, km=km, excluded_parts=excluded,
                           valid_from=date(2018, 1, 1))
            for coverage, months, km, excluded in rows
        )  # fmt: skip
    WarrantySettings.objects.create(store=store, brand="", deadline_days=30, warn_days=7)
    vehicles = _boundary_vehicles(store, today)
    if len(vehicles) < 6:
        return
    ExtendedWarranty.objects.create(
        store=store, vehicle=vehicles[4], contract_no=f"EW{store.pk:03d}0001", ends_on=add_months(today, 12),
        km=150_000, price=Decimal("3980.00"), sold_on=add_months(today, -13),
    )  # fmt: skip
    staff = {
        "advisor": _user(store, Role.ADVISOR), "tech": _user(store, Role.TECHNICIAN),
        "manager": _user(store, Role.SERVICE_MANAGER), "clerk": _user(store, Role.WARRANTY_CLERK),
    }  # fmt: skip
    clerk = staff["clerk"]
    tz = timezone.get_current_timezone()

    def opened(days_ago: int) -> datetime:
        return datetime.combine(today - timedelta(days=days_ago), time(9, 30), tzinfo=tz)

    # One claim per status: (vehicle, repair type, days ago, path of the claim).
    plans = [
        (vehicles[3], "warranty", 4, []),  # draft, close to nothing
        (vehicles[5], "warranty", 26, []),  # draft near its deadline (home card)
        (vehicles[7] if len(vehicles) > 7 else vehicles[3], "warranty", 40, ["submitted"]),
        (vehicles[3], "warranty", 55, ["submitted", "accepted"]),
        (vehicles[5], "warranty", 70, ["submitted", "rejected"]),
        (vehicles[6] if len(vehicles) > 6 else vehicles[0], "first_free", 60, ["submitted", "rejected", "resubmitted"]),
        (vehicles[3], "warranty", 95, ["submitted", "accepted", "paid"]),
        (vehicles[5], "warranty", 120, ["submitted", "accepted", "short"]),
    ]
    answers, payments = ["索赔单号,审核结果,批准金额,不受理原因"], ["索赔单号,付款金额"]
    for vehicle, type_code, days_ago, path in plans:
        order = _warranty_order(store, vehicle, type_code=type_code, opened=opened(days_ago), staff=staff)
        claim = services.claim_build(actor=clerk, order=order)
        services.claim_update(actor=clerk, claim=claim, symptom_code=f"S{rng.randint(10, 99)}",
                              cause_code=f"C{rng.randint(10, 99)}")  # fmt: skip
        moment = opened(days_ago).date() + timedelta(days=2)
        for step in path:
            if step == "submitted":
                services.claim_transition(actor=clerk, claim=claim, to=ClaimStatus.SUBMITTED, today=moment)
            elif step == "accepted":
                answers.append(f"{claim.number},受理,{claim.claimed_amount},")
            elif step == "rejected":
                if "resubmitted" in path:
                    services.claim_transition(actor=clerk, claim=claim, to=ClaimStatus.REJECTED,
                                              note="缺少旧件照片", today=moment)  # fmt: skip
                else:
                    answers.append(f"{claim.number},不受理,,超出保修里程")
            elif step == "resubmitted":
                services.claim_update(actor=clerk, claim=claim, description="补充旧件照片与故障码截图")
                services.claim_transition(actor=clerk, claim=claim, to=ClaimStatus.SUBMITTED,
                                          note="补充旧件照片", today=moment)  # fmt: skip
            elif step in ("paid", "short"):
                paid = claim.claimed_amount - (Decimal("80.00") if step == "short" else Decimal("0"))
                payments.append(f"{claim.number},{paid}")
    payments.append("WC999999,120.00")  # a claim number the store never sent
    import_bytes(actor=clerk, store=store, kind=ANSWERS, data=_csv(answers), filename="索赔审核结果.csv",
                 mode=VALID_ROWS)  # fmt: skip
    import_bytes(actor=clerk, store=store, kind=PAYMENTS, data=_csv(payments), filename="保修付款清单.csv",
                 mode=VALID_ROWS)  # fmt: skip
    for claim in Claim.objects.filter(store=store):
        _spread(claim, datetime.combine(claim.repaired_on, time(17), tzinfo=tz))
