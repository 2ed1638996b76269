"""Each car's own mileage (docs/DOMAIN.md §11.4): a robust km/day estimate from its
odometer readings and the day its next maintenance falls due.

The estimate is a weighted Theil-Sen slope: the rate of every pair of readings at
least a day apart, each pair weighted by the recency of its earlier reading (a
half-life of 180 days), and the weighted median of those rates. A median ignores an
outlier (a mistyped reading makes a few wild pairs, not a wild answer), and recent
driving counts more than the first year's. A correction (a replaced instrument, a
typo put right) starts a new series: pairs never span it. A new car's purchase
date counts as a reading of 0 km. With fewer than two usable readings the
store's default rate is used."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.core.dates import add_months
from aftercare.customers.choices import OdometerSource
from aftercare.customers.models import OdometerReading, Vehicle
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder

from .models import CrmSettings, VehicleForecast

HALF_LIFE_DAYS = 180
MAX_KM_PER_DAY = 1000
MIN_PAIR_DAYS = 1


@dataclass(frozen=True)
class Reading:
    day: date
    km: int
    correction: bool = False


@dataclass(frozen=True)
class Estimate:
    km_per_day: float
    basis: str
    readings: int
    from_default: bool


def _series(readings: list[Reading]) -> list[list[Reading]]:
    """The readings in time order, cut at every correction or drop in km."""
    series: list[list[Reading]] = [[]]
    for reading in sorted(readings, key=lambda r: r.day):
        current = series[-1]
        if current and (reading.correction or reading.km < current[-1].km):
            series.append([reading])
        else:
            current.append(reading)
    return [s for s in series if s]


def _weighted_median(pairs: list[tuple[float, float]]) -> float:
    pairs = sorted(pairs)
    half = sum(w for _rate, w in pairs) / 2
    running = 0.0
    for rate, weight in pairs:
        running += weight
        if running >= half:
            return rate
    return pairs[-1][0]


def estimate_km_per_day(readings: list[Reading], *, today: date, default: float) -> Estimate:
    pairs = []
    used = set()
    for series in _series(readings):
        for i, first in enumerate(series):
            for second in series[i + 1 :]:
                days = (second.day - first.day).days
                if days < MIN_PAIR_DAYS:
                    continue
                rate = (second.km - first.km) / days
                if not 0 <= rate <= MAX_KM_PER_DAY:
                    continue
                age = max((today - first.day).days, 0)  # both readings recent: the pair counts
                pairs.append((rate, 0.5 ** (age / HALF_LIFE_DAYS)))
                used.update((first, second))
    if not pairs:
        return Estimate(float(default), _("Store default (too few readings)"), len(readings), True)
    rate = _weighted_median(pairs)
    return Estimate(
        rate, _("%(n)s readings, recent ones weigh more (median of %(pairs)s rates)")
        % {"n": len(used), "pairs": len(pairs)}, len(used), False,
    )  # fmt: skip


@dataclass(frozen=True)
class DueDay:
    day: date
    basis: str
    calendar: date | None
    projected: date | None
    km_per_day: float
    due_km: int | None


def vehicle_readings(vehicle: Vehicle) -> list[Reading]:
    rows = OdometerReading.objects.filter(vehicle=vehicle).values_list("recorded_at", "km", "source")
    readings = [Reading(timezone.localdate(at), km, source == OdometerSource.CORRECTION) for at, km, source in rows]
    if vehicle.purchase_date and not any(r.correction for r in readings):
        if not readings or vehicle.purchase_date < min(r.day for r in readings):
            readings.append(Reading(vehicle.purchase_date, 0))
    return readings


def first_cycle_day(first_visit: date, *, today: date, months: int) -> date:
    """First visit + every `months` months (docs/DOMAIN.md §11.5): the first such day from today on."""
    step = 1
    while add_months(first_visit, step * months) < today:
        step += 1
    return add_months(first_visit, step * months)


def project(
    vehicle: Vehicle, readings: list[Reading], *, today: date, default: float, first_visit: date | None = None,
    first_cycle_months: int = 3,
) -> DueDay:  # fmt: skip
    """The next maintenance: the earlier of the calendar date and the projected day.
    A vehicle with neither its own cycle's start on file (no maintenance, no purchase
    date) nor its own mileage (too few readings) is due at the store's first cycle:
    first visit + every `first_cycle_months` months (docs/DOMAIN.md §11.5)."""
    calendar, due_km = vehicle.next_service_due()
    estimate = estimate_km_per_day(readings, today=today, default=default)
    if calendar is None and estimate.from_default and first_visit is not None:
        day = first_cycle_day(first_visit, today=today, months=first_cycle_months)
        basis = _("first visit %(day)s + every %(months)s months") % {
            "day": f"{first_visit:%Y-%m-%d}", "months": first_cycle_months,
        }  # fmt: skip
        return DueDay(day, basis[:200], day, None, estimate.km_per_day, due_km)
    projected = None
    if readings and estimate.km_per_day > 0 and due_km is not None:
        last = max(readings, key=lambda r: (r.day, r.km))
        remaining = due_km - last.km
        projected = last.day + timedelta(days=max(int(remaining / estimate.km_per_day), 0))
    choices = [(d, label) for d, label in ((projected, _("mileage")), (calendar, _("calendar"))) if d is not None]
    if not choices:
        day, label = today + timedelta(days=30 * vehicle.maintenance_months), _("calendar")
    else:
        day, label = min(choices, key=lambda c: c[0])
    basis = f"{label} · {estimate.km_per_day:.1f} km/d · {estimate.basis}"
    return DueDay(day, basis[:200], calendar, projected, estimate.km_per_day, due_km)


def first_visits_of(vehicle_ids: list[int]) -> dict[int, date]:
    """vehicle id -> the day of its first repair order not cancelled (one grouped query)."""
    if not vehicle_ids:
        return {}
    rows = (
        RepairOrder.objects.filter(vehicle_id__in=vehicle_ids)
        .exclude(status=Status.CANCELLED)
        .values("vehicle_id")
        .annotate(first=Min("opened_at"))
        .order_by()
    )
    return {row["vehicle_id"]: timezone.localdate(row["first"]) for row in rows}


def forecasts_refresh(*, store, since: datetime | None, now=None) -> int:
    """Recompute the forecast of the vehicles with readings since `since` (None: all
    active vehicles of the store). One read of their readings, one bulk write."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    crm_settings = CrmSettings.for_store(store)
    default = crm_settings.default_km_per_day
    vehicles = Vehicle.objects.filter(store=store, is_active=True)
    if since is not None:
        changed = OdometerReading.objects.filter(vehicle__store=store, recorded_at__gte=since).values("vehicle_id")
        vehicles = vehicles.filter(pk__in=changed)
    vehicles = list(vehicles)
    by_vehicle: dict[int, list[Reading]] = {v.pk: [] for v in vehicles}
    rows = OdometerReading.objects.filter(vehicle_id__in=list(by_vehicle)).values_list(
        "vehicle_id", "recorded_at", "km", "source"
    )
    for vehicle_id, at, km, source in rows:
        by_vehicle[vehicle_id].append(Reading(timezone.localdate(at), km, source == OdometerSource.CORRECTION))
    forecasts = []
    first_visits = first_visits_of([v.pk for v in vehicles if v.last_service_at is None and v.purchase_date is None])
    for vehicle in vehicles:
        readings = by_vehicle[vehicle.pk]
        if vehicle.purchase_date and not any(r.correction for r in readings):
            if not readings or vehicle.purchase_date < min(r.day for r in readings):
                readings.append(Reading(vehicle.purchase_date, 0))
        due = project(
            vehicle, readings, today=today, default=default, first_visit=first_visits.get(vehicle.pk),
            first_cycle_months=crm_settings.first_cycle_months,
        )  # fmt: skip
        forecasts.append(
            VehicleForecast(
                vehicle=vehicle, store=store, km_per_day=Decimal(f"{due.km_per_day:.1f}"), basis=due.basis,
                readings=len(readings), due_km=due.due_km, calendar_on=due.calendar, projected_on=due.projected,
                due_on=due.day, computed_at=now,
            )
        )  # fmt: skip
    with transaction.atomic():
        VehicleForecast.objects.bulk_create(
            forecasts, update_conflicts=True, unique_fields=["vehicle"],
            update_fields=["km_per_day", "basis", "readings", "due_km", "calendar_on", "projected_on", "due_on",
                           "computed_at"],
        )  # fmt: skip
    return len(forecasts)


def maintenance_due_vehicles(*, store, start: date, days: int):
    """(vehicle, DueDay) of the store's vehicles whose maintenance falls due in [start, start + days]."""
    rows = VehicleForecast.objects.filter(
        store=store, due_on__gte=start, due_on__lte=start + timedelta(days=days), vehicle__is_active=True
    ).select_related("vehicle__owner")
    for forecast in rows:
        yield forecast.vehicle, DueDay(
            forecast.due_on, forecast.basis, forecast.calendar_on, forecast.projected_on,
            float(forecast.km_per_day), forecast.due_km,
        )  # fmt: skip
