"""The reports' demo (docs/DOMAIN.md §18.3, §18.4): a year of delivered orders behind every store's
figures, set-based (bulk inserts, not the services: a year of a store is thousands of orders), the
daily figures materialised for it, and a year of monthly targets of which last month misses two
(arrivals and revenue: fewer cars came in), so every report, trend and target shows something."""

import random
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from aftercare.accounts.models import Membership
from aftercare.accounts.roles import Role
from aftercare.billing.choices import PaymentKind, PaymentMethod
from aftercare.billing.models import Payment
from aftercare.catalog.models import LabourOperation, Part, RepairType
from aftercare.core.models import DocumentSequence, Store
from aftercare.customers.models import Vehicle
from aftercare.healthrecords.choices import UploadState
from aftercare.healthrecords.models import HealthRecord
from aftercare.healthrecords.services import records_backfill
from aftercare.service.choices import LineKind, LineStatus, Status
from aftercare.service.models import RepairOrder, RepairOrderLine
from aftercare.workshop.choices import JobStatus
from aftercare.workshop.models import Job, JobClock

from .figures import figures_materialise, figures_sum
from .models import Target

DAYS = 365
CENT = Decimal("0.01")
METHODS = [(PaymentMethod.WECHAT, 45), (PaymentMethod.ALIPAY, 25), (PaymentMethod.CARD, 20), (PaymentMethod.CASH, 10)]


def _money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _people(store: Store, role: str) -> list[int]:
    return list(Membership.objects.filter(store=store, role=role, is_active=True).values_list("user_id", flat=True))


def _last_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def seed_report_history(store: Store, rng: random.Random, today: date, *, per_day: int = 10) -> int:
    """About `per_day` delivered orders a working day over the last year (fewer on Sundays and
    last month), each with a labour and a parts line, its job and clock, and its payment."""
    advisors, technicians = _people(store, Role.ADVISOR), _people(store, Role.TECHNICIAN)
    cashier = next(iter(_people(store, Role.CASHIER)), None)
    vehicles = list(Vehicle.objects.filter(store=store, is_active=True).values_list("pk", "owner_id")[:2000])
    operations = list(LabourOperation.objects.effective_for_store(store).active()[:40])
    parts = list(Part.objects.effective_for_store(store).active()[:80])
    repair_types = list(RepairType.objects.effective_for_store(store).filter(code__in=["periodic", "general"]))
    if not (advisors and technicians and cashier and vehicles and operations and parts and repair_types):
        return 0
    tz = timezone.get_current_timezone()
    lazy_from, lazy_to = _last_month(today)
    ro_seq, _ = DocumentSequence.objects.get_or_create(store=store, kind="repair_order")
    pay_seq, _ = DocumentSequence.objects.get_or_create(store=store, kind="payment")
    plans = []
    for back in range(DAYS, 1, -1):
        day = today - timedelta(days=back)
        n = per_day if day.weekday() < 6 else per_day // 2
        if lazy_from <= day <= lazy_to:
            n = int(n * 0.75)  # the month that misses its targets: fewer cars came in
        for _ in range(max(0, n + rng.randint(-2, 2))):
            opened = datetime.combine(day, time(rng.randint(8, 15), rng.choice([0, 15, 30, 45])), tz)
            hours = rng.choice([Decimal("1.0"), Decimal("1.5"), Decimal("2.0"), Decimal("3.0")])
            same_day = rng.random() < 0.7
            closed = opened + (timedelta(hours=float(hours) + 2) if same_day else timedelta(days=1, hours=2))
            plans.append((opened, closed, hours))
    orders, lines = [], []
    for opened, closed, hours in plans:
        vehicle_id, customer_id = rng.choice(vehicles)
        operation, part = rng.choice(operations), rng.choice(parts)
        labour = _money(hours * Decimal(rng.choice([180, 200, 240])))
        parts_amount = _money(Decimal(rng.randint(80, 1500)))
        other = _money(rng.choice([0, 0, 30, 50]))
        ro_seq.last_value += 1
        order = RepairOrder(
            store=store, number=f"RO{ro_seq.last_value:07d}", status=Status.DELIVERED, customer_id=customer_id,
            vehicle_id=vehicle_id, advisor_id=rng.choice(advisors), repair_type=rng.choice(repair_types),
            authorised_at=opened, opened_at=opened, closed_at=closed, labour_total=labour, parts_total=parts_amount,
            other_total=other, total=labour + parts_amount + other, customer_total=labour + parts_amount + other,
        )  # fmt: skip
        order.demo_hours = hours
        orders.append(order)
    RepairOrder.objects.bulk_create(orders, batch_size=1000)
    for order in orders:
        operation, part = rng.choice(operations), rng.choice(parts)
        lines.append(
            RepairOrderLine(repair_order=order, kind=LineKind.LABOUR, status=LineStatus.APPROVED, operation=operation,
                            code=operation.code, description=operation.name[:200], hours=order.demo_hours,
                            unit_price=order.labour_total, amount=order.labour_total, position=1)
        )  # fmt: skip
        lines.append(
            RepairOrderLine(repair_order=order, kind=LineKind.PART, status=LineStatus.APPROVED, part=part,
                            code=part.part_no, description=part.name[:200], unit_price=order.parts_total,
                            amount=order.parts_total, position=2, is_additional=rng.random() < 0.2)
        )  # fmt: skip
    RepairOrderLine.objects.bulk_create(lines, batch_size=2000)
    jobs, clocks, payments = [], [], []
    for order, labour_line in zip(orders, lines[0::2], strict=True):
        tech = rng.choice(technicians)
        start = order.opened_at + timedelta(minutes=30)
        worked = timedelta(hours=float(order.demo_hours) * rng.uniform(0.8, 1.3))
        jobs.append(
            Job(line=labour_line, repair_order=order, store=store, technician_id=tech, status=JobStatus.DONE,
                dispatched_at=order.opened_at, dispatched_by_id=tech, started_at=start, finished_at=start + worked,
                actual_seconds=int(worked.total_seconds()))
        )  # fmt: skip
        pay_seq.last_value += 1
        payments.append(
            Payment(store=store, repair_order=order, number=f"PAY{pay_seq.last_value:07d}", kind=PaymentKind.PAYMENT,
                    method=rng.choices([m for m, _w in METHODS], [w for _m, w in METHODS])[0],
                    amount=order.customer_total, balance_after=0, posted_at=order.closed_at - timedelta(minutes=20),
                    posted_by_id=cashier)
        )  # fmt: skip
    Job.objects.bulk_create(jobs, batch_size=2000)
    for job in jobs:
        clocks.append(JobClock(job=job, technician_id=job.technician_id, started_at=job.started_at,
                               ended_at=job.finished_at))  # fmt: skip
    JobClock.objects.bulk_create(clocks, batch_size=2000)
    Payment.objects.bulk_create(payments, batch_size=2000)
    ro_seq.save(update_fields=["last_value"])
    pay_seq.save(update_fields=["last_value"])
    # The history's health records (docs/DOMAIN.md §23) were uploaded back then.
    records = records_backfill(RepairOrder.objects.filter(pk__in=[o.pk for o in orders]))
    HealthRecord.objects.filter(pk__in=[r.pk for r in records]).update(status=UploadState.SENT, sent_at=timezone.now())
    return len(orders)


