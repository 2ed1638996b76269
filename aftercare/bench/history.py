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
  with workshop jobs for the dispatched labour lines;
- the follow-up call each delivered order asks for, as
  followups.services.followups_for_delivery makes it under the store's
  FollowUpRule (first service / repair / maintenance, key `ro:<id>`): called
  with a recorded result (94 %) or closed unreachable after the store's tries
  (6 %), still open when due within the last two days or later; a problem
  for each call or survey scored 1-2, handled and the customer told;
- a completed survey (answers and overall score) for 35 % of the called orders;
- every customer's and vehicle's `last_visit_at` = the opening of their last
  order (as service.services.repair_order_open sets it); those without an
  order in the five years last came before them.
Not made (not needed by any timed read): payments, check-in sheets, deliveries
of the history, churn and holiday calls (the nightly job makes those). No
audit rows either: history did not happen through the app.
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
from aftercare.accounts.selectors import store_service_manager
from aftercare.appointments.choices import AppointmentStatus, Channel
from aftercare.appointments.models import Appointment
from aftercare.catalog.choices import AnswerType
from aftercare.catalog.models import Bay, LabourOperation, LabourRate, Part, RepairType
from aftercare.core.models import DocumentSequence, Store
from aftercare.core.money import to_money
from aftercare.customers.models import Customer, Vehicle
from aftercare.followups.choices import ContactChannel, Kind, ProblemCategory, ProblemStatus, RecordStatus, TaskStatus
from aftercare.followups.models import FollowUpAttempt, FollowUpProblem, FollowUpRule, FollowUpTask
from aftercare.followups.services import CALL_HOUR, LOW_SCORE
from aftercare.service.choices import LineKind, LineStatus, Payer, Status, WaitingMode
from aftercare.service.models import RepairOrder, RepairOrderLine, StatusChange
from aftercare.surveys.choices import Channel as SurveyChannel
from aftercare.surveys.choices import ResponseStatus, SurveyKind
from aftercare.surveys.models import SurveyAnswer, SurveyResponse
from aftercare.surveys.services import survey_for
from aftercare.workshop.choices import JobStatus
from aftercare.workshop.models import Job

# Part of the dataset cache key (datasets.code_key hashes this file): bump on any change of the data made.
VERSION = 3
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
    followups: int = 0
    surveys: int = 0
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
CLOSED = RO_FIELDS.index("closed_at")
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


# --- follow-ups, surveys and last visits --------------------------------------------------------

FEEDBACK = ("服务很好", "挺满意的", "没什么问题", "下次保养还来", "技师挺专业的", "等待时间有点长")
SCORE_WEIGHTS = {5: 55, 4: 30, 3: 8, 2: 4, 1: 3}
SURVEY_SHARE = 0.35
CALLED_SHARE = 0.94  # of the past calls; the rest were closed unreachable
HANDLED = "已致电道歉并免费复检"
SURVEY_KIND_OF_TYPE = {"first_free": SurveyKind.FIRST_SERVICE, "periodic": SurveyKind.MAINTENANCE}


def _day_at(day, hour: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, hour))


def _call_for(delivered: datetime, code: str, first: bool, rule: FollowUpRule) -> tuple | None:
    """(kind, for the advisor?, available_at, due_at) as followups_for_delivery computes them:
    days counted from the local date of the delivery."""
    day = timezone.localdate(delivered)
    if first:
        return Kind.FIRST_SERVICE, True, delivered, delivered + timedelta(hours=rule.first_service_hours)
    if code in rule.repair_codes:
        start = _day_at(day + timedelta(days=rule.repair_days), CALL_HOUR)
        return Kind.REPAIR, True, start, start + timedelta(hours=9)
    if code in rule.maintenance_codes:
        available = _day_at(day + timedelta(days=rule.maintenance_from_days), CALL_HOUR)
        return (
            Kind.MAINTENANCE,
            False,
            available,
            _day_at(day + timedelta(days=rule.maintenance_to_days), time(18, 0)),
        )
    return None


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    seconds = max(0, int((end - start).total_seconds()))
    return (start + timedelta(seconds=rng.randint(0, seconds))).replace(second=0, microsecond=0)


