"""The nightly segment run (docs/DOMAIN.md §11.1): lifecycle stage, value tier and
ABC class of customers and vehicles, computed from the data, set-based.

Only the customers whose answer can have changed since the last run are read:
those seen since, those whose last visit crossed the at-risk or lost boundary,
whose first visit crossed the "new" boundary, and those with orders settled since
or leaving the spend window. For each batch of them: one INSERT of the missing
profiles, one UPDATE of first visit, spend and visits through sub-queries, one
read of the rows whose stage, tier or class differs from the rule, one UPDATE
per value reached and the history rows in bulk. A rerun changes nothing."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry, Store
from aftercare.core.money import to_money
from aftercare.customers.choices import ABCClass
from aftercare.customers.models import ClassChange, Customer, Vehicle
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder

from .choices import Dimension, Stage, Tier
from .models import ZERO, CrmSettings, CustomerProfile, SegmentChange

PAID = (Status.SETTLED, Status.DELIVERED)
BATCH = 2000
# An order opened this long before the last run and settled since is still found
# incrementally; an older one waits for the monthly full run (the 1st).
SETTLE_LAG_DAYS = 90
# A class set by a person stands this long before the nightly rule may change it again.
MANUAL_CLASS_MONTHS = 12


@dataclass
class SegmentRun:
    customers_read: int = 0
    stage_changes: int = 0
    tier_changes: int = 0
    class_changes: int = 0
    vehicle_class_changes: int = 0
    full: bool = False
    forecasts: int = 0
    changed: dict = field(default_factory=dict)


def stage_for(*, last_visit, first_visit, now, rules: CrmSettings) -> str:
    """The stage rule in Python, for pages and tests (the run uses stage_case, the same rule)."""
    if last_visit is None:
        return Stage.NONE
    if last_visit < now - relativedelta(months=rules.lost_months):
        return Stage.LOST
    if last_visit < now - relativedelta(months=rules.at_risk_months):
        return Stage.AT_RISK
    if first_visit is not None and first_visit >= now - relativedelta(months=rules.new_months):
        return Stage.NEW
    return Stage.REGULAR


def stage_case(*, now, rules: CrmSettings, last="customer__last_visit_at", first="first_visit_at") -> Case:
    return Case(
        When(**{f"{last}__isnull": True}, then=Value(Stage.NONE)),
        When(**{f"{last}__lt": now - relativedelta(months=rules.lost_months)}, then=Value(Stage.LOST)),
        When(**{f"{last}__lt": now - relativedelta(months=rules.at_risk_months)}, then=Value(Stage.AT_RISK)),
        When(**{f"{first}__gte": now - relativedelta(months=rules.new_months)}, then=Value(Stage.NEW)),
        default=Value(Stage.REGULAR),
    )


def class_case(*, spend: str, visits: str, rules: CrmSettings) -> Case:
    """ABC class from 12-month spend or visits (docs/DOMAIN.md §2.5, §11.1)."""
    return Case(
        When(**{f"{spend}__gte": rules.class_a_spend}, then=Value(ABCClass.A)),
        When(**{f"{visits}__gte": rules.class_a_visits}, then=Value(ABCClass.A)),
        When(**{f"{spend}__gte": rules.class_b_spend}, then=Value(ABCClass.B)),
        When(**{f"{visits}__gte": rules.class_b_visits}, then=Value(ABCClass.B)),
        default=Value(ABCClass.C),
    )


def _paid_orders(since):
    return RepairOrder.objects.filter(status__in=PAID, opened_at__gte=since).order_by()


def _sum_of(qs, outer: str, group: str):
    money = DecimalField(max_digits=14, decimal_places=2)
    return Coalesce(
        Subquery(qs.filter(**{group: OuterRef(outer)}).values(group).annotate(t=Sum("customer_total")).values("t")),
        Value(ZERO),
        output_field=money,
    )


def _count_of(qs, outer: str, group: str):
    return Coalesce(
        Subquery(qs.filter(**{group: OuterRef(outer)}).values(group).annotate(n=Count("pk")).values("n")),
        Value(0),
        output_field=IntegerField(),
    )


def _manual_class(*, customer: bool, now):
    """A person changed the class recently: the rule leaves it."""
    since = now - relativedelta(months=MANUAL_CLASS_MONTHS)
    target = "customer_id" if customer else "vehicle_id"
    return Exists(
        ClassChange.objects.filter(
            **{target: OuterRef("pk")}, field=ClassChange.Field.ABC_CLASS, changed_by__isnull=False,
            changed_at__gte=since,
        )
    )  # fmt: skip


def _candidates(*, store: Store, rules: CrmSettings, prev, now) -> tuple[set[int], set[int]]:
    """(customer ids, vehicle ids) whose segment or class may have changed since `prev`
    (None: every customer of the store that has visited)."""
    customers = Customer.objects.filter(store=store, merged_into__isnull=True, last_visit_at__isnull=False)
    spend_since = now - relativedelta(months=rules.spend_months)
    orders = RepairOrder.objects.filter(store=store, status__in=PAID).order_by()
    if prev is None:
        ids = set(customers.values_list("pk", flat=True))
        vehicles = set(orders.filter(opened_at__gte=spend_since).values_list("vehicle_id", flat=True))
        vehicles |= set(
            Vehicle.objects.filter(store=store, is_active=True).exclude(abc_class="").values_list("pk", flat=True)
        )
        return ids, vehicles
    # An hour's overlap: a visit written by a transaction still open when the last run read.
    since = prev - timedelta(hours=1)
    windows = Q(last_visit_at__gte=since)
    for months in {rules.at_risk_months, rules.lost_months}:
        cut = relativedelta(months=months)
        windows |= Q(last_visit_at__gte=since - cut, last_visit_at__lt=now - cut)
    ids = set(customers.filter(windows).values_list("pk", flat=True))
    new_cut = relativedelta(months=rules.new_months)
    ids |= set(
        CustomerProfile.objects.filter(
            store=store, first_visit_at__gte=since - new_cut, first_visit_at__lt=now - new_cut
        ).values_list("pk", flat=True)
    )
    spend_cut = relativedelta(months=rules.spend_months)
    moved = orders.filter(
        Q(opened_at__gte=since - timedelta(days=SETTLE_LAG_DAYS), updated_at__gte=since)
        | Q(opened_at__gte=since - spend_cut, opened_at__lt=spend_since)
    ).values_list("customer_id", "vehicle_id")
    vehicles = set()
    for customer_id, vehicle_id in moved:
        ids.add(customer_id)
        vehicles.add(vehicle_id)
    return ids, vehicles


def _chunks(ids):
    ids = sorted(ids)
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def segments_refresh(*, store: Store, now=None, full: bool = False) -> SegmentRun:
    """Bring the store's stages, tiers and classes up to date (docs/DOMAIN.md §11.1).
    Incremental from the last run; full on the first run, after the settings
    changed, on the 1st of the month, or when asked."""
    now = now or timezone.now()
    rules = CrmSettings.for_store(store)
    prev = rules.segments_run_at
    run = SegmentRun()
    if full or prev is None or prev > now or timezone.localdate(now).day == 1:
        prev = None
        run.full = True
    customer_ids, vehicle_ids = _candidates(store=store, rules=rules, prev=prev, now=now)
    run.customers_read = len(customer_ids)
    for chunk in _chunks(customer_ids):
        with transaction.atomic():
            _refresh_customers(store=store, ids=chunk, rules=rules, now=now, run=run)
    for chunk in _chunks(vehicle_ids):
        with transaction.atomic():
            _refresh_vehicles(store=store, ids=chunk, rules=rules, now=now, run=run)
    from .mileage import forecasts_refresh

    run.forecasts = forecasts_refresh(store=store, since=None if prev is None else prev - timedelta(hours=1), now=now)
    with transaction.atomic():
        CrmSettings.objects.filter(pk=rules.pk).update(segments_run_at=now)
        if run.stage_changes or run.tier_changes or run.class_changes or run.vehicle_class_changes:
            audit_record(
                actor=None, action=AuditEntry.Action.UPDATE, store=store.pk, object_repr="crm:segments",
                changes={
                    "stage": [0, run.stage_changes], "tier": [0, run.tier_changes],
                    "abc_class": [0, run.class_changes + run.vehicle_class_changes],
                },
            )  # fmt: skip
    return run


def _refresh_customers(*, store, ids, rules: CrmSettings, now, run: SegmentRun) -> None:
    have = set(CustomerProfile.objects.filter(pk__in=ids).values_list("pk", flat=True))
    CustomerProfile.objects.bulk_create(
        [CustomerProfile(customer_id=pk, store=store) for pk in ids if pk not in have], ignore_conflicts=True
    )
    paid = _paid_orders(now - relativedelta(months=rules.spend_months))
    first_order = (
        RepairOrder.objects.filter(customer_id=OuterRef("pk"))
        .exclude(status=Status.CANCELLED)
        .order_by()
        .values("customer_id")
        .annotate(first=Min("opened_at"))
        .values("first")
    )
    last_visit = Customer.objects.filter(pk=OuterRef("pk")).values("last_visit_at")
    CustomerProfile.objects.filter(pk__in=ids).update(
        first_visit_at=Coalesce(F("first_visit_at"), Subquery(first_order), Subquery(last_visit)),
        spend=_sum_of(paid, "pk", "customer_id"),
        visits=_count_of(paid, "pk", "customer_id"),
    )
    changed = (
        CustomerProfile.objects.filter(pk__in=ids)
        .annotate(
            new_stage=stage_case(now=now, rules=rules),
            new_tier=Case(When(spend__gt=rules.high_value_spend, then=Value(Tier.HIGH)), default=Value(Tier.ORDINARY)),
        )
        .exclude(stage=F("new_stage"), tier=F("new_tier"))
        .values_list("pk", "stage", "new_stage", "tier", "new_tier", "spend", "customer__last_visit_at",
                     "first_visit_at")
    )  # fmt: skip
    stages, tiers, history = {}, {}, []
    for pk, stage, new_stage, tier, new_tier, spend, last, first in changed:
        if stage != new_stage:
            stages.setdefault(new_stage, []).append(pk)
            history.append(
                SegmentChange(
                    store=store, customer_id=pk, dimension=Dimension.STAGE, old_value=stage, new_value=new_stage,
                    reason=_stage_reason(new_stage, last, first), changed_at=now,
                )
            )  # fmt: skip
        if tier != new_tier:
            tiers.setdefault(new_tier, []).append(pk)
            history.append(
                SegmentChange(
                    store=store, customer_id=pk, dimension=Dimension.TIER, old_value=tier, new_value=new_tier,
                    reason=_("Spend %(spend)s in %(months)s months")
                    % {"spend": to_money(spend), "months": rules.spend_months},
                    changed_at=now,
                )
            )  # fmt: skip
    for stage, pks in stages.items():
        CustomerProfile.objects.filter(pk__in=pks).update(stage=stage, stage_since=now)
    for tier, pks in tiers.items():
        CustomerProfile.objects.filter(pk__in=pks).update(tier=tier, tier_since=now)
    SegmentChange.objects.bulk_create(history)
    run.stage_changes += sum(len(v) for v in stages.values())
    run.tier_changes += sum(len(v) for v in tiers.values())
    # The customer's ABC class from the same figures.
    classes = (
        Customer.objects.filter(pk__in=ids)
        .annotate(new_class=class_case(spend="crm_profile__spend", visits="crm_profile__visits", rules=rules))
        .exclude(abc_class=F("new_class"))
        .exclude(_manual_class(customer=True, now=now))
        .values_list("pk", "abc_class", "new_class", "crm_profile__spend", "crm_profile__visits")
    )
    run.class_changes += _apply_classes(
        store=store, model=Customer, rows=list(classes), target="customer_id", now=now, rules=rules
    )


def _refresh_vehicles(*, store, ids, rules: CrmSettings, now, run: SegmentRun) -> None:
    paid = _paid_orders(now - relativedelta(months=rules.spend_months))
    rows = (
        Vehicle.objects.filter(pk__in=ids, store=store)
        .annotate(spend=_sum_of(paid, "pk", "vehicle_id"), visits=_count_of(paid, "pk", "vehicle_id"))
        .annotate(new_class=class_case(spend="spend", visits="visits", rules=rules))
        .exclude(abc_class=F("new_class"))
        .exclude(_manual_class(customer=False, now=now))
        .values_list("pk", "abc_class", "new_class", "spend", "visits")
    )
    run.vehicle_class_changes += _apply_classes(
        store=store, model=Vehicle, rows=list(rows), target="vehicle_id", now=now, rules=rules
    )


def _apply_classes(*, store, model, rows, target: str, now, rules: CrmSettings) -> int:
    by_class = {}
    for pk, _old, new, _spend, _visits in rows:
        by_class.setdefault(new, []).append(pk)
    for value, pks in by_class.items():
        model.objects.filter(pk__in=pks).update(abc_class=value)
    ClassChange.objects.bulk_create(
        ClassChange(
            store=store, **{target: pk}, field=ClassChange.Field.ABC_CLASS, old_value=old, new_value=new,
            changed_at=now, changed_by=None,
            reason=(_("Nightly rule: spend %(spend)s, %(visits)s visits in %(months)s months")
                    % {"spend": to_money(spend or ZERO), "visits": visits or 0, "months": rules.spend_months})[:200],
        )
        for pk, old, new, spend, visits in rows
    )  # fmt: skip
    return len(rows)


def _stage_reason(stage: str, last, first) -> str:
    day = f"{timezone.localdate(last):%Y-%m-%d}" if last else "-"
    if stage == Stage.NEW:
        return _("First visit %(day)s") % {"day": f"{timezone.localdate(first):%Y-%m-%d}" if first else "-"}
    if stage == Stage.NONE:
        return _("No visit on file")
    return _("Last visit %(day)s") % {"day": day}


def stage_history_backfill(*, store: Store, moments) -> int:
    """The stage history before the store's nightly runs began, rebuilt from its orders (docs/DOMAIN.md
    §11.1), for a store that brought its past orders along: retention needs each customer's stage at a
    period's start. At each moment, in order, a customer who had visited gets a change where the stage
    the orders before it give (first and last visit, `stage_for`) differs from the one before; customers
    whose history has begun are left alone, so a second backfill writes nothing. One grouped read per
    moment, the rows in bulk. Returns the changes written."""
    rules = CrmSettings.for_store(store)
    begun = SegmentChange.objects.filter(store=store, dimension=Dimension.STAGE).values("customer_id")
    orders = (
        RepairOrder.objects.filter(store=store, customer__isnull=False)
        .exclude(status=Status.CANCELLED)
        .exclude(customer_id__in=begun)
        .order_by()
    )
    stages: dict[int, str] = {}
    history = []
    for moment in sorted(moments):
        visits = (
            orders.filter(opened_at__lt=moment)
            .values("customer_id")
            .annotate(first=Min("opened_at"), last=Max("opened_at"))
            .values_list("customer_id", "first", "last")
        )
        for pk, first, last in visits:
            stage = stage_for(last_visit=last, first_visit=first, now=moment, rules=rules)
            if stages.get(pk, "") != stage:
                history.append(
                    SegmentChange(
                        store=store, customer_id=pk, dimension=Dimension.STAGE, old_value=stages.get(pk, ""),
                        new_value=stage, reason=_stage_reason(stage, last, first), changed_at=moment,
                    )
                )  # fmt: skip
                stages[pk] = stage
    SegmentChange.objects.bulk_create(history, batch_size=BATCH)
    return len(history)


def month_starts(*, until, months: int) -> list:
    """Local midnight of the 1st of each of the `months` months that began before `until` (oldest first)."""
    first = timezone.localtime(until).date().replace(day=1)
    if timezone.make_aware(datetime.combine(first, time())) >= until:
        first -= relativedelta(months=1)
    days = [first - relativedelta(months=n) for n in range(months - 1, -1, -1)]
    return [timezone.make_aware(datetime.combine(day, time())) for day in days]


def segments_refresh_all(*, now=None) -> int:
    """Every active store, one after another (each store's batches commit on their own)."""
    total = 0
    for store in Store.objects.filter(is_active=True):
        run = segments_refresh(store=store, now=now)
        total += run.stage_changes + run.tier_changes + run.class_changes + run.vehicle_class_changes
    return total
