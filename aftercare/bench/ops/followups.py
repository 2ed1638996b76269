# ruff: noqa: S608
# SQL is assembled from table and column names (Model._meta) and placeholders;
# every value is a bound parameter.
"""The nightly jobs: generating the churn and holiday-care calls (for the store,
and for every active store as the scheduled task does), and the follow-up KPIs
of a month as the manager's numbers show them.

Each timed generation runs on the first night of a holiday-care window, after
the previous night's run (made once, committed in the working copy), so it
makes the night's few new churn calls and the holiday call of every customer
seen within the year — then rolls back, so that every repetition does the same
work. The floors do the same in hand-written SQL: one INSERT ... SELECT ... ON
CONFLICT DO NOTHING per kind and the audit row, rolled back; the KPI floor is
one statement of grouped, conditional aggregates (UNION ALL of the three apps'
tables and the targets)."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.utils import timezone

from aftercare.accounts.roles import Role
from aftercare.complaints.choices import RESOLVED_STATUSES
from aftercare.complaints.choices import Status as ComplaintStatus
from aftercare.complaints.models import Complaint
from aftercare.core.models import AuditEntry, Store
from aftercare.core.permissions import Perm
from aftercare.customers.models import Consent, Customer
from aftercare.followups import services
from aftercare.followups.choices import Kind, TaskStatus
from aftercare.followups.holidays import HOLIDAY_NAMES, holidays_in_care_window, holidays_of
from aftercare.followups.models import FollowUpRule, FollowUpTask
from aftercare.followups.selectors import rate
from aftercare.reports.models import KpiTargets
from aftercare.reports.selectors import manager_numbers
from aftercare.service.models import RepairOrder
from aftercare.surveys.choices import ResponseStatus
from aftercare.surveys.models import SATISFIED_MIN_SCORE, SurveyResponse

from ..harness import NIGHTLY, Case, Context, operation
from .customers import raw
from .service import AUDIT_COLUMNS, _insert_sql

TASK = FollowUpTask._meta.db_table
CUSTOMER = Customer._meta.db_table
COUNTED = [s for s in TaskStatus.values if s != TaskStatus.CANCELLED]
# Churn and holiday calls are marketing by phone (docs/DOMAIN.md §7.2, §15.1): the latest
# answer to it is yes, and the customer has a mobile.
MAY_CALL = (
    f"(SELECT k.granted FROM {Consent._meta.db_table} k WHERE k.customer_id = c.id AND k.purpose = 'marketing_phone' "
    "ORDER BY k.recorded_at DESC, k.id DESC LIMIT 1) = %s AND c.mobile <> ''"
)


def _local(day, hour: time = time(9, 0)) -> datetime:
    return timezone.make_aware(datetime.combine(day, hour))


def _store(ctx: Context) -> Store:
    return Store.objects.get(pk=ctx.users["manager"].store_ids(Perm.REPORT_VIEW)[0])


def _night(ctx: Context) -> datetime:
    """06:00 (the scheduled time) of the first day of the latest holiday-care window
    begun by today, after the previous night's run has been made (once per run)."""
    if "night" in ctx.cache:
        return ctx.cache["night"]
    store = _store(ctx)
    days_before = FollowUpRule.for_store(store).holiday_days_before
    today = timezone.localdate()
    starts = [
        day - timedelta(days=days_before)
        for year in (today.year - 1, today.year)
        for _code, day in holidays_of(year)
        if day - timedelta(days=days_before) <= today
    ]
    night = timezone.make_aware(datetime.combine(max(starts), time(6, 0)))
    services.followups_generate_scheduled(now=night - timedelta(days=1))
    ctx.cache["night"] = night
    return night


def _made_since(sql, last_id: int) -> set[tuple]:
    """The tasks inserted after `last_id`, as comparable tuples (read inside the transaction)."""
    rows = sql.rows(
        f"SELECT store_id, kind, source_key, status, customer_id, owner_role, available_at, due_at, note "
        f"FROM {TASK} WHERE id > %s",
        [last_id],
    )
    return {tuple(str(v) for v in row) for row in rows}


