"""Recommendations (docs/DOMAIN.md §11.7): the catalogue's package jobs and operations
that match a customer's preferences and tags and the vehicle, each with its reason.

The rules are data (`RecommendationRule`, per store, the defaults below seeded on
first use). One rule is read two ways from the same columns: for one order at the
estimate (`for_order`, in Python over the rules and the order's customer and
vehicle), and for a campaign's segment (`for_segment`, one COUNT per rule over the
segment's members, the vehicle conditions as one EXISTS so one car meets them all).
An entry the store's catalogue does not hold (or holds inactive) is not recommended."""

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, OuterRef
from django.utils import timezone

from aftercare.catalog.models import LabourOperation, PackageJob
from aftercare.core.models import Store
from aftercare.customers.choices import Powertrain, Preference
from aftercare.customers.models import Vehicle

from .filters import _json_member
from .models import RecommendationRule

Kind = RecommendationRule.ItemKind

# code, conditions, (kind, catalogue code), reason shown (docs/DOMAIN.md §11.7)
DEFAULTS = [
    ("eco_oil", {"preference": Preference.ECO}, (Kind.PACKAGE, "PKG-ECO"), "客户偏好环保产品：推荐环保机油保养"),
    (
        "economy",
        {"preference": Preference.PRICE_SENSITIVE},
        (Kind.PACKAGE, "PKG-ECON"),
        "客户对价格敏感：推荐经济型保养套餐",
    ),
    (
        "ev_battery",
        {"powertrains": [Powertrain.BEV, Powertrain.PHEV]},
        (Kind.OPERATION, "V001"),
        "新能源车主：推荐动力电池包检测",
    ),
    ("brake_fluid", {"min_vehicle_age": 2}, (Kind.OPERATION, "M005"), "车龄两年以上：建议更换制动液"),
    ("summer_ac", {"months": [5, 6, 7, 8]}, (Kind.OPERATION, "A001"), "夏季用车：推荐空调系统清洗"),
]


def recommendation_rules_ensure(store: Store) -> list[RecommendationRule]:
    """The store's rules, created with the defaults the first time."""
    rules = list(RecommendationRule.objects.filter(store=store))
    have = {rule.code for rule in rules}
    missing = [
        RecommendationRule(
            store=store, code=code, item_kind=kind, item_code=item, reason=reason, sort_order=position, **conditions
        )
        for position, (code, conditions, (kind, item), reason) in enumerate(DEFAULTS)
        if code not in have
    ]  # fmt: skip
    if missing and not have:  # seeded once: a store that deleted a default keeps it deleted
        RecommendationRule.objects.bulk_create(missing, ignore_conflicts=True)
        rules = list(RecommendationRule.objects.filter(store=store))
    return sorted(rules, key=lambda r: (r.sort_order, r.pk))


def _vehicle_age_from(today: date, years: int) -> date:
    return today - relativedelta(years=years)


def rule_matches(rule: RecommendationRule, customer, vehicle, *, today: date) -> bool:
    """Every condition the rule sets holds for this customer and vehicle."""
    if rule.months and today.month not in rule.months:
        return False
    if rule.preference and rule.preference not in (customer.preferences or []):
        return False
    if rule.tag and rule.tag not in (customer.tags or []):
        return False
    if rule.powertrains and (vehicle is None or vehicle.powertrain not in rule.powertrains):
        return False
    if rule.min_vehicle_age is not None:
        if vehicle is None or vehicle.purchase_date is None:
            return False
        if vehicle.purchase_date > _vehicle_age_from(today, rule.min_vehicle_age):
            return False
    return True


@dataclass(frozen=True)
class Recommendation:
    rule: RecommendationRule
    item: PackageJob | LabourOperation
    reason: str
    count: int | None = None  # members of a segment it matches

    @property
    def is_package(self) -> bool:
        return self.rule.item_kind == Kind.PACKAGE


def _items(store: Store, rules) -> dict[tuple[str, str], object]:
    """(kind, code) -> the active catalogue entry as the store sees it (2 queries at most)."""
    found = {}
    for kind, model in ((Kind.PACKAGE, PackageJob), (Kind.OPERATION, LabourOperation)):
        codes = {rule.item_code for rule in rules if rule.item_kind == kind}
        if codes:
            for code, entry in model.objects.effective_by_key(store, codes).items():
                if entry.is_active:
                    found[(kind, code)] = entry
    return found


def _fits_vehicle(item, vehicle) -> bool:
    powertrains = getattr(item, "powertrains", None)
    return not powertrains or vehicle is None or vehicle.powertrain in powertrains


def for_order(order, *, today: date | None = None) -> list[Recommendation]:
    """What to recommend at this order's estimate: the matching rules' entries that are
    in the catalogue, fit the vehicle and are not on the order yet (3-4 queries)."""
    today = today or timezone.localdate()
    if order.customer_id is None:
        return []
    rules = [
        r
        for r in recommendation_rules_ensure(order.store)
        if r.enabled and rule_matches(r, order.customer, order.vehicle, today=today)
    ]
    if not rules:
        return []
    items = _items(order.store, rules)
    on_order = set(order.lines.exclude(status="declined").values_list("package_id", "code"))
    packages_on = {package for package, _code in on_order if package}
    codes_on = {code for _package, code in on_order}
    shown, seen = [], set()
    for rule in rules:
        item = items.get((rule.item_kind, rule.item_code))
        if item is None or (rule.item_kind, item.pk) in seen or not _fits_vehicle(item, order.vehicle):
            continue
        if (rule.item_kind == Kind.PACKAGE and item.pk in packages_on) or (
            rule.item_kind == Kind.OPERATION and item.code in codes_on
        ):
            continue
        seen.add((rule.item_kind, item.pk))
        shown.append(Recommendation(rule, item, rule.reason))
    return shown


def rule_members(rule: RecommendationRule, members, *, today: date):
    """The members (a Customer QuerySet) the rule matches: the same conditions as rule_matches."""
    if rule.months and today.month not in rule.months:
        return members.none()
    if rule.preference:
        members = _json_member(members, "preferences", rule.preference)
    if rule.tag:
        members = _json_member(members, "tags", rule.tag)
    vehicle = {}
    if rule.powertrains:
        vehicle["powertrain__in"] = rule.powertrains
    if rule.min_vehicle_age is not None:
        vehicle["purchase_date__lte"] = _vehicle_age_from(today, rule.min_vehicle_age)
    if vehicle:
        members = members.filter(Exists(Vehicle.objects.filter(owner=OuterRef("pk"), is_active=True, **vehicle)))
    return members


def for_segment(segment, *, today: date | None = None) -> list[Recommendation]:
    """Each enabled rule's entry with how many of the segment's members it matches (one COUNT per rule)."""
    from .filters import segment_members

    today = today or timezone.localdate()
    rules = [r for r in recommendation_rules_ensure(segment.store) if r.enabled]
    items = _items(segment.store, rules)
    members = segment_members(segment)
    shown = []
    for rule in rules:
        item = items.get((rule.item_kind, rule.item_code))
        if item is None:
            continue
        count = rule_members(rule, members, today=today).count()
        if count:
            shown.append(Recommendation(rule, item, rule.reason, count))
    return shown
