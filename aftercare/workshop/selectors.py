"""Reads of the workshop shared by pages, the API and reports: the management
board, a technician's jobs, hours worked against FRT hours, rework counts."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Case, Count, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from aftercare.core.marks import order_priority, order_priority_mark
from aftercare.core.permissions import Perm
from aftercare.service.choices import OPEN_STATUSES, STATUS_COLOURS, LineKind, LineStatus, Status
from aftercare.service.models import RepairOrder, RepairOrderLine

from .choices import AT_RISK_MINUTES, JobStatus
from .models import Job, JobClock, Rework, hours_from_seconds

# Work not finished yet: a promise near or past is a risk / a delay.
UNFINISHED_STATUSES = (Status.RECEPTION, Status.ESTIMATE, Status.APPROVED, Status.IN_PROGRESS)
# The car is not ready when promised: overdue (once ready, the promise is kept).
NOT_READY_STATUSES = (*UNFINISHED_STATUSES, Status.QUALITY_CHECK)


@dataclass(frozen=True, slots=True)
class BoardVehicle:
    plate: str
    model: str


@dataclass(frozen=True, slots=True)
class BoardOrder:
    """What the board shows of a repair order, read as tuples (values_list): the board
    redraws every open order of the store every 30 s, and a model instance per order,
    vehicle, advisor, wash and job would cost more than the two queries."""

    pk: int
    number: str
    status: str
    promised_at: datetime | None
    opened_at: datetime
    vehicle: BoardVehicle
    advisor: str  # the name shown (User.__str__)
    # The green channel's mark (core.marks: a VIC order goes first and says so), or "".
    mark: str = ""

    def __str__(self) -> str:
        return self.number


@dataclass
class BoardRow:
    """One repair order on the management board (管理板, docs/DOMAIN.md §6.6)."""

    order: BoardOrder
    status_label: str
    colour: str
    technicians: list[str]
    bays: list[str]
    jobs_total: int
    jobs_done: int
    overdue: bool
    at_risk: bool
    washed_at: datetime | None
    rework: bool = False
    job_states: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BoardJob:
    status: str
    technician: str
    bay: str | None


def _user_name(full_name: str | None, username: str | None) -> str:
    return full_name or username or ""  # as User.__str__


BOARD_COLUMNS = (
    "pk", "number", "status", "promised_at", "opened_at", "vehicle__plate", "vehicle__model",
    "advisor__full_name", "advisor__username", "wash__washed_at", "labour_lines", "priority_mark",
)  # fmt: skip


def board_orders(*, user, store) -> list[tuple[BoardOrder, datetime | None, int]]:
    """Open orders of `store` the user may see as (order, washed at, approved
    labour lines): the dispatch queue, priority orders first (core.marks, the VIC green
    channel), then by promise; one query whatever their number."""
    labour_lines = Coalesce(
        # A correlated subquery, not Count() over a join: the join's GROUP BY
        # made SQLite read every order of the store instead of the open ones
        # through the ro_board index.
        Subquery(
            RepairOrderLine.objects.filter(
                repair_order=OuterRef("pk"), kind=LineKind.LABOUR, status=LineStatus.APPROVED
            )
            .order_by()
            .values("repair_order")
            .annotate(n=Count("id"))
            .values("n")
        ),
        0,
    )
    rows = (
        RepairOrder.objects.for_user(user, Perm.REPAIR_ORDER_VIEW)
        .filter(store=store, status__in=OPEN_STATUSES)
        .annotate(labour_lines=labour_lines, priority=order_priority("pk"), priority_mark=order_priority_mark("pk"))
        .order_by("-priority", "promised_at", "opened_at", "id")
        .values_list(*BOARD_COLUMNS)
    )
    return [
        (BoardOrder(pk, number, status, promised, opened, BoardVehicle(plate, model), _user_name(full, username),
                    mark or ""),
         washed_at, labour)
        for pk, number, status, promised, opened, plate, model, full, username, washed_at, labour, mark in rows
    ]  # fmt: skip


def board_jobs(*, user, order_ids: list[int]) -> dict[int, list[BoardJob]]:
    """{order id: its workshop jobs, in dispatch order}: one query."""
    jobs: dict[int, list[BoardJob]] = {}
    if not order_ids:
        return jobs
    rows = (
        Job.objects.for_user(user, Perm.REPAIR_ORDER_VIEW)
        .filter(repair_order_id__in=order_ids)
        .order_by("id")
        .values_list("repair_order_id", "status", "technician__full_name", "technician__username", "bay__code")
    )
    for order_id, status, full_name, username, bay in rows:
        jobs.setdefault(order_id, []).append(BoardJob(status, _user_name(full_name, username), bay))
    return jobs


def board_row(
    order: BoardOrder, jobs: list[BoardJob], now: datetime, *, washed_at=None, labour_lines: int = 0
) -> BoardRow:
    promised = order.promised_at
    return BoardRow(
        order=order,
        status_label=Status(order.status).label,
        colour=STATUS_COLOURS.get(order.status, "secondary"),
        technicians=sorted({job.technician for job in jobs}),
        bays=sorted({job.bay for job in jobs if job.bay}),
        jobs_total=max(labour_lines, len(jobs)),
        jobs_done=sum(1 for job in jobs if job.status == JobStatus.DONE),
        overdue=bool(promised and promised < now and order.status in NOT_READY_STATUSES),
        at_risk=bool(
            promised
            and now <= promised <= now + timedelta(minutes=AT_RISK_MINUTES)
            and order.status in UNFINISHED_STATUSES
        ),
        washed_at=washed_at,
        rework=any(job.status == JobStatus.REWORK for job in jobs),
        job_states=[job.status for job in jobs],
    )


def has_wash(order: RepairOrder) -> bool:
    try:
        order.wash  # noqa: B018 - reverse one-to-one: raises when there is none
    except RepairOrder.wash.RelatedObjectDoesNotExist:
        return False
    return True


def board(*, user, store, now: datetime | None = None) -> list[BoardRow]:
    """The management board of `store`: its open orders with stage, technicians,
    bays, jobs done, wash and promise, in two queries whatever their number."""
    now = now or timezone.now()
    if store is None:
        return []
    orders = board_orders(user=user, store=store)
    jobs = board_jobs(user=user, order_ids=[order.pk for order, _washed, _labour in orders])
    return [
        board_row(order, jobs.get(order.pk, []), now, washed_at=washed, labour_lines=labour)
        for order, washed, labour in orders
    ]


def jobs_for_technician(*, user, include_done_since: datetime | None = None):
    """The technician's jobs: open ones, plus those finished since a time (today)."""
    done = Q(status=JobStatus.DONE, finished_at__gte=include_done_since) if include_done_since else Q(pk__in=[])
    return (
        Job.objects.for_user(user, Perm.JOB_CLOCK)
        .filter(technician=user)
        .filter(~Q(status=JobStatus.DONE) | done)
        .select_related("line", "line__operation", "repair_order", "repair_order__vehicle", "bay")
        # The job on the clock first, then paused and waiting work, finished work last.
        .alias(
            rank=Case(
                When(status=JobStatus.IN_PROGRESS, then=Value(0)),
                When(status=JobStatus.PAUSED, then=Value(1)),
                When(status=JobStatus.DONE, then=Value(3)),
                default=Value(2),
            )
        )
        .order_by("rank", "required_finish_at", "id")
    )


