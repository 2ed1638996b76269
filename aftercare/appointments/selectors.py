"""Reads of the appointment book shared by the pages, the API and the services:
capacity (which start times are free, with which bays and technicians), the
day and week schedules, and the statistics (docs/DOMAIN.md §5.4).

Capacity for one day is computed in memory from a fixed handful of queries
(operations, bays, technicians, shifts, the day's appointments), whatever the
number of slots."""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from aftercare.accounts.models import Membership, User
from aftercare.accounts.roles import Role
from aftercare.catalog.choices import BayCapability, SiteKind
from aftercare.catalog.models import Bay, LabourOperation, Van
from aftercare.core.models import Store

from .choices import AppointmentStatus, Channel
from .models import Appointment, StoreSchedule, TechnicianShift

# What a bay must be equipped with for the operations of a category. High-voltage
# operations need the EV bay whatever their category (LabourOperation.high_voltage).
CATEGORY_CAPABILITIES: dict[str, frozenset[str]] = {
    "maintenance": frozenset({BayCapability.LIFT}),
    "engine": frozenset({BayCapability.LIFT}),
    "brakes": frozenset({BayCapability.LIFT}),
    "tyres": frozenset({BayCapability.LIFT}),
    "chassis": frozenset({BayCapability.LIFT}),
    "ev": frozenset({BayCapability.LIFT, BayCapability.EV_HIGH_VOLTAGE}),
    "paint": frozenset({BayCapability.PAINT_BOOTH}),
}


# The catalogue does not (yet) record which equipment an operation needs, so
# wheel alignment (四轮定位) is recognised by its name.
ALIGNMENT_WORDS = ("定位", "alignment")


def required_capabilities(operations) -> frozenset[str]:
    needed: set[str] = set()
    for op in operations:
        if op.category_id is not None:
            needed |= CATEGORY_CAPABILITIES.get(op.category.code, frozenset())
        if op.high_voltage:
            needed.add(BayCapability.EV_HIGH_VOLTAGE)
        if any(word in op.name.lower() for word in ALIGNMENT_WORDS):
            needed.add(BayCapability.ALIGNMENT)
    return frozenset(needed)


def needs_hv_technician(operations) -> bool:
    return any(op.high_voltage for op in operations)


# When a booking mixes kinds of site work, the most demanding names it (docs/DOMAIN.md §17.9).
SITE_KIND_ORDER = (SiteKind.WALLBOX, SiteKind.CHARGER_REPAIR, SiteKind.HOME)


def site_kind_of(operations) -> str:
    """The kind of site work `operations` make ("" for work in the workshop): one operation
    done on site takes the whole visit to the customer's address."""
    kinds = {op.site_kind for op in operations if op.site_kind}
    return next((kind for kind in SITE_KIND_ORDER if kind in kinds), "")


def trip_minutes(work_minutes: int, travel_minutes: int, slot_minutes: int) -> int:
    """How long site work holds its technician and van: there, the work, and back, in whole slots."""
    return math.ceil((work_minutes + 2 * travel_minutes) / slot_minutes) * slot_minutes


def booked_minutes(hours: Decimal, slot_minutes: int) -> int:
    """FRT hours rounded up to whole slots; work without hours (a diagnosis) takes one slot."""
    minutes = math.ceil(Decimal(hours) * 60)
    return max(1, math.ceil(minutes / slot_minutes)) * slot_minutes


def local_datetime(day: date, at: time | str) -> datetime:
    # A Store created in this request still holds its default opening hours as text.
    if isinstance(at, str):
        at = time.fromisoformat(at)
    return timezone.make_aware(datetime.combine(day, at))


def store_technicians(store: Store):
    """Active users holding the technician role in the store (or group-wide)."""
    memberships = Membership.objects.filter(is_active=True, role=Role.TECHNICIAN).filter(
        Q(store=store) | Q(store__isnull=True, group_id=store.group_id)
    )
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id")).order_by("full_name", "id")


@dataclass
class Slot:
    start: datetime
    end: datetime
    bays: list[Bay]
    technicians: list[User]