def _last_task_id() -> int:
    return FollowUpTask.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _day_sql(vendor: str) -> str:
    # The UTC date of the stored (UTC) last visit, as the churn keys carry it.
    if vendor == "sqlite":
        return "strftime('%Y%m%d', c.last_visit_at)"
    return "to_char(c.last_visit_at AT TIME ZONE 'UTC', 'YYYYMMDD')"


def _by_hand(ctx: Context, stores: list[Store], night: datetime):
    """The night's generation for `stores` in hand-written SQL: per kind one
    INSERT ... SELECT for all the stores (they share the default rules), the
    new rows counted per store by their ids, one audit row per store."""
    sql = raw(ctx)
    rules = [FollowUpRule.for_store(store) for store in stores]
    rule = rules[0]
    numbers = {(r.churn_months, r.churn_call_days, r.holiday_days_before, r.holiday_active_months) for r in rules}
    assert len(numbers) == 1, "the floor assumes the stores share their follow-up numbers"
    adapt = connection.ops.adapt_datetimefield_value
    adapt_json = connection.ops.adapt_json_value
    store_ids = [s.pk for s in stores]
    in_stores = f"c.store_id IN {sql.in_list(store_ids)}"
    cutoff = night - relativedelta(months=rule.churn_months)
    churn_window = (adapt(cutoff - relativedelta(months=rule.churn_months)), adapt(cutoff))
    columns = (
        "store_id, kind, source_key, status, customer_id, vehicle_id, repair_order_id, owner_id, owner_role, "
        "available_at, due_at, note, attempts, escalated_at, escalated_to_id, contact_channel, contact_value, "
        "contacted_at, feedback, problem_category, responsible_id, handling_result, satisfaction, record_status, "
        "completed_at, completed_by_id, created_at, updated_at"
    )
    select = (
        "SELECT c.store_id, %s, {key}, 'open', c.id, NULL, NULL, NULL, %s, %s, %s, %s, 0, NULL, NULL, '', '', "
        "NULL, '', '', NULL, '', NULL, 'pending', NULL, NULL, %s, %s FROM " + CUSTOMER + " c WHERE " + in_stores
        + " AND c.merged_into_id IS NULL AND {where} ON CONFLICT (store_id, kind, source_key) DO NOTHING"
    )  # fmt: skip
    churn = f"INSERT INTO {TASK} ({columns}) " + select.format(
        key=f"'churn:' || c.id || ':' || {_day_sql(sql.vendor)}",
        where="c.last_visit_at >= %s AND c.last_visit_at < %s AND " + MAY_CALL,
    )
    holiday = f"INSERT INTO {TASK} ({columns}) " + select.format(
        key="%s || c.id", where="c.last_visit_at >= %s AND " + MAY_CALL
    )
    holidays = [
        (code, day, _local(day) - relativedelta(months=rule.holiday_active_months))
        for code, day in holidays_in_care_window(timezone.localdate(night), rule.holiday_days_before)
    ]
    audit_sql = _insert_sql(AuditEntry, AUDIT_COLUMNS)
    last_sql = f"SELECT COALESCE(MAX(id), 0) FROM {TASK}"
    count_sql = f"SELECT store_id, COUNT(*) FROM {TASK} WHERE id > %s GROUP BY store_id"
    several = len(store_ids) > 1

    def insert(statement, params, kind, now):
        # One store: the cursor's count. Several: the new rows (ids above the last) counted per store.
        last = sql.rows(last_sql)[0][0] if several else 0
        created = sql.execute(statement, params).rowcount
        if created > 0:
            counts = sql.rows(count_sql, [last]) if several else [(store_ids[0], created)]
            for store_id, n in counts:
                sql.execute(audit_sql, [now, None, "", store_id, AuditEntry.Action.CREATE, "", "",
                                        f"followups:{kind}", adapt_json({"created": [0, n]}, None), ""])  # fmt: skip

    def run(check=None):
        now = adapt(timezone.now())
        sql.begin()
        try:
            last = sql.rows(last_sql)[0][0] if check is not None else 0
            params = [Kind.CHURN, Role.CUSTOMER_CARE, adapt(night), adapt(night + timedelta(days=rule.churn_call_days)),
                      "", now, now, *store_ids, *churn_window, True]  # fmt: skip
            insert(churn, params, Kind.CHURN, now)
            for code, day, since in holidays:
                params = [
                    Kind.HOLIDAY, f"holiday:{day:%Y%m%d}:", Role.CUSTOMER_CARE,
                    adapt(_local(day - timedelta(days=rule.holiday_days_before))),
                    adapt(_local(day - timedelta(days=1), time(18, 0))), str(HOLIDAY_NAMES[code]), now, now,
                    *store_ids, adapt(since), True,
                ]  # fmt: skip
                insert(holiday, params, Kind.HOLIDAY, now)
            if check is not None:
                check.update(_made_since(sql, last))
        finally:
            sql.raw.execute("ROLLBACK")

    return run


