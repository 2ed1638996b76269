"""Years of service history for the benchmark datasets, by bulk insert.

The demo (aftercare.demo) makes its few dozen repair orders through the
services; at store scale (90,000 orders, ~720,000 lines) that would take hours.
Here the same rows are computed in Python — prices from the store's catalogue,
amounts and order totals with the services' rounding (core.money.to_money), the
status history of every move — and written with executemany (SQLite) or COPY
(PostgreSQL), ids assigned here, sequences reset afterwards.

What is made per store:
- `orders` delivered repair orders over the last five years, ~8 lines each
  (labour and parts of the demo catalogue), 8 StatusChange rows each (reception
  → delivered), ids rising with time like a real store's;
  20 % of the vehicles make 60 % of the visits;
- a converted appointment for 40 % of them;
- today's open orders, `open_per_state` in every open state, for the board,
  with workshop jobs for the dispatched labour lines.
Not made (not needed by any timed read): payments, check-in sheets, deliveries
of the history. No audit rows either: history did not happen through the app.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from aftercare.accounts.models import Membership
from aftercare.accounts.roles import Role
from aftercare.appointments.choices import AppointmentStatus, Channel
from aftercare.appointments.models import Appointment
from aftercare.catalog.models import Bay, LabourOperation, LabourRate, Part, RepairType
from aftercare.core.models import DocumentSequence, Store
from aftercare.core.money import to_money
from aftercare.customers.models import Vehicle
from aftercare.service.choices import LineKind, LineStatus, Payer, Status, WaitingMode
from aftercare.service.models import RepairOrder, RepairOrderLine, StatusChange
from aftercare.workshop.choices import JobStatus
from aftercare.workshop.models import Job

# Part of the dataset cache key (datasets.code_key hashes this file): bump on any change of the data made.
VERSION = 1
YEARS = 5
ZERO = Decimal("0.00")
PATH = (
    Status.RECEPTION, Status.ESTIMATE, Status.APPROVED, Status.IN_PROGRESS, Status.QUALITY_CHECK, Status.READY,
    Status.SETTLED, Status.DELIVERED,
)  # fmt: skip
OPEN_STATES = PATH[:-1]
WORDS = ("保养", "刹车异响", "空调不凉", "启动困难", "方向盘抖动", "底盘异响", "更换轮胎", "钣喷")


@dataclass
class History:
    orders: int = 0
    lines: int = 0
    status_changes: int = 0
    appointments: int = 0
    open_orders: int = 0
    jobs: int = 0
    order_ids: list[int] = field(default_factory=list)


class Catalogue:
    """What the generator prices lines from: the store's effective catalogue."""

    def __init__(self, store: Store):
        self.types = {}
        for rt in RepairType.objects.effective_for_store(store).active():
            rate = LabourRate.rate_for(store, rt.code)
            if rate is not None:
                self.types[rt.code] = (rt.pk, rate)
        self.common = [c for c in ("periodic", "general") if c in self.types] or list(self.types)
        self.operations = [
            (op.pk, op.code, op.name, op.frt_hours)
            for op in LabourOperation.objects.effective_for_store(store).active().order_by("code")
            if not op.high_voltage
        ]
        self.parts = [
            (p.pk, p.part_no, p.name, p.brand, p.is_oem, p.unit_price)
            for p in Part.objects.effective_for_store(store).active().order_by("part_no")
        ]
        if not self.types or not self.operations or not self.parts:
            raise RuntimeError(f"{store}: the catalogue has no rated repair type, operation or part")


def _staff(store: Store, role: str) -> list[int]:
    return list(Membership.objects.filter(store=store, role=role).order_by("user_id").values_list("user_id", flat=True))


# --- writing rows ---------------------------------------------------------------------------------


def columns_of(model, names) -> list[str]:
    """The columns of the named fields, in the order given (the order of the row tuples)."""
    return [model._meta.get_field(name).column for name in names]


def insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Bulk-insert rows (tuples in `columns` order, Python values) into the model's table."""
    if not rows:
        return
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.connection.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    adapt = connection.ops.adapt_datetimefield_value
    dt_columns = [
        i for i, c in enumerate(columns)
        if model._meta.get_field(_field_name(model, c)).get_internal_type() == "DateTimeField"
    ]  # fmt: skip
    if dt_columns:
        rows = [tuple(adapt(v) if i in dt_columns and v is not None else v for i, v in enumerate(r)) for r in rows]
    marks = ", ".join("?" * len(columns))
    connection.connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608


def _field_name(model, column: str) -> str:
    return next(f.name for f in model._meta.concrete_fields if f.column == column)


def _next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def reset_sequences(*models) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(statement)