TASK_FIELDS = (
    "id", "store", "kind", "source_key", "status", "customer", "vehicle", "repair_order", "owner", "owner_role",
    "available_at", "due_at", "note", "attempts", "escalated_at", "escalated_to", "contact_channel",
    "contact_value", "contacted_at", "feedback", "problem_category", "responsible", "handling_result",
    "satisfaction", "record_status", "completed_at", "completed_by", "created_at", "updated_at",
)  # fmt: skip
PROBLEM_FIELDS = (
    "id", "store", "source_key", "task", "customer", "repair_order", "category", "description", "responsible",
    "status", "raised_at", "due_at", "handled_at", "handling_result", "informed_at", "created_at", "updated_at",
)  # fmt: skip
RESPONSE_FIELDS = (
    "id", "store", "survey", "kind", "customer", "vehicle", "repair_order", "advisor", "repair_type", "channel",
    "status", "link_valid_days", "overall_score", "comment", "recorded_by", "completed_at", "created_at",
    "updated_at",
)  # fmt: skip


def _followups_and_surveys(store: Store, delivered: list[tuple], rng: random.Random, now: datetime) -> tuple:
    """The delivery calls of `delivered` (ro id, number, customer, vehicle, mobile, advisor,
    repair type id and code, closed_at; in closing order), their records, the problems
    low scores raise and the surveys. Returns (tasks, responses) made."""
    rule = FollowUpRule.for_store(store)
    manager = store_service_manager(store)
    manager_id = manager.pk if manager else None
    callers = _staff(store, Role.CUSTOMER_CARE) or _staff(store, Role.ADVISOR)
    surveys = {kind: survey_for(store=store, kind=kind) for kind in SurveyKind.values}
    questions = {kind: [(q.pk, q.answer_type) for q in survey.ordered_questions()] for kind, survey in surveys.items()}
    scores, weights = list(SCORE_WEIGHTS), list(SCORE_WEIGHTS.values())
    # The first delivery of a customer: no other delivered order of theirs closed earlier.
    first_closed: dict[int, datetime] = {}
    for _ro, _n, customer_id, *_rest, closed in delivered:
        if customer_id not in first_closed or closed < first_closed[customer_id]:
            first_closed[customer_id] = closed
    task_id, attempt_id, problem_id = _next_id(FollowUpTask), _next_id(FollowUpAttempt), _next_id(FollowUpProblem)
    response_id, answer_id = _next_id(SurveyResponse), _next_id(SurveyAnswer)
    tasks, attempts, problems, responses, answers = [], [], [], [], []

    def problem(source_key, task, customer_id, ro_id, category, description, raised):
        nonlocal problem_id
        handled = raised + timedelta(hours=rng.randint(2, 20))
        problems.append((
            problem_id, store.pk, source_key, task, customer_id, ro_id, category, description, manager_id,
            ProblemStatus.INFORMED, raised, raised + timedelta(hours=rule.problem_hours), handled, HANDLED,
            handled + timedelta(hours=1), raised, handled + timedelta(hours=1),
        ))  # fmt: skip
        problem_id += 1

    for ro_id, number, customer_id, vehicle_id, mobile, advisor, type_id, code, closed in delivered:
        call = _call_for(closed, code, closed == first_closed[customer_id], rule)
        if call is None:
            continue
        kind, by_advisor, available, due = call
        owner, role = (advisor, "") if by_advisor else (None, Role.CUSTOMER_CARE)
        row = dict.fromkeys(TASK_FIELDS[14:], None)
        row.update(contact_channel="", contact_value="", feedback="", problem_category="", handling_result="")
        row.update(record_status=RecordStatus.PENDING, created_at=closed, updated_at=closed)
        status, tries = TaskStatus.OPEN, 0
        if due < now - timedelta(days=2):
            caller = owner or rng.choice(callers)
            owner = caller
            if rng.random() < CALLED_SHARE:
                status = TaskStatus.DONE
                contacted = _between(rng, available, due)
                satisfaction = rng.choices(scores, weights)[0]
                raised = satisfaction <= LOW_SCORE
                row.update(
                    contact_channel=rng.choice((ContactChannel.PHONE, ContactChannel.PHONE, ContactChannel.WECHAT)),
                    contact_value=mobile, contacted_at=contacted, feedback=rng.choice(FEEDBACK),
                    satisfaction=satisfaction, record_status=RecordStatus.RESOLVED,
                    completed_at=contacted + timedelta(minutes=rng.randint(2, 8)), completed_by=caller,
                    problem_category=rng.choice(ProblemCategory.values) if raised else "",
                    responsible=manager_id if raised else None,
                )  # fmt: skip
                row["updated_at"] = row["completed_at"]
                if raised:
                    problem(
                        f"task:{task_id}", task_id, customer_id, ro_id, row["problem_category"], row["feedback"],
                        row["completed_at"],
                    )  # fmt: skip
                    row["handling_result"] = HANDLED
                if rng.random() < SURVEY_SHARE:
                    # As surveys.services.kind_for_order: 首保 → first service, 定期保养 → maintenance.
                    survey_kind = SURVEY_KIND_OF_TYPE.get(code, SurveyKind.REPAIR)
                    base = rng.choices(scores, weights)[0]
                    given = []
                    for question_id, answer_type in questions[survey_kind]:
                        score, yes, text = None, None, ""
                        if answer_type == AnswerType.SCORE:
                            score = max(1, min(5, base + rng.choice((0, 0, 0, -1, 1))))
                            given.append(score)
                        elif answer_type == AnswerType.YES_NO:
                            yes = base >= 3 or rng.random() < 0.3
                        else:
                            text = rng.choice(FEEDBACK) if rng.random() < 0.3 else ""
                            if not text:
                                continue
                        answers.append((answer_id, response_id, question_id, score, yes, text))
                        answer_id += 1
                    overall = SurveyResponse.mean_score(given)
                    at = row["completed_at"] + timedelta(minutes=1)
                    responses.append((
                        response_id, store.pk, surveys[survey_kind].pk, survey_kind, customer_id, vehicle_id, ro_id,
                        advisor, type_id, SurveyChannel.STAFF_CALL, ResponseStatus.COMPLETED, None, overall, "",
                        caller, at, at, at,
                    ))  # fmt: skip
                    if overall is not None and overall <= LOW_SCORE:
                        problem(
                            f"survey:{response_id}", None, customer_id, ro_id, ProblemCategory.QUALITY,
                            f"Low survey score: {overall}", at,
                        )  # fmt: skip
                    response_id += 1
            else:
                # Unreachable: each try moves the call on by the retry delay (followup_attempt).
                at = available
                for tries in range(1, rule.unreachable_tries + 1):
                    at = _between(rng, at, at + timedelta(hours=2))
                    attempts.append((attempt_id, task_id, at, caller, ContactChannel.PHONE, "无人接听"))
                    attempt_id += 1
                    if tries < rule.unreachable_tries:
                        available = at + timedelta(hours=rule.retry_after_hours)
                        due = max(due, available + timedelta(hours=rule.retry_after_hours))
                        at = available
                status = TaskStatus.UNREACHABLE
                row.update(completed_at=at, completed_by=caller, updated_at=at)
        tasks.append((
            task_id, store.pk, kind, f"ro:{ro_id}", status, customer_id, vehicle_id, ro_id, owner, role, available,
            due, number, tries, *row.values(),
        ))  # fmt: skip
        task_id += 1
    insert(FollowUpTask, columns_of(FollowUpTask, TASK_FIELDS), tasks)
    insert(FollowUpAttempt, columns_of(
        FollowUpAttempt, ("id", "task", "attempted_at", "attempted_by", "channel", "note")), attempts
    )  # fmt: skip
    insert(SurveyResponse, columns_of(SurveyResponse, RESPONSE_FIELDS), responses)
    insert(SurveyAnswer, columns_of(SurveyAnswer, ("id", "response", "question", "score", "yes", "text")), answers)
    insert(FollowUpProblem, columns_of(FollowUpProblem, PROBLEM_FIELDS), problems)
    reset_sequences(FollowUpTask, FollowUpAttempt, FollowUpProblem, SurveyResponse, SurveyAnswer)
    return len(tasks), len(responses)