def _nightly_case(ctx: Context, stores: list[Store] | None) -> Case:
    night = _night(ctx)
    sql = raw(ctx)
    the_stores = stores or list(Store.objects.filter(is_active=True))

    def run(check=None):
        with transaction.atomic():
            last = _last_task_id() if check is not None else 0
            created = services.followups_generate_scheduled(now=night, stores=stores)
            if check is not None:
                check.update(_made_since(sql, last))
                assert created == len(check), (created, len(check))
            transaction.set_rollback(True)

    by_hand = _by_hand(ctx, the_stores, night)

    def same() -> bool:
        ours, theirs = set(), set()
        run(ours)
        by_hand(theirs)
        return ours == theirs and len(ours) > 0

    return Case(run=run, floor=[by_hand], same_answer=same)


@operation("nightly.follow_ups", goal=NIGHTLY, kind="nightly")
def nightly_store(ctx: Context) -> Case:
    """followups_generate_churn + _holiday for the store on the first night of a
    holiday-care window, rolled back, against the same INSERT ... SELECTs by hand."""
    return _nightly_case(ctx, [_store(ctx)])


@operation("nightly.follow_ups.group", goal=NIGHTLY, kind="nightly")
def nightly_group(ctx: Context) -> Case:
    """The scheduled job's work for every active store (followups_generate_scheduled)."""
    return _nightly_case(ctx, None)


# --- the follow-up KPIs of a month ----------------------------------------------------------------------


def _month(ctx: Context) -> tuple[datetime, datetime]:
    """Last calendar month, local: a month whose calls are all due and mostly done."""
    first = timezone.localdate().replace(day=1)
    start = (first - timedelta(days=1)).replace(day=1)
    return (
        timezone.make_aware(datetime.combine(start, time.min)),
        timezone.make_aware(datetime.combine(first, time.min)),
    )


def _kpi_answer(kpis) -> list[tuple]:
    return [(k.key, k.value, k.target, k.numerator, k.denominator, list(k.customer_ids)) for k in kpis]