def seed_report_targets(store: Store, today: date) -> int:
    """A target per figure for the last 12 months and this one, near what the store did (met), except
    last month, whose arrivals and revenue targets were set for the usual month and so are missed."""
    lazy_from, _lazy_to = _last_month(today)
    month = (today.replace(day=1) - timedelta(days=330)).replace(day=1)
    rows = []
    usual = None
    while month <= today:
        end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        done = figures_sum(store_ids=[store.pk], start=month, end=end)[0]
        if done["arrivals"]:
            usual = usual or done
            basis = usual if month == lazy_from else done
            values = {
                "arrivals": Decimal(int(basis["arrivals"] * (1.05 if month == lazy_from else 0.95))),
                "revenue": _money(Decimal(basis["revenue"]) * Decimal("0.95" if month != lazy_from else "1.05")),
                "frt_hours": _money(Decimal(done["frt_hours"]) * Decimal("0.9")),
            }
            if done["new_customers"]:
                values["new_customers"] = Decimal(max(1, int(done["new_customers"] * 0.8)))
            rows += [Target(store=store, month=month, key=k, value=v) for k, v in values.items()]
        month = (month + timedelta(days=32)).replace(day=1)
    Target.objects.filter(store=store).delete()
    Target.objects.bulk_create(rows)
    return len(rows)


def seed_reports(stores: list[Store], rng: random.Random, today: date) -> int:
    """A year of history for every store (the first busiest), its daily figures, and the targets."""
    made = 0
    for index, store in enumerate(stores):
        made += seed_report_history(store, rng, today, per_day=12 if index == 0 else 7)
    if stores:
        figures_materialise(start=today - timedelta(days=DAYS + 1), end=today, store_ids=[s.pk for s in stores])
        for store in stores:
            seed_report_targets(store, today)
    return made
