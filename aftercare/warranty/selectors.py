"""Reads of warranty: the verdict per coverage for a vehicle at reception, which
coverage an order's warranty lines need and whether it is met, claims near
their deadline, and first-free-maintenance uptake (docs/DOMAIN.md §14)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aftercare.catalog.choices import Powertrain
from aftercare.core.dates import add_months
from aftercare.service.choices import Payer, Status
from aftercare.service.models import RepairOrder

from .choices import EV_COVERAGES, FIRST_FREE_TYPE, Coverage, OverrideStatus
from .models import EligibilityOverride, ExtendedWarranty, WarrantyPolicy

ELIGIBLE, EXPIRED, USED, UNKNOWN = "eligible", "expired", "used", "unknown"
# Coverages a warranty (保修) line may fall under: the basic warranty, or a component's longer one.
WARRANTY_COVERAGES = (Coverage.BASIC, Coverage.POWERTRAIN, *EV_COVERAGES)


@dataclass
class Verdict:
    """One coverage of one vehicle on one day at one odometer reading."""

    coverage: str
    label: str
    state: str
    until: date | None = None
    km_limit: int | None = None
    days_left: int | None = None
    km_left: int | None = None
    expired_on: date | None = None
    used_on: str = ""
    extended: bool = False
    exclusions: tuple[str, ...] = ()
    text: str = ""

    @property
    def eligible(self) -> bool:
        return self.state == ELIGIBLE


def _time_left(on: date, until: date) -> str:
    """Whole years, else whole months, else days from `on` to `until`."""
    months = (until.year - on.year) * 12 + until.month - on.month - (until.day < on.day)
    if months >= 12:
        return ngettext("%(n)d year", "%(n)d years", months // 12) % {"n": months // 12}
    if months >= 1:
        return ngettext("%(n)d month", "%(n)d months", months) % {"n": months}
    days = (until - on).days
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


def vehicle_policies(vehicle) -> dict[str, WarrantyPolicy]:
    """The vehicle's policy of each coverage: its model's row before its brand's,
    among those in force on the day it was sold. One query; the few rows of a
    brand are sorted and dated here rather than by the database."""
    sold = vehicle.warranty_start or vehicle.purchase_date or timezone.localdate()
    rows = WarrantyPolicy.objects.filter(store_id=vehicle.store_id, brand=vehicle.brand, model__in=("", vehicle.model))
    chosen: dict[str, WarrantyPolicy] = {}
    for policy in sorted(rows, key=lambda p: (p.model, -(p.valid_from or date.min).toordinal(), p.pk)):
        if (policy.valid_from and policy.valid_from > sold) or (policy.valid_to and policy.valid_to < sold):
            continue
        if policy.coverage in EV_COVERAGES and vehicle.powertrain == Powertrain.ICE:
            continue
        current = chosen.get(policy.coverage)
        if current is None or (policy.model and not current.model):
            chosen[policy.coverage] = policy
    return chosen


def first_free_used(vehicle, *, exclude_order_id=None) -> RepairOrder | None:
    """The earlier order that used the vehicle's one first free maintenance, or None."""
    orders = RepairOrder.objects.filter(vehicle_id=vehicle.pk, repair_type__code=FIRST_FREE_TYPE).exclude(
        status=Status.CANCELLED
    )
    if exclude_order_id:
        orders = orders.exclude(pk=exclude_order_id).filter(pk__lt=exclude_order_id)
    return orders.filter(lines__payer=Payer.WARRANTY).order_by("opened_at", "id").only("number", "opened_at").first()


def eligibility(vehicle, *, on: date | None = None, km: int | None = None, order_id=None) -> list[Verdict]:
    """One verdict per coverage of the vehicle's policies, in the order of Coverage:
    covered while the day is no later than the start + months - 1 day and the
    odometer no higher than the km limit, whichever ends first; an extended
    warranty prolongs its coverage to its own date and km; the first free
    maintenance is used once (docs/DOMAIN.md §14.2). Three queries."""
    on = on or timezone.localdate()
    km = km if km is not None else (vehicle.odometer_km or 0)
    policies = vehicle_policies(vehicle)
    if not policies:
        return []
    extended: dict[str, ExtendedWarranty] = {}
    for contract in sorted(ExtendedWarranty.objects.filter(vehicle_id=vehicle.pk), key=lambda c: c.ends_on):
        extended[contract.coverage] = contract
    start = vehicle.warranty_start or vehicle.purchase_date
    verdicts = []
    for coverage, label in Coverage.choices:
        policy = policies.get(coverage)
        if policy is None:
            continue
        verdict = Verdict(coverage=coverage, label=str(label), state=UNKNOWN, exclusions=tuple(policy.exclusions))
        if start is None:
            verdict.text = _("No purchase date: the carmaker decides.")
            verdicts.append(verdict)
            continue
        until, limit = add_months(start, policy.months) - timedelta(days=1), policy.km
        contract = extended.get(coverage)
        if contract and coverage != Coverage.FIRST_FREE:
            until, limit, verdict.extended = max(until, contract.ends_on), max(limit, contract.km), True
        verdict.until, verdict.km_limit = until, limit
        if coverage == Coverage.FIRST_FREE and (used := first_free_used(vehicle, exclude_order_id=order_id)):
            verdict.state, verdict.used_on = USED, used.number
            verdict.text = _("Used on %(order)s") % {"order": used.number}
        elif on > until:
            verdict.state, verdict.expired_on = EXPIRED, until
            verdict.text = _("Expired %(date)s") % {"date": until.isoformat()}
        elif km > limit:
            verdict.state = EXPIRED
            verdict.text = _("Expired at %(km)s km") % {"km": f"{limit:,}"}
        else:
            verdict.state = ELIGIBLE
            verdict.days_left, verdict.km_left = (until - on).days, limit - km
            if coverage == Coverage.FIRST_FREE:
                verdict.text = _("Eligible until %(date)s or %(km)s km") % {
                    "date": until.isoformat(), "km": f"{limit:,}",
                }  # fmt: skip
            else:
                verdict.text = _("%(time)s / %(km)s km left") % {
                    "time": _time_left(on, until), "km": f"{verdict.km_left:,}",
                }  # fmt: skip
        verdicts.append(verdict)
    return verdicts