def kpis_by_hand(sql, store_ids: list[int], start: datetime, end: datetime) -> list[tuple]:
    """manager_numbers in three statements (retention and repurchase: crm_kpis_by_hand): per call,
    whether it was made on time (folded per customer), the
    surveys answered and satisfied (GROUP BY), the complaints' counts and clocks
    (conditional aggregates), the customers of the unhappy complaints, and the targets."""
    adapt = connection.ops.adapt_datetimefield_value
    now = adapt(timezone.now())
    a, b = adapt(start), adapt(end)
    stores = sql.in_list(store_ids)
    resolved = sql.in_list(RESOLVED_STATUSES)
    zeros6 = ", 0, 0, 0, 0, 0, 0"

    def clock(due, done):
        return (f"SUM(CASE WHEN {done} IS NOT NULL OR {due} < %s THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN {done} IS NOT NULL AND {done} <= {due} THEN 1 ELSE 0 END)")  # fmt: skip

    text = (
        f"SELECT 'f', customer_id, 1, CASE WHEN status = %s AND completed_at <= due_at AND completed_at <= %s "
        f"THEN 1 ELSE 0 END{zeros6} "
        f"FROM {TASK} WHERE store_id IN {stores} AND status IN {sql.in_list(COUNTED)} "
        f"AND due_at >= %s AND due_at < %s AND kind <> %s "
        f"UNION ALL SELECT 's', customer_id, COUNT(*), SUM(CASE WHEN overall_score >= %s THEN 1 ELSE 0 END){zeros6} "
        f"FROM {SurveyResponse._meta.db_table} WHERE store_id IN {stores} AND status = %s "
        f"AND completed_at >= %s AND completed_at < %s AND overall_score IS NOT NULL GROUP BY customer_id "
        f"UNION ALL SELECT 'c', 0, COUNT(*), SUM(CASE WHEN status IN {resolved} THEN 1 ELSE 0 END), "
        f"{clock('contact_due_at', 'contacted_at')}, {clock('answer_due_at', 'resolved_at')}, "
        f"{clock('inform_due_at', 'informed_at')} "
        f"FROM {Complaint._meta.db_table} WHERE store_id IN {stores} AND received_at >= %s AND received_at < %s "
        f"UNION ALL SELECT DISTINCT 'u', customer_id, 0, 0{zeros6} FROM {Complaint._meta.db_table} "
        f"WHERE store_id IN {stores} AND received_at >= %s AND received_at < %s "
        f"AND (status NOT IN {resolved} OR (status = %s AND satisfaction <= 2)) "
        f"UNION ALL SELECT 't', followup_coverage_pct, satisfaction_pct, complaint_resolution_pct, "
        f"complaint_on_time_pct, 0, 0, 0, 0, 0 FROM {KpiTargets._meta.db_table} WHERE store_id = %s AND %s = 1"
    )  # (a store's own targets; several stores are measured against the defaults: KpiTargets.for_stores)
    params = [TaskStatus.DONE, now, *store_ids, *COUNTED, a, b, Kind.MESSAGE,
              SATISFIED_MIN_SCORE, *store_ids, ResponseStatus.COMPLETED, a, b,
              *RESOLVED_STATUSES, now, now, now, *store_ids, a, b,
              *store_ids, a, b, *RESOLVED_STATUSES, ComplaintStatus.CLOSED,
              store_ids[0], len(store_ids)]  # fmt: skip
    due = done = surveyed = satisfied = 0
    dissatisfied, unhappy = [], []
    complaints = (0,) * 8
    targets = None
    not_done, called = set(), set()
    for tag, key, n, m, *more in sql.rows(text, params):
        if tag == "f":
            # Per customer (docs/DOMAIN.md §18.5): followed up when every due call was made on time.
            called.add(key)
            if not m:
                not_done.add(key)
        elif tag == "s":
            surveyed, satisfied = surveyed + n, satisfied + m
            if m < n:
                dissatisfied.append(key)
        elif tag == "c":
            complaints = (n, m or 0, *(v or 0 for v in more))
        elif tag == "u":
            unhappy.append(key)
        else:
            targets = (key, n, m, more[0])
    defaults = KpiTargets()
    targets = targets or (defaults.followup_coverage_pct, defaults.satisfaction_pct,
                          defaults.complaint_resolution_pct, defaults.complaint_on_time_pct)  # fmt: skip
    pct = [(Decimal(t) / 100).quantize(Decimal("0.0001")) for t in targets]
    total, resolved_n, cd, co, ad, ao, idd, io = complaints
    due, done = len(called), len(called - not_done)
    retention, repurchase = crm_kpis_by_hand(sql, store_ids, start, end)
    kept, regular, left = retention
    back, visiting, first_timers = repurchase
    return [
        ("retention", rate(kept, regular), Decimal("0.8500"), kept, regular, sorted(left)),
        ("followup_coverage", rate(done, due), pct[0], done, due, sorted(not_done)),
        ("satisfaction", rate(satisfied, surveyed), pct[1], satisfied, surveyed, sorted(dissatisfied)),
        ("complaint_resolution", rate(resolved_n, total), pct[2], resolved_n, total, []),
        ("repurchase", rate(back, visiting), Decimal("0.7000"), back, visiting, sorted(first_timers)),
        ("contact_on_time_rate", rate(co, cd), pct[3], None, None, []),
        ("answer_on_time_rate", rate(ao, ad), pct[3], None, None, []),
        ("inform_on_time_rate", rate(io, idd), pct[3], None, None, []),
        ("open_dissatisfied", len(unhappy), 0, None, None, sorted(unhappy)),
    ]


