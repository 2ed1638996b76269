# ruff: noqa: S608
# SQL is assembled from table and column names (Model._meta) and placeholders;
# every value is a bound parameter.
"""The retention engine's nightly run (docs/DOMAIN.md §11.1, §11.2) for a store and
for every store, and a saved segment's live count (§11.6).

The nightly cases run the night after the previous night's run (segments and rules,
made once and committed in the working copy), so the timed night reads only what
changed since — as the scheduled job does — and is rolled back after each repetition.

Floors, in hand-written set-based SQL, rolled back:
- segments: the candidates (customers seen since the last run, those whose last visit
  crossed the at-risk or lost boundary, whose first visit crossed the "new" one, with
  paid orders updated since) in one statement; their spend and visits through
  correlated sums; the stage and tier history rows by INSERT … SELECT of the rows that
  differ from the rule; the stage and tier UPDATE; the customer's ABC class UPDATE.
  Not in the floor: vehicles' classes and the mileage forecasts (the run does both).
- rules: for each rule that can be due, who is due (the same windows on the same
  indexed columns) and the firing rows by INSERT … SELECT … ON CONFLICT DO NOTHING.
  Not in the floor: the messages, coupons and call tasks of the firings (the doors'
  work per due customer), so the ratio includes what the doors cost.
- the segment count: one hand-written COUNT with the same EXISTS conditions."""

from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.utils import timezone

from aftercare.core.models import Store
from aftercare.crm.choices import Stage, Tier, Trigger
from aftercare.crm.filters import segment_members
from aftercare.crm.models import CrmSettings, CustomerProfile, Firing, RetentionRule, Segment, SegmentChange
from aftercare.crm.rules import CHANGE_WINDOW_DAYS, rules_ensure, rules_run
from aftercare.crm.segments import PAID, SETTLE_LAG_DAYS, segments_refresh
from aftercare.customers.models import Customer, Vehicle
from aftercare.service.models import RepairOrder

from ..harness import NIGHTLY, PAGE, Case, Context, operation
from .customers import raw

PROFILE = CustomerProfile._meta.db_table
CUSTOMER = Customer._meta.db_table
VEHICLE = Vehicle._meta.db_table
ORDER = RepairOrder._meta.db_table
CHANGE = SegmentChange._meta.db_table
FIRING = Firing._meta.db_table
RULE = RetentionRule._meta.db_table


def _stores(ctx: Context, group: bool) -> list[Store]:
    stores = list(Store.objects.filter(is_active=True).order_by("pk"))
    return stores if group else stores[:1]


def _night(ctx: Context) -> datetime:
    """06:30 of a night that is not the 1st (the monthly full run), after the previous
    night's segments and rules have run for every store (once per run, committed)."""
    if "crm_night" in ctx.cache:
        return ctx.cache["crm_night"]
    day = timezone.localdate()
    if day.day == 1:
        day += timedelta(days=1)
    night = timezone.make_aware(datetime.combine(day, time(6, 30)))
    for store in Store.objects.filter(is_active=True):
        rules_ensure(store)
        segments_refresh(store=store, now=night - timedelta(days=1))
        rules_run(store=store, now=night - timedelta(days=1))
    ctx.cache["crm_night"] = night
    return night


def _run(stores: list[Store], night: datetime, *, segments: bool, rules: bool):
    def run():
        with transaction.atomic():
            for store in stores:
                if segments:
                    segments_refresh(store=store, now=night)
                if rules:
                    rules_run(store=store, now=night)
            transaction.set_rollback(True)

    return run