@dataclass(frozen=True)
class TechnicianHours:
    """Hours of one technician in a period: worked (clocked) against FRT (standard) hours."""

    technician_id: int
    actual_hours: Decimal
    frt_hours: Decimal
    jobs_finished: int

    @property
    def efficiency_pct(self) -> Decimal | None:
        """FRT ÷ actual, as a percentage: above 100 the technician beats the standard time."""
        if not self.actual_hours:
            return None
        return (self.frt_hours * 100 / self.actual_hours).quantize(Decimal("1"))


def technician_hours(*, user, store, since: datetime, until: datetime, technician=None) -> dict[int, TechnicianHours]:
    """{technician id: hours} in [since, until) at `store` (one of `user`'s): clocked time inside
    the period (a clock running across the boundary counts only its part inside), and the FRT
    hours of jobs finished in the period. Two queries."""
    clocks = (
        JobClock.objects.for_user(user, Perm.REPAIR_ORDER_VIEW)
        .filter(job__store=store, started_at__lt=until)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=since))
    )
    jobs = Job.objects.for_user(user, Perm.REPAIR_ORDER_VIEW).filter(
        store=store, status=JobStatus.DONE, finished_at__gte=since, finished_at__lt=until
    )
    if technician is not None:
        clocks, jobs = clocks.filter(technician=technician), jobs.filter(technician=technician)
    now = timezone.now()
    seconds: dict[int, int] = {}
    for tech_id, start, end in clocks.values_list("technician_id", "started_at", "ended_at"):
        inside = (min(end or now, until) - max(start, since)).total_seconds()
        seconds[tech_id] = seconds.get(tech_id, 0) + max(0, int(inside))
    frt: dict[int, tuple[Decimal, int]] = {}
    for tech_id, hours in jobs.values_list("technician_id", "line__hours"):
        total, count = frt.get(tech_id, (Decimal("0.00"), 0))
        frt[tech_id] = (total + hours, count + 1)
    return {
        tech_id: TechnicianHours(
            technician_id=tech_id,
            actual_hours=hours_from_seconds(seconds.get(tech_id, 0)),
            frt_hours=frt.get(tech_id, (Decimal("0.00"), 0))[0],
            jobs_finished=frt.get(tech_id, (Decimal("0.00"), 0))[1],
        )
        for tech_id in sorted(set(seconds) | set(frt))
    }


def day_bounds(now: datetime) -> tuple[datetime, datetime]:
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following


def technician_hours_today(*, user, store, technician, now: datetime | None = None) -> TechnicianHours:
    since, until = day_bounds(now or timezone.now())
    return _one(technician_hours(user=user, store=store, since=since, until=until, technician=technician), technician)