def _take_numbers(store: Store, kind: str, count: int) -> int:
    """Reserve `count` document numbers; returns the first."""
    DocumentSequence.objects.get_or_create(store=store, kind=kind)
    sequence = DocumentSequence.objects.select_for_update().get(store=store, kind=kind)
    first = sequence.last_value + 1
    DocumentSequence.objects.filter(pk=sequence.pk).update(last_value=sequence.last_value + count)
    return first


# --- one order -----------------------------------------------------------------------------------

RO_FIELDS = (
    "id", "store", "number", "status", "customer", "vehicle", "advisor", "repair_type", "contact_phone",
    "odometer_km", "fuel_level", "customer_statement", "findings", "promised_at", "waiting_mode",
    "return_old_parts", "discount_level", "authorised_at", "authorisation_method", "authorisation_signature",
    "authorisation_recorded_by", "authorisation_note", "labour_total", "parts_total", "other_total",
    "discount_total", "total", "customer_total", "opened_at", "closed_at", "created_at", "updated_at",
)  # fmt: skip
LINE_FIELDS = (
    "id", "repair_order", "kind", "status", "is_additional", "operation", "part", "other_charge", "package", "code",
    "description", "part_brand", "is_oem", "quantity", "hours", "unit_price", "discount_rate", "discount_amount",
    "amount", "payer", "technician", "bay", "decided_at", "decided_via", "position",
)  # fmt: skip
CHANGE_FIELDS = ("id", "repair_order", "from_status", "to_status", "changed_at", "changed_by", "note")


