"""Reads of the EV app shared by the vehicle panel, the API, the care specialist's list
and the benchmark (docs/DOMAIN.md §17)."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.catalog.choices import Powertrain
from aftercare.catalog.models import PackageJob
from aftercare.core.permissions import Perm

from .choices import (
    DEEP_DISCHARGE,
    FORECAST_HORIZON_DAYS,
    HIGH_DC_SHARE,
    SERVICE_THRESHOLD,
    WARRANTY_THRESHOLD,
    Controller,
    DtcStatus,
    ForecastStatus,
)
from .forecast import forecast
from .models import BatteryForecast, BatteryReading, SoftwareVersion, TroubleCode

EV_POWERTRAINS = (Powertrain.HEV, Powertrain.PHEV, Powertrain.BEV)


def warranty_threshold() -> Decimal:
    """The SOH below which the battery coverage replaces the pack. Warranty policies state
    months and km only, so this is docs/DOMAIN.md §17.3's default until a policy states one."""
    return WARRANTY_THRESHOLD


def powertrain_line_marks(order, line_ids: list[int]) -> dict[int, str]:
    """{line id: mark} for the lines whose operation or package job does not apply to the
    vehicle's powertrain (an oil service on a BEV), in one query (docs/DOMAIN.md §17.1)."""
    from aftercare.service.models import RepairOrderLine

    rows = (
        RepairOrderLine.objects.filter(pk__in=line_ids)
        .filter(Q(operation__isnull=False) | Q(package__isnull=False))
        .values_list("pk", "operation__powertrains", "package__powertrains", "repair_order__vehicle__powertrain")
    )
    label = _("Does not fit this vehicle's powertrain")
    return {
        pk: label
        for pk, op_pts, pkg_pts, powertrain in rows
        if (op_pts and powertrain not in op_pts) or (pkg_pts and powertrain not in pkg_pts)
    }


def schedule_for(store, powertrain: str) -> list[PackageJob]:
    """The maintenance schedule of a powertrain in a store: the store's effective package jobs
    with an interval that apply to it, shortest interval first (docs/DOMAIN.md §17.1)."""
    jobs = (
        PackageJob.objects.effective_for_store(store)
        .active()
        .filter(Q(interval_km__isnull=False) | Q(interval_months__isnull=False))
    )
    return sorted(
        (job for job in jobs if job.applies_to(powertrain)),
        key=lambda job: (job.interval_km or 10**9, job.interval_months or 10**4, job.code),
    )


@dataclass
class Advice:
    level: str  # bootstrap colour
    text: str


def charging_advice(reading) -> list[Advice]:
    """What the advisor tells the owner about their charging habits (docs/DOMAIN.md §17.2)."""
    advice = []
    if reading is None:
        return advice
    if reading.dc_share is not None and reading.dc_share >= HIGH_DC_SHARE:
        advice.append(Advice("warning", _(
            "Most charging is DC fast charging: advise slow AC charging at home where possible; "
            "noted on the delivery explanation."
        )))  # fmt: skip
    if reading.depth_of_discharge is not None and reading.depth_of_discharge >= DEEP_DISCHARGE:
        advice.append(Advice("warning", _(
            "The battery is often run nearly empty: advise charging before 20 % and to 80-90 % for daily use."
        )))  # fmt: skip
    if reading.max_cell_temp is not None and reading.max_cell_temp >= 50:
        advice.append(Advice("danger", _("High cell temperature seen: check the battery cooling.")))
    if reading.cell_spread_mv is not None and reading.cell_spread_mv >= 100:
        advice.append(Advice("danger", _("Large cell voltage spread: a battery balance check is due.")))
    if not advice:
        advice.append(Advice("success", _("Charging habits are kind to the battery.")))
    return advice


def current_versions(vehicle) -> list[SoftwareVersion]:
    return list(SoftwareVersion.objects.filter(vehicle=vehicle, is_current=True).order_by("controller"))


def version_history(vehicle) -> list[SoftwareVersion]:
    """Every controller's versions, newest first within each controller (BMS, VCU, MCU, infotainment)."""
    order = {value: index for index, value in enumerate(Controller.values)}
    rows = SoftwareVersion.objects.filter(vehicle=vehicle).select_related("order").order_by("-installed_at", "-id")
    return sorted(rows, key=lambda row: order.get(row.controller, 99))