def technician_hours_this_month(*, user, store, technician, now: datetime | None = None) -> TechnicianHours:
    since, until = month_bounds(now or timezone.now())
    return _one(technician_hours(user=user, store=store, since=since, until=until, technician=technician), technician)


def _one(hours: dict[int, TechnicianHours], technician) -> TechnicianHours:
    return hours.get(technician.pk) or TechnicianHours(technician.pk, Decimal("0.00"), Decimal("0.00"), 0)


def rework_counts(*, user, store, since: datetime | None = None, until: datetime | None = None) -> dict[int, int]:
    """{technician id: jobs sent back for rework} at `store` (one of `user`'s) in a period (a quality KPI)."""
    reworks = Rework.objects.for_user(user, Perm.REPAIR_ORDER_VIEW).filter(job__store=store)
    if since is not None:
        reworks = reworks.filter(created_at__gte=since)
    if until is not None:
        reworks = reworks.filter(created_at__lt=until)
    return dict(reworks.order_by().values("technician_id").annotate(n=Count("id")).values_list("technician_id", "n"))


def order_jobs(order: RepairOrder):
    """The labour lines of an order with their jobs, for the order page's workshop panel."""
    return (
        order.lines.filter(kind=LineKind.LABOUR)
        .exclude(status=LineStatus.DECLINED)
        .select_related("operation", "job", "job__technician", "job__bay")
        .order_by("position", "id")
    )


def daily_technician_hours(*, store_ids, start, end, now: datetime | None = None) -> dict:
    """{(store_id, local day, technician_id): {"clocked_seconds", "frt_hours", "jobs"}} of the days
    start..end (docs/DOMAIN.md §6.2, §18.3): each clock's time split at local midnights (a running
    clock counts until `now`), and the FRT hours of the jobs finished each day. Two queries."""
    from django.db.models import Sum
    from django.db.models.functions import TruncDate

    from aftercare.core.dates import local_day_bounds

    since, until = local_day_bounds(start, end)
    now = now or timezone.now()
    store_ids = list(store_ids)
    result: dict = {}

    def row(key):
        return result.setdefault(key, {"clocked_seconds": 0, "frt_hours": Decimal("0.00"), "jobs": 0})

    clocks = (
        JobClock.objects.filter(job__store_id__in=store_ids, started_at__lt=until)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=since))
        .values_list("job__store_id", "technician_id", "started_at", "ended_at")
    )
    for store_id, tech_id, started, ended in clocks.iterator(chunk_size=2000):
        begin, finish = max(started, since), min(ended or now, until)
        while begin < finish:
            local = timezone.localtime(begin)
            midnight = timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), datetime.min.time()))
            piece_end = min(finish, midnight)
            row((store_id, local.date(), tech_id))["clocked_seconds"] += int((piece_end - begin).total_seconds())
            begin = piece_end
    finished = (
        Job.objects.filter(store_id__in=store_ids, status=JobStatus.DONE, finished_at__gte=since, finished_at__lt=until)
        .annotate(day=TruncDate("finished_at"))
        .values_list("store_id", "day", "technician_id")
        .annotate(frt=Sum("line__hours"), n=Count("id"))
        .order_by()
    )
    for store_id, day, tech_id, frt, n in finished:
        r = row((store_id, day, tech_id))
        r["frt_hours"], r["jobs"] = frt or Decimal("0.00"), n
    return result


def orders_with_jobs_finished(*, store_ids, start, end, technician_id=None):
    """The orders whose jobs were finished start..end (by one technician): a drill-down's rows."""
    from aftercare.core.dates import local_day_bounds

    since, until = local_day_bounds(start, end)
    jobs = Job.objects.filter(
        store_id__in=list(store_ids), status=JobStatus.DONE, finished_at__gte=since, finished_at__lt=until
    )
    if technician_id:
        jobs = jobs.filter(technician_id=technician_id)
    return RepairOrder.objects.filter(pk__in=jobs.values("repair_order_id"))


def clocked_and_reworks(*, store_ids, start, end) -> tuple[dict, dict]:
    """({technician id: clocked hours}, {technician id: reworks}) over the stores and the local days
    start..end, for the technician performance report (docs/DOMAIN.md §18.7). Three queries."""
    from aftercare.core.dates import local_day_bounds

    seconds: dict[int, int] = {}
    for (_store, _day, tech_id), row in daily_technician_hours(store_ids=store_ids, start=start, end=end).items():
        seconds[tech_id] = seconds.get(tech_id, 0) + row["clocked_seconds"]
    since, until = local_day_bounds(start, end)
    reworks = dict(
        Rework.objects.filter(job__store_id__in=list(store_ids), created_at__gte=since, created_at__lt=until)
        .order_by()
        .values_list("technician_id")
        .annotate(n=Count("id"))
    )
    return {tech: hours_from_seconds(s) for tech, s in seconds.items()}, reworks