def _segments_by_hand(ctx: Context, stores: list[Store], night: datetime):
    sql = raw(ctx)
    adapt = connection.ops.adapt_datetimefield_value
    rules = CrmSettings.for_store(stores[0])
    ids = [s.pk for s in stores]
    inside = sql.in_list(ids)
    paid = sql.in_list(PAID)

    def run():
        prev = CrmSettings.for_store(stores[0]).segments_run_at
        since = prev - timedelta(hours=1)
        at_risk, lost = relativedelta(months=rules.at_risk_months), relativedelta(months=rules.lost_months)
        new_cut, spend_cut = relativedelta(months=rules.new_months), relativedelta(months=rules.spend_months)
        spend_since = adapt(night - spend_cut)
        candidates = (
            f"SELECT id FROM {CUSTOMER} WHERE store_id IN {inside} AND merged_into_id IS NULL "
            "AND last_visit_at IS NOT NULL AND (last_visit_at >= %s OR (last_visit_at >= %s AND last_visit_at < %s) "
            "OR (last_visit_at >= %s AND last_visit_at < %s)) "
            f"UNION SELECT customer_id FROM {PROFILE} WHERE store_id IN {inside} "
            "AND first_visit_at >= %s AND first_visit_at < %s "
            f"UNION SELECT customer_id FROM {ORDER} WHERE store_id IN {inside} AND status IN {paid} "
            "AND ((opened_at >= %s AND updated_at >= %s) OR (opened_at >= %s AND opened_at < %s))"
        )
        candidate_params = [
            *ids, adapt(since), adapt(since - at_risk), adapt(night - at_risk), adapt(since - lost),
            adapt(night - lost), *ids, adapt(since - new_cut), adapt(night - new_cut), *ids, *PAID,
            adapt(since - timedelta(days=SETTLE_LAG_DAYS)), adapt(since), adapt(since - spend_cut), spend_since,
        ]  # fmt: skip
        sql.begin()
        try:
            chosen = [row[0] for row in sql.rows(candidates, candidate_params)]
            if chosen:
                these = sql.in_list(chosen)
                sums = (
                    f"FROM {ORDER} o WHERE o.customer_id = {PROFILE}.customer_id AND o.status IN {paid} "
                    "AND o.opened_at >= %s"
                )
                sql.execute(
                    f"UPDATE {PROFILE} SET spend = COALESCE((SELECT SUM(o.customer_total) {sums}), 0), "
                    f"visits = (SELECT COUNT(*) {sums}) WHERE customer_id IN {these}",
                    [*PAID, spend_since, *PAID, spend_since, *chosen],
                )
                last = f"(SELECT c.last_visit_at FROM {CUSTOMER} c WHERE c.id = {PROFILE}.customer_id)"
                stage = (
                    f"CASE WHEN {last} IS NULL THEN '' WHEN {last} < %s THEN %s WHEN {last} < %s THEN %s "
                    "WHEN first_visit_at >= %s THEN %s ELSE %s END"
                )
                stage_params = [adapt(night - lost), Stage.LOST, adapt(night - at_risk), Stage.AT_RISK,
                                adapt(night - new_cut), Stage.NEW, Stage.REGULAR]  # fmt: skip
                tier = "CASE WHEN spend > %s THEN %s ELSE %s END"
                tier_params = [rules.high_value_spend, Tier.HIGH, Tier.ORDINARY]
                now = adapt(night)
                history = (
                    f"INSERT INTO {CHANGE} (store_id, customer_id, dimension, old_value, new_value, reason, "
                    f"changed_at, changed_by_id) SELECT store_id, customer_id, %s, {{col}}, {{rule}}, 'nightly', %s, "
                    f"NULL FROM {PROFILE} WHERE customer_id IN {these} AND {{col}} <> {{rule}}"
                )
                sql.execute(history.format(col="stage", rule=stage),
                            ["stage", *stage_params, now, *chosen, *stage_params])  # fmt: skip
                sql.execute(history.format(col="tier", rule=tier),
                            ["tier", *tier_params, now, *chosen, *tier_params])  # fmt: skip
                sql.execute(
                    f"UPDATE {PROFILE} SET stage = {stage}, stage_since = %s WHERE customer_id IN {these} "
                    f"AND stage <> {stage}",
                    [*stage_params, now, *chosen, *stage_params],
                )
                sql.execute(
                    f"UPDATE {PROFILE} SET tier = {tier}, tier_since = %s WHERE customer_id IN {these} "
                    f"AND tier <> {tier}",
                    [*tier_params, now, *chosen, *tier_params],
                )
                spend = f"(SELECT p.spend FROM {PROFILE} p WHERE p.customer_id = {CUSTOMER}.id)"
                visits = f"(SELECT p.visits FROM {PROFILE} p WHERE p.customer_id = {CUSTOMER}.id)"
                klass = (
                    f"CASE WHEN {spend} >= %s OR {visits} >= %s THEN 'A' "
                    f"WHEN {spend} >= %s OR {visits} >= %s THEN 'B' ELSE 'C' END"
                )
                class_params = [rules.class_a_spend, rules.class_a_visits, rules.class_b_spend, rules.class_b_visits]
                sql.execute(
                    f"UPDATE {CUSTOMER} SET abc_class = {klass} WHERE id IN {these} AND abc_class <> {klass}",
                    [*class_params, *chosen, *class_params],
                )
        finally:
            sql.raw.execute("ROLLBACK")

    return run


