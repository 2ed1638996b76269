"""The reports' demo (docs/DOMAIN.md §18.3, §18.4): a year of delivered orders behind every store's
figures, set-based (bulk inserts, not the services: a year of a store is thousands of orders), the
daily figures materialised for it, and a year of monthly targets of which last month misses two
(arrivals and revenue: fewer cars came in), so every report, trend and target shows something."""

import heapq
import random
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, Max, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from aftercare.accounts.models import Membership
from aftercare.accounts.roles import Role
from aftercare.billing.choices import PaymentKind, PaymentMethod
from aftercare.billing.models import Payment
from aftercare.catalog.models import LabourOperation, Part, RepairType
from aftercare.core.models import DocumentSequence, Store
from aftercare.customers.models import Consent, Customer, Vehicle
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
NEVER_BACK_FIRST, NEVER_BACK = 0.45, 0.06
METHODS = [(PaymentMethod.WECHAT, 45), (PaymentMethod.ALIPAY, 25), (PaymentMethod.CARD, 20), (PaymentMethod.CASH, 10)]


def _money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _people(store: Store, role: str) -> list[int]:
    return list(Membership.objects.filter(store=store, role=role, is_active=True).values_list("user_id", flat=True))


def _last_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def _visitors(rng: random.Random, days: list[tuple[date, int]], regulars: list[tuple[int, int]]):
    """Who comes on each day: the cars due back first (each returns 45-100 days after a visit, unless it
    never comes back: 45 % after a first visit, 6 % after a later one), the rest newcomers, at least a
    quarter of each day. Yields (day, (vehicle id, customer id) or the newcomer's number)."""
    due = [(days[0][0] + timedelta(days=rng.randint(0, 90)), n, car) for n, car in enumerate(regulars)]
    heapq.heapify(due)
    visits: dict = {}
    newcomers = 0
    for day, count in days:
        todays = []
        while due and due[0][0] <= day and len(todays) < count - max(1, count // 4):
            todays.append(heapq.heappop(due)[2])
        while len(todays) < count:
            todays.append(newcomers)
            newcomers += 1
        for who in todays:
            visits[who] = visits.get(who, 0) + 1
            if rng.random() > (NEVER_BACK_FIRST if visits[who] == 1 else NEVER_BACK):
                heapq.heappush(due, (day + timedelta(days=rng.randint(45, 100)), rng.random(), who))
            yield day, who


def _newcomers(store: Store, register, count: int) -> list[tuple[int, int]]:
    """`count` customers who first came during the year, each with a car: (vehicle id, customer id).
    `register(store, count)` makes them (the demo's customer generator)."""
    before = Customer.objects.filter(store=store).order_by("-id").values_list("id", flat=True).first() or 0
    if count:
        register(store, count)
    cars = Vehicle.objects.filter(store=store, owner_id__gt=before).order_by("owner_id", "id")
    first_car = {}
    for vehicle_id, owner_id in cars.values_list("pk", "owner_id"):
        first_car.setdefault(owner_id, vehicle_id)
    return [(vehicle_id, owner_id) for owner_id, vehicle_id in first_car.items()]


def _visits_recorded(store: Store, customer_ids: set[int], newcomer_ids: set[int]) -> None:
    """Customers and cars know their last visit; a newcomer was registered at the first one."""
    orders = RepairOrder.objects.filter(store=store).exclude(status=Status.CANCELLED).order_by()
    last = orders.filter(customer_id=OuterRef("pk")).values("customer_id").annotate(m=Max("opened_at")).values("m")
    first = orders.filter(customer_id=OuterRef("pk")).values("customer_id").annotate(m=Min("opened_at")).values("m")
    last_car = orders.filter(vehicle_id=OuterRef("pk")).values("vehicle_id").annotate(m=Max("opened_at")).values("m")
    Customer.objects.filter(pk__in=newcomer_ids).update(created_at=Subquery(first), last_visit_at=Subquery(last))
    Customer.objects.filter(pk__in=customer_ids - newcomer_ids).update(
        last_visit_at=Greatest(F("last_visit_at"), Subquery(last))
    )
    Vehicle.objects.filter(owner_id__in=newcomer_ids).update(last_visit_at=Subquery(last_car))
    Vehicle.objects.filter(store=store, owner_id__in=customer_ids - newcomer_ids).update(
        last_visit_at=Greatest(F("last_visit_at"), Coalesce(Subquery(last_car), F("last_visit_at")))
    )
    Consent.objects.filter(customer_id__in=newcomer_ids).update(
        recorded_at=Subquery(Customer.objects.filter(pk=OuterRef("customer_id")).values("created_at"))
    )


def seed_report_history(store: Store, rng: random.Random, today: date, register, *, per_day: int = 10) -> int:
    """About `per_day` delivered orders a working day over the last year (fewer on Sundays and
    last month), each with a labour and a parts line, its job and clock, and its payment. The
    store's customers come back every few months; the rest are newcomers, registered at their
    first visit, of whom some never come back (the retention and repurchase rates, §18.5)."""
    advisors, technicians = _people(store, Role.ADVISOR), _people(store, Role.TECHNICIAN)
    cashier = next(iter(_people(store, Role.CASHIER)), None)
    regulars = list(Vehicle.objects.filter(store=store, is_active=True).order_by("pk").values_list("pk", "owner_id"))
    operations = list(LabourOperation.objects.effective_for_store(store).active()[:40])
    parts = list(Part.objects.effective_for_store(store).active()[:80])
    repair_types = list(RepairType.objects.effective_for_store(store).filter(code__in=["periodic", "general"]))
    if not (advisors and technicians and cashier and regulars and operations and parts and repair_types):
        return 0
    tz = timezone.get_current_timezone()
    lazy_from, lazy_to = _last_month(today)
    ro_seq, _ = DocumentSequence.objects.get_or_create(store=store, kind="repair_order")
    pay_seq, _ = DocumentSequence.objects.get_or_create(store=store, kind="payment")
    days = []
    for back in range(DAYS, 1, -1):
        day = today - timedelta(days=back)
        n = per_day if day.weekday() < 6 else per_day // 2
        if lazy_from <= day <= lazy_to:
            n = int(n * 0.75)  # the month that misses its targets: fewer cars came in
        days.append((day, max(0, n + rng.randint(-2, 2))))
    visits = list(_visitors(rng, days, regulars))
    newcomers = _newcomers(store, register, len({who for _day, who in visits if isinstance(who, int)}))
    plans = []
    for day, who in visits:
        opened = datetime.combine(day, time(rng.randint(8, 15), rng.choice([0, 15, 30, 45])), tz)
        hours = rng.choice([Decimal("1.0"), Decimal("1.5"), Decimal("2.0"), Decimal("3.0")])
        same_day = rng.random() < 0.7
        closed = opened + (timedelta(hours=float(hours) + 2) if same_day else timedelta(days=1, hours=2))
        plans.append((opened, closed, hours, newcomers[who] if isinstance(who, int) else who))
    orders, lines = [], []
    for opened, closed, hours, (vehicle_id, customer_id) in plans:
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
    _visits_recorded(store, {o.customer_id for o in orders}, {customer_id for _v, customer_id in newcomers})
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


def seed_report_histories(stores: list[Store], rng: random.Random, today: date, register, scale: float = 1) -> int:
    """A year of history for every store (the first busiest), before the retention engine reads it;
    `scale` follows the demo's size (a demo of fewer customers has fewer cars a day)."""
    return sum(
        seed_report_history(store, rng, today, register, per_day=max(2, round((12 if index == 0 else 7) * scale)))
        for index, store in enumerate(stores)
    )


def seed_reports(stores: list[Store], today: date) -> None:
    """Every store's daily figures of the year, and the targets."""
    if stores:
        figures_materialise(start=today - timedelta(days=DAYS + 1), end=today, store_ids=[s.pk for s in stores])
        for store in stores:
            seed_report_targets(store, today)