@dataclass
class OrderCheck:
    """What an order's warranty lines need: the coverage, whether it is met, and
    the lines a wear-part exclusion catches."""

    coverage: str
    covered: bool
    verdicts: list[Verdict]  # every coverage of the vehicle, for the panel
    excluded_line_ids: list[int]
    override: EligibilityOverride | None

    @property
    def needs_override(self) -> bool:
        return (not self.covered or bool(self.excluded_line_ids)) and not (
            self.override and self.override.status == OverrideStatus.APPROVED
        )


def order_check(order: RepairOrder, *, lines=None) -> OrderCheck | None:
    """None when the order has no warranty line or the vehicle's brand has no
    policy (the carmaker decides); otherwise whether its coverage is met."""
    if lines is None:
        lines = list(
            order.lines.filter(payer=Payer.WARRANTY).exclude(status="declined").values_list("id", "kind", "description")
        )
    else:
        lines = [
            (line.pk, line.kind, line.description)
            for line in lines
            if line.payer == Payer.WARRANTY and line.status != "declined"
        ]
    if not lines:
        return None
    vehicle = order.vehicle
    verdicts = eligibility(
        vehicle, on=timezone.localtime(order.opened_at).date(), km=order.odometer_km, order_id=order.pk
    )
    if not verdicts:
        return None
    first_free = order.repair_type.code == FIRST_FREE_TYPE
    coverage = Coverage.FIRST_FREE if first_free else Coverage.BASIC
    wanted = (Coverage.FIRST_FREE,) if first_free else WARRANTY_COVERAGES
    relevant = [v for v in verdicts if v.coverage in wanted]
    covered = any(v.eligible for v in relevant)
    excluded = []
    if not first_free:
        words = {word for v in relevant if v.coverage == Coverage.BASIC for word in v.exclusions}
        excluded = [pk for pk, kind, text in lines if kind == "part" and any(word in text for word in words)]
    override = (
        EligibilityOverride.objects.filter(repair_order=order, coverage=coverage)
        .exclude(status=OverrideStatus.REFUSED)
        .order_by("-status", "-id")  # approved before pending
        .first()
    )
    return OrderCheck(coverage, covered, verdicts, excluded, override)


def first_free_uptake(store, *, start: date, end: date) -> list[dict]:
    """Vehicles of the store whose first free maintenance window closed or is open in
    [start, end]: each with whether it came (used) or not. The retention engine's
    solicitation list reads the ones that did not come (docs/DOMAIN.md §11, §14.5)."""
    from aftercare.customers.models import Vehicle

    rows = []
    policies = list(WarrantyPolicy.objects.for_store(store).filter(coverage=Coverage.FIRST_FREE))
    by_brand: dict[tuple[str, str], WarrantyPolicy] = {}
    for policy in policies:
        by_brand.setdefault((policy.brand, policy.model), policy)
    used = set(
        RepairOrder.objects.filter(store=store, repair_type__code=FIRST_FREE_TYPE, lines__payer=Payer.WARRANTY)
        .exclude(status=Status.CANCELLED)
        .values_list("vehicle_id", flat=True)
    )
    vehicles = (
        Vehicle.objects.filter(store=store, is_active=True, purchase_date__isnull=False)
        .filter(Q(brand__in={b for b, _m in by_brand}))
        .select_related("owner")
    )
    for vehicle in vehicles.order_by("purchase_date", "id"):
        policy = by_brand.get((vehicle.brand, vehicle.model)) or by_brand.get((vehicle.brand, ""))
        if policy is None:
            continue
        until = add_months(vehicle.purchase_date, policy.months) - timedelta(days=1)
        if until < start or vehicle.purchase_date > end:
            continue
        rows.append({"vehicle": vehicle, "until": until, "km": policy.km, "came": vehicle.pk in used})
    return rows


def first_free_not_come(store, *, on: date | None = None) -> list:
    """Vehicles still inside their first-free-maintenance window that have not come: who to invite."""
    on = on or timezone.localdate()
    return [row["vehicle"] for row in first_free_uptake(store, start=on, end=on) if not row["came"]]