@dataclass
class DayPlan:
    """One store's day: when it is open, the bays and technicians able to do the
    booked work, when each technician works, and what is already booked.

    For site work (`site`, docs/DOMAIN.md §17.9) the places are the store's active vans,
    not its bays: `bays` and `busy_bays` then hold vans."""

    store: Store
    day: date
    opens: datetime
    closes: datetime
    slot_minutes: int
    duration_minutes: int
    bays: list[Bay]
    technicians: list[User]
    # technician id -> (from, to), or None when absent that day.
    working: dict[int, tuple[datetime, datetime] | None]
    busy_bays: dict[int, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    busy_technicians: dict[int, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    site: bool = False

    @staticmethod
    def _free(intervals, start, end) -> bool:
        return all(not (s < end and e > start) for s, e in intervals)

    def is_open(self, start: datetime, end: datetime) -> bool:
        return self.opens <= start and end <= self.closes

    def bay_free(self, bay_id: int, start: datetime, end: datetime) -> bool:
        return self._free(self.busy_bays.get(bay_id, ()), start, end)

    def technician_works(self, technician_id: int, start: datetime, end: datetime) -> bool:
        hours = self.working.get(technician_id, (self.opens, self.closes))
        return hours is not None and hours[0] <= start and end <= hours[1]

    def technician_free(self, technician_id: int, start: datetime, end: datetime) -> bool:
        return self.technician_works(technician_id, start, end) and self._free(
            self.busy_technicians.get(technician_id, ()), start, end
        )

    def free_at(self, start: datetime, end: datetime) -> tuple[list[Bay], list[User]]:
        if not self.is_open(start, end):
            return [], []
        return (
            [bay for bay in self.bays if self.bay_free(bay.pk, start, end)],
            [tech for tech in self.technicians if self.technician_free(tech.pk, start, end)],
        )

    def slots(self, *, now: datetime | None = None) -> list[Slot]:
        """Every start on the slot grid from opening time where the work fits
        before closing with at least one free bay and one free technician."""
        step = timedelta(minutes=self.slot_minutes)
        length = timedelta(minutes=self.duration_minutes)
        found = []
        start = self.opens
        while start + length <= self.closes:
            if now is None or start >= now:
                bays, technicians = self.free_at(start, start + length)
                if bays and technicians:
                    found.append(Slot(start, start + length, bays, technicians))
            start += step
        return found


def day_plan(
    *,
    store: Store,
    day: date,
    operations: list[LabourOperation],
    duration_minutes: int | None = None,
    schedule: StoreSchedule | None = None,
    exclude_appointment_id: int | None = None,
    travel_minutes: int = 0,
) -> DayPlan:
    """Capacity of `store` on `day` for work made of `operations` (already
    loaded with their categories). Five queries.

    Site work (an operation done on site) counts technicians and vans, not bays; without a
    given duration it lasts the work plus `travel_minutes` each way."""
    schedule = schedule or StoreSchedule.for_store(store)
    site = bool(site_kind_of(operations))
    if duration_minutes is None:
        hours = sum((op.frt_hours for op in operations), Decimal("0"))
        duration_minutes = booked_minutes(hours, schedule.slot_minutes)
        if site:
            duration_minutes = trip_minutes(duration_minutes, travel_minutes, schedule.slot_minutes)
    if site:
        bays = list(Van.objects.filter(store=store, is_active=True).order_by("code"))
    else:
        needed = required_capabilities(operations)
        bays = [
            bay
            for bay in Bay.objects.filter(store=store, is_active=True).order_by("code")
            if needed <= set(bay.capabilities)
        ]
        # Ordinary work goes to the plainest bay first, keeping special bays (EV,
        # alignment) free for the work only they can do.
        bays.sort(key=lambda bay: (len(bay.capabilities), bay.code))
    technicians = list(store_technicians(store))
    if needs_hv_technician(operations):
        technicians = [tech for tech in technicians if tech.hv_certified]
    opens, closes = local_datetime(day, store.opens_at), local_datetime(day, store.closes_at)
    working: dict[int, tuple[datetime, datetime] | None] = {}
    for shift in TechnicianShift.objects.filter(store=store, day=day):
        working[shift.technician_id] = (
            None if shift.is_absent else (local_datetime(day, shift.starts_at), local_datetime(day, shift.ends_at))
        )
    plan = DayPlan(
        store=store, day=day, opens=opens, closes=closes, slot_minutes=schedule.slot_minutes,
        duration_minutes=duration_minutes, bays=bays, technicians=technicians, working=working, site=site,
    )  # fmt: skip
    booked = Appointment.objects.filter(store=store).holding().on_day(opens, closes)
    if exclude_appointment_id is not None:
        booked = booked.exclude(pk=exclude_appointment_id)
    place = "van_id" if site else "bay_id"
    for place_id, technician_id, start, end in booked.values_list(place, "technician_id", "start_at", "end_at"):
        if place_id is not None:
            plan.busy_bays.setdefault(place_id, []).append((start, end))
        if technician_id is not None:
            plan.busy_technicians.setdefault(technician_id, []).append((start, end))
    return plan


def free_slots(
    *,
    store: Store,
    day: date,
    operations: list[LabourOperation],
    now: datetime | None = None,
    travel_minutes: int = 0,
) -> list[Slot]:
    """The feasible start times of `operations` on `day` (none in the past); for site work,
    the times to leave the store with a free technician and van."""
    now = now or timezone.now()
    if day < timezone.localdate(now):
        return []
    return day_plan(store=store, day=day, operations=operations, travel_minutes=travel_minutes).slots(now=now)


# --- schedules --------------------------------------------------------------------------


@dataclass
class GridItem:
    appointment: Appointment
    column: int  # 1-based grid column of the start slot, after the label column
    span: int


@dataclass
class GridRow:
    label: str
    bay: Bay | None
    items: list[GridItem]


def day_schedule(*, appointments, store: Store, day: date) -> dict:
    """The day grid: one row per active bay (and one for bookings without a
    bay), one column per slot of the opening hours. Three queries."""
    schedule = StoreSchedule.for_store(store)
    opens, closes = local_datetime(day, store.opens_at), local_datetime(day, store.closes_at)
    step = timedelta(minutes=schedule.slot_minutes)
    times = []
    moment = opens
    while moment < closes:
        times.append(moment)
        moment += step
    rows = {bay.pk: GridRow(str(bay), bay, []) for bay in Bay.objects.filter(store=store, is_active=True)}
    unassigned = GridRow("", None, [])
    listed = list(
        appointments.filter(store=store)
        .on_day(local_datetime(day, time.min), local_datetime(day + timedelta(days=1), time.min))
        .select_related("vehicle", "customer", "technician", "bay")
        .prefetch_related("operations__operation")
        .order_by("start_at", "id")
    )
    for appointment in listed:
        start = max(appointment.start_at, opens)
        end = min(appointment.end_at, closes)
        column = int((start - opens) / step) + 2
        span = max(1, math.ceil((end - start) / step))
        row = rows.get(appointment.bay_id, unassigned) if appointment.is_holding else None
        if row is not None:
            row.items.append(GridItem(appointment, column, span))
    grid = list(rows.values()) + ([unassigned] if unassigned.items else [])
    return {"times": times, "closes": closes, "rows": grid, "appointments": listed, "columns": len(times)}


def week_schedule(*, appointments, store: Store, first_day: date) -> list[dict]:
    """Seven days from `first_day`, each with its appointments in time order. One query."""
    days = [first_day + timedelta(days=offset) for offset in range(7)]
    start, end = local_datetime(days[0], time.min), local_datetime(days[-1] + timedelta(days=1), time.min)
    by_day: dict[date, list[Appointment]] = {day: [] for day in days}
    for appointment in (
        appointments.filter(store=store, start_at__gte=start, start_at__lt=end)
        .select_related("vehicle", "customer")
        .order_by("start_at", "id")
    ):
        by_day[timezone.localdate(appointment.start_at)].append(appointment)
    return [
        {
            "day": day,
            "appointments": items,
            "holding": sum(1 for a in items if a.is_holding),
            "hours": sum((a.estimated_hours for a in items if a.is_holding), Decimal("0")),
        }
        for day, items in by_day.items()
    ]


# --- statistics (docs/DOMAIN.md §5.4) -----------------------------------------------------


def appointment_statistics(*, appointments, date_from: date, date_to: date) -> dict:
    """Counts of the appointments starting from `date_from` to `date_to`
    (inclusive): by status, by channel, and the show rate (came / came + no-show).
    One query."""
    start, end = local_datetime(date_from, time.min), local_datetime(date_to + timedelta(days=1), time.min)
    rows = (
        appointments.filter(start_at__gte=start, start_at__lt=end)
        .values("channel", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_status = dict.fromkeys(AppointmentStatus.values, 0)
    by_channel = dict.fromkeys(Channel.values, 0)
    for row in rows:
        by_status[row["status"]] += row["n"]
        by_channel[row["channel"]] += row["n"]
    came = by_status[AppointmentStatus.ARRIVED] + by_status[AppointmentStatus.CONVERTED]
    judged = came + by_status[AppointmentStatus.NO_SHOW]
    return {
        "total": sum(by_status.values()),
        "booked": by_status[AppointmentStatus.BOOKED],
        "arrived": came,
        "no_show": by_status[AppointmentStatus.NO_SHOW],
        "cancelled": by_status[AppointmentStatus.CANCELLED],
        "converted": by_status[AppointmentStatus.CONVERTED],
        "show_rate": (Decimal(came * 100) / judged).quantize(Decimal("0.1")) if judged else None,
        "by_status": by_status,
        "by_channel": [(value, label, by_channel[value]) for value, label in Channel.choices],
    }