def vehicle_panel(vehicle) -> dict:
    """What the EV panel of the vehicle page shows, in five queries."""
    readings = list(BatteryReading.objects.filter(vehicle=vehicle).order_by("read_at"))
    threshold = warranty_threshold()
    result = forecast([(timezone.localdate(r.read_at), r.soh) for r in readings], (SERVICE_THRESHOLD, threshold))
    latest = readings[-1] if readings else None
    habits = next((r for r in reversed(readings) if r.dc_share is not None or r.sessions_per_week is not None), None)
    return {
        "readings": readings,
        "latest": latest,
        "habits": habits,
        "advice": charging_advice(habits),
        "forecast": result,
        "service": result.crossing(SERVICE_THRESHOLD),
        "warranty": result.crossing(threshold),
        "service_threshold": SERVICE_THRESHOLD,
        "warranty_threshold": threshold,
        "enough": result.status != ForecastStatus.NOT_ENOUGH,
        "chart": chart_data(readings, result, threshold),
        "open_codes": list(TroubleCode.objects.filter(vehicle=vehicle, status=DtcStatus.OPEN).order_by("-last_seen")),
        "versions": version_history(vehicle),
        "battery_serial": battery_serial(vehicle),
    }


def chart_data(readings, result, threshold) -> dict:
    """The SOH chart's series as plain data (json_script): readings, the fitted line up to the
    warranty crossing, and both thresholds."""
    points = [[f"{timezone.localdate(r.read_at):%Y-%m-%d}", float(r.soh)] for r in readings]
    line = []
    if result.slope_per_year is not None and readings:
        first = timezone.localdate(readings[0].read_at)
        crossing = result.crossing(threshold)
        end = crossing.on if crossing and crossing.on else result.last_day + timedelta(days=365)
        end = min(end, result.last_day + timedelta(days=365 * 8))
        line = [[f"{day:%Y-%m-%d}", round(result.fitted(day), 2)] for day in (first, result.last_day, end)]
    return {
        "points": points, "fit": line, "service": float(SERVICE_THRESHOLD), "warranty": float(threshold),
        "labels": {"soh": _("SOH %"), "fit": _("Trend"), "service": _("Service threshold"),
                   "warranty": _("Warranty threshold")},
    }  # fmt: skip


def battery_serial(vehicle):
    """The traction battery pack fitted to the vehicle (parts' serial-numbered EV core parts), or None."""
    from aftercare.parts.choices import SerialStatus
    from aftercare.parts.models import SerialUnit

    return (
        SerialUnit.objects.filter(vehicle=vehicle, status=SerialStatus.FITTED, item__part__name__contains="电池")
        .select_related("item__part").order_by("-fitted_at", "-id").first()
    )  # fmt: skip


def forecasts_due(user, *, days: int = FORECAST_HORIZON_DAYS, today=None):
    """The care specialist's list: vehicles whose SOH is forecast to cross the service or the
    warranty threshold within `days` (default 6 months), soonest first."""
    today = today or timezone.localdate()
    until = today + timedelta(days=days)
    return (
        BatteryForecast.objects.for_user(user, Perm.CUSTOMER_VIEW)
        .filter(Q(service_on__lte=until) | Q(warranty_on__lte=until), status=ForecastStatus.FORECAST,
                vehicle__is_active=True)
        .select_related("vehicle", "vehicle__owner", "store")
        .order_by("service_on", "warranty_on", "vehicle_id")
    )  # fmt: skip


class ScheduleCache:
    """The maintenance schedule of each (store, powertrain), read once per run of the reminders."""

    def __init__(self):
        self.schedules = {}

    def services_due(self, vehicle, due_km: int | None) -> list[PackageJob]:
        """The schedule's package jobs due at `due_km` (those whose km interval divides it), else the
        schedule's first step: a BEV is reminded of its battery check, never of an oil service."""
        key = (vehicle.store_id, vehicle.powertrain)
        if key not in self.schedules:
            self.schedules[key] = schedule_for(vehicle.store, vehicle.powertrain)
        schedule = self.schedules[key]
        due = [job for job in schedule if due_km and job.interval_km and due_km % job.interval_km == 0]
        return due or schedule[:1]


def services_text(jobs) -> str:
    return "、".join(job.name for job in jobs)