def crm_kpis_by_hand(sql, store_ids: list[int], start: datetime, end: datetime) -> tuple[tuple, tuple]:
    """Retention and repurchase (docs/DOMAIN.md §18.5) in two statements: each profile's stage at the
    start and at the end from the stage history (the latest change before, by the history's index),
    and each customer visiting in the period with whether an earlier visit exists."""
    from aftercare.crm.models import CustomerProfile, SegmentChange

    adapt = connection.ops.adapt_datetimefield_value
    a, b = adapt(start), adapt(end)
    stores = sql.in_list(store_ids)
    change = SegmentChange._meta.db_table

    def stage_at():
        return (f"(SELECT sc.new_value FROM {change} sc WHERE sc.customer_id = p.customer_id AND sc.dimension = %s "
                f"AND sc.changed_at < %s ORDER BY sc.changed_at DESC, sc.id DESC LIMIT 1)")  # fmt: skip

    stages = sql.rows(
        f"SELECT p.customer_id, {stage_at()}, {stage_at()} FROM {CustomerProfile._meta.db_table} p "
        f"WHERE p.store_id IN {stores} AND p.first_visit_at < %s",
        ["stage", a, "stage", b, *store_ids, a],
    )
    regular = [(c, end_stage) for c, start_stage, end_stage in stages if start_stage == "regular"]
    left = [c for c, end_stage in regular if end_stage != "regular"]
    order = RepairOrder._meta.db_table
    visits = sql.rows(
        f"SELECT v.customer_id, EXISTS (SELECT 1 FROM {order} e WHERE e.customer_id = v.customer_id "
        f"AND e.status <> %s AND e.opened_at < %s) FROM (SELECT DISTINCT customer_id FROM {order} "
        f"WHERE store_id IN {stores} AND status <> %s AND opened_at >= %s AND opened_at < %s) v",
        ["cancelled", a, *store_ids, "cancelled", a, b],
    )
    first_timers = [c for c, earlier in visits if not earlier]
    return (len(regular) - len(left), len(regular), left), (len(visits) - len(first_timers), len(visits), first_timers)


@operation("nightly.kpis", goal=NIGHTLY, kind="nightly")
def nightly_kpis(ctx: Context) -> Case:
    """reports.selectors.manager_numbers for last month at the store (coverage,
    satisfaction, complaint resolution and clocks, with the customers behind them)
    against one hand-written statement of grouped and conditional aggregates."""
    sql, store_ids = raw(ctx), [_store(ctx).pk]
    start, end = _month(ctx)

    def run():
        return manager_numbers(store_ids=store_ids, start=start, end=end)

    def by_hand():
        return kpis_by_hand(sql, store_ids, start, end)

    def same() -> bool:
        ours = _kpi_answer(run())
        coverage = next(k for k in ours if k[0] == "followup_coverage")
        return ours == by_hand() and coverage[4] > 0

    return Case(run=run, floor=[by_hand], same_answer=same)