class Writer:
    """Accumulates the rows of many orders, then writes them table by table."""

    def __init__(self, store: Store, catalogue: Catalogue, rng: random.Random):
        self.store, self.cat, self.rng = store, catalogue, rng
        self.ro_columns = columns_of(RepairOrder, RO_FIELDS)
        self.line_columns = columns_of(RepairOrderLine, LINE_FIELDS)
        self.change_columns = columns_of(StatusChange, CHANGE_FIELDS)
        assert len(self.ro_columns) == len(RO_FIELDS) and len(self.line_columns) == len(LINE_FIELDS)
        self.next_ro, self.next_line, self.next_change = (
            _next_id(RepairOrder), _next_id(RepairOrderLine), _next_id(StatusChange)
        )  # fmt: skip
        self.orders: list[tuple] = []
        self.lines: list[tuple] = []
        self.changes: list[tuple] = []
        self.labour_lines: dict[int, list[int]] = {}  # order id -> its labour line ids (for jobs)

    def order(
        self, *, number: str, status: str, vehicle: tuple, advisor: int, opened: datetime, lines: int,
        actor: int, statement: str = "",
    ) -> tuple[int, Decimal, Decimal]:  # fmt: skip
        """One order in `status` with `lines` lines; returns (id, labour hours, labour amount)."""
        rng, cat = self.rng, self.cat
        vehicle_id, owner_id, odometer, mobile = vehicle
        code = rng.choice(cat.common) if rng.random() < 0.9 else rng.choice(list(cat.types))
        type_id, rate = cat.types[code]
        ro_id = self.next_ro
        self.next_ro += 1
        labour = parts = ZERO
        hours_total = ZERO
        n_labour = max(1, lines // 3) if lines else 0
        ops = rng.sample(cat.operations, min(n_labour, len(cat.operations)))
        chosen_parts = rng.sample(cat.parts, min(lines - len(ops), len(cat.parts))) if lines else []
        position = 0
        self.labour_lines[ro_id] = []
        for op_id, op_code, op_name, frt in ops:
            hours = to_money(frt)
            amount = to_money(hours * rate)
            labour += amount
            hours_total += hours
            self.labour_lines[ro_id].append(self.next_line)
            self.lines.append((
                self.next_line, ro_id, LineKind.LABOUR, LineStatus.APPROVED, False, op_id, None, None, None, op_code,
                op_name, "", True, Decimal("1.00"), hours, rate, ZERO, ZERO, amount, Payer.CUSTOMER, None, None,
                None, "", position,
            ))  # fmt: skip
            self.next_line += 1
            position += 1
        for part_id, part_no, name, brand, is_oem, price in chosen_parts:
            quantity = Decimal(rng.choice((1, 1, 1, 2, 4)))
            amount = to_money(quantity * price)
            parts += amount
            self.lines.append((
                self.next_line, ro_id, LineKind.PART, LineStatus.APPROVED, False, None, part_id, None, None, part_no,
                name, brand, is_oem, quantity, ZERO, price, ZERO, ZERO, amount, Payer.CUSTOMER, None, None, None, "",
                position,
            ))  # fmt: skip
            self.next_line += 1
            position += 1
        total = labour + parts
        # The moves up to `status`, each a little after the previous one.
        steps = PATH[: PATH.index(status) + 1]
        at, previous, authorised = opened, "", None
        for step in steps:
            self.changes.append((self.next_change, ro_id, previous, step, at, actor, ""))
            self.next_change += 1
            if step == Status.APPROVED:
                authorised = at
            previous = step
            at += timedelta(minutes=rng.randint(10, 60))
        closed = at if status == Status.DELIVERED else None
        promised = opened + timedelta(hours=rng.choice((2, 3, 4, 6)))
        self.orders.append((
            ro_id, self.store.pk, number, status, owner_id, vehicle_id, advisor, type_id, mobile,
            odometer, rng.choice((20, 35, 50, 65, 80)), statement or rng.choice(WORDS), "", promised,
            rng.choice(WaitingMode.values), False, "", authorised, "verbal" if authorised else "", "",
            advisor if authorised else None, "车主电话确认" if authorised else "", labour, parts, ZERO, ZERO, total,
            total, opened, closed, opened, at,
        ))  # fmt: skip
        return ro_id, hours_total, labour

    def flush(self) -> None:
        insert(RepairOrder, self.ro_columns, self.orders)
        insert(RepairOrderLine, self.line_columns, self.lines)
        insert(StatusChange, self.change_columns, self.changes)
        self.orders, self.lines, self.changes = [], [], []


# --- a store's history ------------------------------------------------------------------------------


def _vehicles(store: Store) -> list[tuple]:
    return list(
        Vehicle.objects.filter(store=store, is_active=True)
        .order_by("id")
        .values_list("id", "owner_id", "odometer_km", "owner__mobile")
    )


def build_history(
    store: Store, *, orders: int, rng: random.Random, now: datetime | None = None, open_per_state: int = 8
) -> History:
    """`orders` delivered orders over five years and today's open orders, for `store`."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    today = timezone.localtime(now).date()
    result = History()
    catalogue = Catalogue(store)
    advisors, technicians = _staff(store, Role.ADVISOR), _staff(store, Role.TECHNICIAN)
    vehicles = _vehicles(store)
    if not advisors or not technicians or not vehicles:
        return result
    # 20 % of the vehicles make 60 % of the visits.
    shuffled = vehicles[:]
    rng.shuffle(shuffled)
    cut = max(1, len(shuffled) // 5)
    frequent, rest = shuffled[:cut], shuffled[cut:] or shuffled[:cut]
    days = YEARS * 365
    moments = sorted(
        datetime.combine(
            today - timedelta(days=rng.randint(1, days)), time(rng.randint(8, 16), rng.randrange(0, 60, 5)), tz
        )
        for _ in range(orders)
    )
    with transaction.atomic():
        first_number = _take_numbers(store, "repair_order", orders + open_per_state * len(OPEN_STATES))
        writer = Writer(store, catalogue, rng)
        appointments = []
        ap_columns = columns_of(
            Appointment,
            ("id", "store", "number", "status", "channel", "customer", "vehicle", "contact_phone", "complaint",
             "repair_type", "estimated_hours", "duration_minutes", "estimated_price", "start_at", "end_at", "bay",
             "technician", "bring_reminder", "booked_by", "arrived_at", "cancelled_at", "cancel_reason",
             "repair_order", "created_at", "updated_at"),
        )  # fmt: skip
        wanted_appointments = [i for i in range(orders) if rng.random() < 0.4]
        ap_first_number = _take_numbers(store, "appointment", len(wanted_appointments))
        ap_id = _next_id(Appointment)
        wanted = set(wanted_appointments)
        for index, opened in enumerate(moments):
            pick = rng.choice(frequent) if rng.random() < 0.6 else rng.choice(rest)
            vehicle_id, owner_id, odometer_now, mobile = pick
            days_ago = (today - opened.date()).days
            odometer = max(500, (odometer_now or 60_000) - days_ago * 40)
            advisor = rng.choice(advisors)
            ro_id, hours, labour = writer.order(
                number=f"RO{first_number + index:07d}", status=Status.DELIVERED,
                vehicle=(vehicle_id, owner_id, odometer, mobile), advisor=advisor, opened=opened,
                lines=rng.choice((6, 7, 8, 8, 8, 9, 10)), actor=advisor,
            )  # fmt: skip
            result.order_ids.append(ro_id)
            if index in wanted:
                start = opened - timedelta(minutes=rng.choice((0, 10, 20, 30)))
                booked = start - timedelta(days=rng.randint(1, 7), hours=rng.randint(0, 8))
                appointments.append((
                    ap_id, store.pk, f"AP{ap_first_number + len(appointments):07d}", AppointmentStatus.CONVERTED,
                    rng.choice(Channel.values), owner_id, vehicle_id, mobile, "", writer.orders[-1][7], hours,
                    60, labour, start, start + timedelta(minutes=60), None, None, "", advisor, opened, None, "",
                    ro_id, booked, opened,
                ))  # fmt: skip
                ap_id += 1
            if len(writer.orders) >= 5000:
                result.lines += len(writer.lines)
                result.status_changes += len(writer.changes)
                writer.flush()
        result.lines += len(writer.lines)
        result.status_changes += len(writer.changes)
        writer.flush()
        insert(Appointment, ap_columns, appointments)
        result.orders, result.appointments = orders, len(appointments)

        # Today's open orders: `open_per_state` in every open state, promises around now.
        bays = list(Bay.objects.effective_for_store(store).active().values_list("pk", flat=True)) or [None]
        start_of_day = datetime.combine(today, time(8, 0), tz)
        number = first_number + orders
        open_ids = []
        for s_index, state in enumerate(OPEN_STATES):
            for k in range(open_per_state):
                opened = min(now - timedelta(minutes=5), start_of_day + timedelta(minutes=7 * (s_index * 8 + k)))
                vehicle_id, owner_id, odometer, mobile = rng.choice(vehicles)
                ro_id, _hours, _labour = writer.order(
                    number=f"RO{number:07d}", status=state, vehicle=(vehicle_id, owner_id, odometer, mobile),
                    advisor=rng.choice(advisors), opened=opened, lines=0 if state == Status.RECEPTION else 8,
                    actor=advisors[0],
                )  # fmt: skip
                number += 1
                # Promises from an hour ago (overdue) to four hours ahead (at risk, on time).
                row = list(writer.orders[-1])
                row[RO_FIELDS.index("promised_at")] = now + timedelta(minutes=rng.randint(-60, 240))
                writer.orders[-1] = tuple(row)
                open_ids.append((ro_id, state))
        job_rows = []
        job_columns = columns_of(
            Job,
            ("id", "line", "repair_order", "store", "technician", "bay", "status", "required_finish_at",
             "dispatched_at", "dispatched_by", "started_at", "finished_at", "actual_seconds", "rework_count"),
        )  # fmt: skip
        job_id = _next_id(Job)
        dispatched = (Status.APPROVED, Status.IN_PROGRESS, Status.QUALITY_CHECK, Status.READY, Status.SETTLED)
        for ro_id, state in open_ids:
            if state not in dispatched:
                continue
            for line_id in writer.labour_lines[ro_id]:
                done = state != Status.APPROVED and (state != Status.IN_PROGRESS or rng.random() < 0.5)
                started = now - timedelta(minutes=rng.randint(30, 120)) if state != Status.APPROVED else None
                job_rows.append((
                    job_id, line_id, ro_id, store.pk, rng.choice(technicians), rng.choice(bays),
                    JobStatus.DONE if done else (JobStatus.IN_PROGRESS if started else JobStatus.ASSIGNED),
                    now + timedelta(hours=2), now - timedelta(hours=2), advisors[0], started,
                    now - timedelta(minutes=10) if done else None, 1800 if done else 0, 0,
                ))  # fmt: skip
                job_id += 1
        result.lines += len(writer.lines)
        result.status_changes += len(writer.changes)
        result.open_orders = len(open_ids)
        writer.flush()
        insert(Job, job_columns, job_rows)
        result.jobs = len(job_rows)
        reset_sequences(RepairOrder, RepairOrderLine, StatusChange, Appointment, Job)
    return result


def make_orders(store: Store, *, status: str, count: int, lines: int = 8, rng: random.Random | None = None) -> list:
    """`count` orders of today in `status` with `lines` lines each (for write
    benchmarks that need an order in a given state); returns their ids."""
    rng = rng or random.Random(count)
    advisors = _staff(store, Role.ADVISOR)
    vehicles = _vehicles(store)
    with transaction.atomic():
        first = _take_numbers(store, "repair_order", count)
        writer = Writer(store, Catalogue(store), rng)
        ids = []
        now = timezone.now()
        for index in range(count):
            ro_id, _h, _l = writer.order(
                number=f"RO{first + index:07d}", status=status, vehicle=rng.choice(vehicles),
                advisor=advisors[0], opened=now - timedelta(hours=3), lines=lines, actor=advisors[0],
            )  # fmt: skip
            ids.append(ro_id)
        writer.flush()
        reset_sequences(RepairOrder, RepairOrderLine, StatusChange)
    return ids