def update_column(model, column: str, pairs: list[tuple]) -> None:
    """SET column = value for many ids: executemany on SQLite, COPY + one UPDATE ... FROM on PostgreSQL."""
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        kind = "timestamptz" if model._meta.get_field(_field_name(model, column)).get_internal_type() == (
            "DateTimeField") else "text"  # fmt: skip
        with connection.connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE bench_update (id bigint, value {kind}) ON COMMIT DROP")
            with cursor.copy("COPY bench_update (id, value) FROM STDIN") as copy:
                for value, pk in pairs:
                    copy.write_row((pk, value))
            cursor.execute(f"UPDATE {table} SET {column} = u.value FROM bench_update u WHERE {table}.id = u.id")  # noqa: S608
            cursor.execute("DROP TABLE bench_update")
        return
    adapt = connection.ops.adapt_datetimefield_value
    rows = [(adapt(v) if isinstance(v, datetime) else v, pk) for v, pk in pairs]
    connection.connection.executemany(f"UPDATE {table} SET {column} = ? WHERE id = ?", rows)  # noqa: S608


def _last_visits(store: Store, last: dict, model, rng: random.Random, today) -> None:
    """last_visit_at of the store's customers (or vehicles) = the opening of their last order;
    one who has none in the five years came last before them."""
    before = today - timedelta(days=YEARS * 365)
    pairs = []
    for pk in model.objects.filter(store=store).order_by("id").values_list("id", flat=True):
        visit = last.get(pk)
        if visit is None:
            visit = _day_at(before - timedelta(days=rng.randint(1, YEARS * 365)), time(10, 0))
        pairs.append((visit, pk))
    update_column(model, "last_visit_at", pairs)


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
             "repair_order", "created_at", "updated_at", "site_kind", "site_address", "travel_minutes"),
        )  # fmt: skip
        wanted_appointments = [i for i in range(orders) if rng.random() < 0.4]
        ap_first_number = _take_numbers(store, "appointment", len(wanted_appointments))
        ap_id = _next_id(Appointment)
        wanted = set(wanted_appointments)
        codes = {type_id: code for code, (type_id, _rate) in catalogue.types.items()}
        delivered, last_customer, last_vehicle = [], {}, {}
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
            row = writer.orders[-1]
            delivered.append((
                ro_id, row[2], owner_id, vehicle_id, mobile, advisor, row[7], codes[row[7]], row[CLOSED],
            ))  # fmt: skip
            last_customer[owner_id] = last_vehicle[vehicle_id] = opened  # moments are sorted
            if index in wanted:
                start = opened - timedelta(minutes=rng.choice((0, 10, 20, 30)))
                booked = start - timedelta(days=rng.randint(1, 7), hours=rng.randint(0, 8))
                appointments.append((
                    ap_id, store.pk, f"AP{ap_first_number + len(appointments):07d}", AppointmentStatus.CONVERTED,
                    rng.choice(Channel.values), owner_id, vehicle_id, mobile, "", writer.orders[-1][7], hours,
                    60, labour, start, start + timedelta(minutes=60), None, None, "", advisor, opened, None, "",
                    ro_id, booked, opened, "", "", 0,
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
                last_customer[owner_id] = last_vehicle[vehicle_id] = opened
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
        delivered.sort(key=lambda order: (order[-1], order[0]))
        result.followups, result.surveys = _followups_and_surveys(store, delivered, rng, now)
        _last_visits(store, last_customer, Customer, rng, today)
        _last_visits(store, last_vehicle, Vehicle, rng, today)
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