def _rules_by_hand(ctx: Context, stores: list[Store], night: datetime):
    """Who is due for each date and change rule, and the firing rows, set-based."""
    sql = raw(ctx)
    adapt = connection.ops.adapt_datetimefield_value
    ids = [s.pk for s in stores]
    inside = sql.in_list(ids)
    today = timezone.localdate(night)
    if sql.vendor == "sqlite":
        month, day = "CAST(strftime('%m', c.birthday) AS INTEGER)", "CAST(strftime('%d', c.birthday) AS INTEGER)"
    else:
        month, day = "EXTRACT(MONTH FROM c.birthday)", "EXTRACT(DAY FROM c.birthday)"
    columns = "store_id, rule_id, customer_id, vehicle_id, period_key, state, reason, fired_at, message_ref"
    rule_join = f"JOIN {RULE} r ON r.store_id = {{alias}}.store_id AND r.trigger = %s AND r.enabled = %s"
    conflict = "ON CONFLICT (rule_id, customer_id, period_key) DO NOTHING"

    def vehicle_rule(column: str, trigger: str):
        return (
            f"INSERT INTO {FIRING} ({columns}) SELECT v.store_id, r.id, v.owner_id, v.id, "
            f"'v' || v.id || ':' || {column}, 'done', %s, %s, '' FROM {VEHICLE} v {rule_join.format(alias='v')} "
            f"WHERE v.store_id IN {inside} AND v.is_active = %s AND v.{column} >= %s AND v.{column} <= %s {conflict}",
            [trigger, night, trigger, True, *ids, True, today, today + timedelta(days=7)],
        )

    def change_rule(trigger: str, column: str, value: str, since_column: str):
        return (
            f"INSERT INTO {FIRING} ({columns}) SELECT p.store_id, r.id, p.customer_id, NULL, "
            f"'{trigger}:' || p.customer_id, 'done', %s, %s, '' FROM {PROFILE} p {rule_join.format(alias='p')} "
            f"WHERE p.store_id IN {inside} AND p.{column} = %s AND p.{since_column} >= %s {conflict}",
            [trigger, night, trigger, True, *ids, value, night - timedelta(days=CHANGE_WINDOW_DAYS)],
        )

    statements = [
        (
            f"INSERT INTO {FIRING} ({columns}) SELECT c.store_id, r.id, c.id, NULL, %s, 'done', %s, %s, '' "
            f"FROM {CUSTOMER} c {rule_join.format(alias='c')} WHERE c.store_id IN {inside} "
            f"AND c.merged_into_id IS NULL AND c.birthday IS NOT NULL AND {month} = %s AND {day} = %s {conflict}",
            [str(today.year), "birthday", night, Trigger.BIRTHDAY, True, *ids, today.month, today.day],
        ),
        vehicle_rule("insurance_expiry", Trigger.INSURANCE_DUE),
        vehicle_rule("inspection_due", Trigger.INSPECTION_DUE),
        change_rule(Trigger.CHURN, "stage", Stage.AT_RISK, "stage_since"),
        change_rule(Trigger.LOST, "stage", Stage.LOST, "stage_since"),
        change_rule(Trigger.HIGH_VALUE, "tier", Tier.HIGH, "tier_since"),
    ]

    def run():
        sql.begin()
        try:
            for text, params in statements:
                sql.execute(text, [adapt(p) if isinstance(p, datetime) else p for p in params])
        finally:
            sql.raw.execute("ROLLBACK")

    return run


def _case(ctx: Context, group: bool, *, segments: bool, rules: bool) -> Case:
    night = _night(ctx)
    stores = _stores(ctx, group)
    floor = []
    if segments:
        floor.append(_segments_by_hand(ctx, stores, night))
    if rules:
        floor.append(_rules_by_hand(ctx, stores, night))
    return Case(run=_run(stores, night, segments=segments, rules=rules), floor=floor)


@operation("nightly.crm_segments_store", goal=NIGHTLY, kind="nightly")
def segments_store(ctx: Context) -> Case:
    """crm.segments.segments_refresh for the store, the night after the previous run, rolled back."""
    return _case(ctx, False, segments=True, rules=False)


@operation("nightly.crm_segments_group", goal=NIGHTLY, kind="nightly")
def segments_group(ctx: Context) -> Case:
    return _case(ctx, True, segments=True, rules=False)


@operation("nightly.crm_rules_store", goal=NIGHTLY, kind="nightly")
def rules_store(ctx: Context) -> Case:
    """crm.rules.rules_run for the store after its segments, the night after the previous run, rolled back."""
    return _case(ctx, False, segments=False, rules=True)


@operation("nightly.crm_rules_group", goal=NIGHTLY, kind="nightly")
def rules_group(ctx: Context) -> Case:
    return _case(ctx, True, segments=False, rules=True)


@operation("count.crm_segment", goal=PAGE, kind="lookup")
def segment_count(ctx: Context) -> Case:
    """A saved segment's live count (stage, powertrain, consent to marketing by SMS) against one COUNT by hand."""
    _night(ctx)
    store = _stores(ctx, False)[0]
    segment, _created = Segment.objects.get_or_create(
        store=store, name="bench: regular BEV owners who agreed to SMS",
        defaults={"filters": {"stage": Stage.REGULAR, "powertrain": "BEV", "consent": "marketing_sms"}},
    )  # fmt: skip
    sql = raw(ctx)
    from aftercare.customers.models import Consent

    text = (
        f"SELECT COUNT(*) FROM {CUSTOMER} c JOIN {PROFILE} p ON p.customer_id = c.id "
        f"WHERE c.store_id = %s AND c.merged_into_id IS NULL AND p.stage = %s "
        f"AND EXISTS (SELECT 1 FROM {VEHICLE} v WHERE v.owner_id = c.id AND v.is_active = %s AND v.powertrain = %s) "
        f"AND (SELECT k.granted FROM {Consent._meta.db_table} k WHERE k.customer_id = c.id AND k.purpose = %s "
        "ORDER BY k.recorded_at DESC, k.id DESC LIMIT 1) = %s"
    )
    params = [store.pk, Stage.REGULAR, True, "BEV", "marketing_sms", True]

    def run():
        return segment_members(segment).count()

    def by_hand():
        return sql.rows(text, params)[0][0]

    return Case(run=run, floor=[by_hand], same_answer=lambda: run() == by_hand())
