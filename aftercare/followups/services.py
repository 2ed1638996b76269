"""Follow-up calls: generation (on delivery, and scheduled churn / holiday care),
the work on a task (claim, reassign, record, unreachable attempts), escalation
of overdue tasks, and the problems a call raises. Every change runs in one
transaction, locks the task it checks, and audits."""

from datetime import UTC, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.template import TemplateSyntaxError
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.accounts.roles import Role
from aftercare.accounts.selectors import store_service_manager
from aftercare.core.audit import audit_record, created_changes
from aftercare.core.exceptions import Conflict
from aftercare.core.models import AuditEntry, Store
from aftercare.core.permissions import Perm, require
from aftercare.customers.models import Customer
from aftercare.service.choices import Status as ROStatus
from aftercare.service.models import RepairOrder

from .choices import Kind, ProblemCategory, ProblemStatus, RecordStatus, TaskStatus
from .holidays import HOLIDAY_NAMES, holidays_in_care_window
from .models import FollowUpAttempt, FollowUpProblem, FollowUpRule, FollowUpTask
from .scripts import check_script

# A satisfaction (or survey overall score) at or below this raises a problem.
LOW_SCORE = 2
CALL_HOUR = time(9, 0)


def _at(day, hour: time = CALL_HOUR) -> datetime:
    return timezone.make_aware(datetime.combine(day, hour))


# --- generation ----------------------------------------------------------------------------------


def followup_create(
    *,
    store,
    customer,
    kind: str,
    due_at,
    source_key: str,
    owner=None,
    owner_role=None,
    vehicle=None,
    repair_order=None,
    note: str = "",
    available_at=None,
) -> FollowUpTask:
    """Create the follow-up task for `source_key`, or return the one already made
    (unique (store, kind, source_key): a second call, a retry after a crash or a
    race all end with one task)."""
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Unknown follow-up type: %(kind)s") % {"kind": kind}})
    existing = FollowUpTask.objects.filter(store=store, kind=kind, source_key=source_key).first()
    if existing:
        return existing
    available_at = available_at or min(timezone.now(), due_at)
    try:
        # A savepoint: losing a race raises IntegrityError without spoiling the caller's transaction.
        with transaction.atomic():
            task = FollowUpTask.objects.create(
                store=store, customer=customer, kind=kind, source_key=source_key[:80], due_at=due_at,
                available_at=available_at, owner=owner, owner_role=owner_role or "", vehicle=vehicle,
                repair_order=repair_order, note=(note or "")[:500],
            )  # fmt: skip
            audit_record(actor=None, action=AuditEntry.Action.CREATE, obj=task, changes=created_changes(task))
    except IntegrityError:
        return FollowUpTask.objects.get(store=store, kind=kind, source_key=source_key[:80])
    return task


def _is_first_delivery(order: RepairOrder) -> bool:
    """The customer's first delivered repair order at this store."""
    earlier = RepairOrder.objects.filter(
        store_id=order.store_id, customer_id=order.customer_id, status=ROStatus.DELIVERED
    ).exclude(pk=order.pk)
    if order.closed_at:
        earlier = earlier.filter(closed_at__lt=order.closed_at)
    return not earlier.exists()


def followups_for_delivery(*, repair_order_id: int) -> list[FollowUpTask]:
    """The call(s) a delivered repair order asks for (docs/DOMAIN.md §7.1, §7.2): by
    default the first service within 24 h (advisor), a repair after 7 days (advisor),
    regular maintenance 3-5 days after (customer specialist). Idempotent."""
    order = RepairOrder.objects.select_related("store", "repair_type").filter(pk=repair_order_id).first()
    if order is None or order.status != ROStatus.DELIVERED:
        return []
    rule = FollowUpRule.for_store(order.store)
    delivered = order.closed_at or timezone.now()
    common = {"store": order.store, "customer_id": order.customer_id}
    code = order.repair_type.code
    # Calls are planned on the store's calendar: the local date of the delivery, not
    # the UTC one (a car handed over before 08:00 in Asia/Shanghai is still that day's).
    day = timezone.localdate(delivered)
    if _is_first_delivery(order):
        spec = {
            "kind": Kind.FIRST_SERVICE, "owner": order.advisor, "available_at": delivered,
            "due_at": delivered + timedelta(hours=rule.first_service_hours),
        }  # fmt: skip
    elif code in rule.repair_codes:
        start = _at(day + timedelta(days=rule.repair_days))
        spec = {
            "kind": Kind.REPAIR, "owner": order.advisor, "available_at": start, "due_at": start + timedelta(hours=9),
        }  # fmt: skip
    elif code in rule.maintenance_codes:
        spec = {
            "kind": Kind.MAINTENANCE, "owner_role": Role.CUSTOMER_CARE,
            "available_at": _at(day + timedelta(days=rule.maintenance_from_days)),
            "due_at": _at(day + timedelta(days=rule.maintenance_to_days), time(18, 0)),
        }  # fmt: skip
    else:
        return []
    customer = Customer.objects.get(pk=order.customer_id)
    common.pop("customer_id")
    with transaction.atomic():
        task = followup_create(
            **common, **spec, customer=customer, vehicle=order.vehicle, repair_order=order,
            source_key=f"ro:{order.pk}", note=order.number,
        )  # fmt: skip
        _thank_for_delivery(order, customer)
    return [task]


def _thank_for_delivery(order: RepairOrder, customer: Customer) -> None:
    """Thanks after delivery with the advisor's contact and the survey link, through
    the messaging door (docs/DOMAIN.md §15.1). Once per order: a rerun of the
    generation finds the message and issues no second survey link."""
    from django.conf import settings

    from aftercare.messaging.models import Message
    from aftercare.messaging.services import contact_check, message_send, staff_context
    from aftercare.surveys.services import kind_for_order, survey_link_issue

    key = f"delivered:{order.pk}"
    if Message.objects.filter(store_id=order.store_id, dedupe_key=key).exclude(state="cancelled").exists():
        return
    link = ""
    if contact_check(customer=customer, purpose="service").allowed:
        _response, path = survey_link_issue(
            actor=None, store=order.store, customer=customer, repair_order=order, kind=kind_for_order(order)
        )
        link = settings.SITE_URL.rstrip("/") + path
    message_send(
        store=order.store, customer=customer, vehicle=order.vehicle, purpose="service", template_code="delivered",
        context={**staff_context(order.advisor), "link": link}, dedupe_key=key, source=order,
    )  # fmt: skip


def day_key_sql(column: str, start: datetime, end: datetime, tz=UTC) -> tuple[str, list]:
    """(SQL, params) giving the date (YYYYMMDD) in `tz` of `column`, for values in [start, end).

    The same SQL on SQLite and PostgreSQL: the midnights between start and end
    are computed here (a zone's rules, summer time included, stay in Python)
    and the column is placed among them by a balanced CASE tree, so a row costs
    a handful of comparisons and no date function."""
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    bound = connection.ops.adapt_datetimefield_value

    def tree(lo: int, hi: int) -> tuple[str, list]:
        if hi - lo == 1:
            return "%s", [f"{days[lo]:%Y%m%d}"]
        mid = (lo + hi) // 2
        left, left_params = tree(lo, mid)
        right, right_params = tree(mid, hi)
        midnight = timezone.make_aware(datetime.combine(days[mid], time.min), tz)
        return f"CASE WHEN {column} < %s THEN {left} ELSE {right} END", [bound(midnight), *left_params, *right_params]

    return tree(0, len(days))


def _insert_tasks(*, kind: str, store: Store, select: dict, where: tuple[str, list], values: dict) -> int:
    """INSERT INTO the task table SELECT one task per customer row: `select` maps
    fields to (SQL over customers_customer, params), `values` gives constants,
    every other field takes its default. ON CONFLICT on (store, kind, source_key)
    skips the tasks made before, so generating twice never calls a customer
    twice; the count is the cursor's (rows inserted). One statement whatever the
    number of customers, and the audit row in the same transaction."""
    now = timezone.now()
    values = {"kind": kind, "store": store.pk, "created_at": now, "updated_at": now, **values}
    columns, expressions, params = [], [], []
    for f in FollowUpTask._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(connection.ops.quote_name(f.column))
        if f.name in select:
            sql, more = select[f.name]
            expressions.append(sql)
            params += more
        else:
            expressions.append("%s")
            params.append(f.get_db_prep_save(values[f.name] if f.name in values else f.get_default(), connection))
    condition, condition_params = where
    # The WHERE is never empty: SQLite needs one to read ON CONFLICT as the upsert clause, not a join's.
    sql = (
        f"INSERT INTO {FollowUpTask._meta.db_table} ({', '.join(columns)}) "  # noqa: S608 (names from the model)
        f"SELECT {', '.join(expressions)} FROM {Customer._meta.db_table} WHERE {condition} "
        "ON CONFLICT (store_id, kind, source_key) DO NOTHING"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [*params, *condition_params])
        created = max(cursor.rowcount, 0)
        if created:
            audit_record(
                actor=None, action=AuditEntry.Action.CREATE, store=store.pk, object_repr=f"followups:{kind}",
                changes={"created": [0, created]},
            )  # fmt: skip
    return created


def _may_call() -> tuple[str, list]:
    """Churn-warning and holiday-care calls are marketing by phone: only customers
    the messaging door allows for that (docs/DOMAIN.md §2.6, §15.1), asked set-based."""
    from aftercare.messaging.choices import Channel, Purpose
    from aftercare.messaging.selectors import contact_allowed_sql

    return contact_allowed_sql(purpose=Purpose.MARKETING, channel=Channel.PHONE)


def followups_generate_churn(*, store: Store, now=None) -> int:
    """Churn-warning calls for customers whose last visit is more than N months
    ago (one call per absence: the key names the day of the last visit).
    Only the window of one period back is looked at, so a customer lost long
    ago is not called again every day. One INSERT ... SELECT."""
    now = now or timezone.now()
    rule = FollowUpRule.for_store(store)
    cutoff = now - relativedelta(months=rule.churn_months)
    since = cutoff - relativedelta(months=rule.churn_months)
    # The key's day is the UTC date of the last visit, as the keys made so far have it
    # (f"{last_visit_at:%Y%m%d}" of the UTC datetime the database returns).
    day_sql, day_params = day_key_sql("last_visit_at", since, cutoff, UTC)
    bound = connection.ops.adapt_datetimefield_value
    allowed, allowed_params = _may_call()
    return _insert_tasks(
        kind=Kind.CHURN, store=store,
        select={
            "customer": ("id", []),
            "source_key": (f"%s || CAST(id AS TEXT) || %s || {day_sql}", [f"{Kind.CHURN}:", ":", *day_params]),
        },
        where=(
            "store_id = %s AND merged_into_id IS NULL AND last_visit_at >= %s AND last_visit_at < %s AND " + allowed,
            [store.pk, bound(since), bound(cutoff), *allowed_params],
        ),
        values={
            "owner_role": Role.CUSTOMER_CARE, "available_at": now,
            "due_at": now + timedelta(days=rule.churn_call_days),
        },
    )  # fmt: skip


def followups_generate_holiday(*, store: Store, today=None) -> int:
    """Holiday-care calls one week before each major holiday, for the customers
    seen within the last N months. One INSERT ... SELECT per holiday."""
    today = today or timezone.localdate()
    rule = FollowUpRule.for_store(store)
    allowed, allowed_params = _may_call()
    created = 0
    for code, day in holidays_in_care_window(today, rule.holiday_days_before):
        since = _at(day) - relativedelta(months=rule.holiday_active_months)
        created += _insert_tasks(
            kind=Kind.HOLIDAY, store=store,
            select={"customer": ("id", []), "source_key": ("%s || CAST(id AS TEXT)", [f"holiday:{day:%Y%m%d}:"])},
            where=(
                "store_id = %s AND merged_into_id IS NULL AND last_visit_at >= %s AND " + allowed,
                [store.pk, connection.ops.adapt_datetimefield_value(since), *allowed_params],
            ),
            values={
                "owner_role": Role.CUSTOMER_CARE, "note": str(HOLIDAY_NAMES[code]),
                "available_at": _at(day - timedelta(days=rule.holiday_days_before)),
                "due_at": _at(day - timedelta(days=1), time(18, 0)),
            },
        )  # fmt: skip
    return created


def followups_generate_scheduled(*, now=None, stores=None) -> int:
    """The nightly churn and holiday calls of every active store, store by store
    (each store's calls commit on their own: a crash halfway resumes without
    duplicates). A constant number of statements per store."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    stores = Store.objects.filter(is_active=True) if stores is None else stores
    created = 0
    for store in stores:
        created += followups_generate_churn(store=store, now=now)
        created += followups_generate_holiday(store=store, today=today)
    return created


# --- working a task ------------------------------------------------------------------------------


def _locked(task: FollowUpTask) -> FollowUpTask:
    return FollowUpTask.objects.select_for_update().get(pk=task.pk)


def _check_open(task: FollowUpTask) -> None:
    if task.status != TaskStatus.OPEN:
        raise Conflict(_("This follow-up is already closed."))


def followup_claim(*, actor, task: FollowUpTask) -> FollowUpTask:
    """Take a task assigned to a role in the store."""
    require(actor, Perm.FOLLOWUP_WORK, task.store)
    with transaction.atomic():
        task = _locked(task)
        _check_open(task)
        if task.owner_id and task.owner_id != actor.pk:
            raise ValidationError(_("Someone else already owns this follow-up."))
        if task.owner_role and task.owner_role not in actor.roles_at(task.store_id):
            raise ValidationError(_("This follow-up is for another role."))
        task.owner = actor
        task.save(update_fields=["owner", "updated_at"])
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=task, changes={"owner": [None, actor.pk]})
    return task


def followup_reassign(*, actor, task: FollowUpTask, owner=None, owner_role: str = "", reason: str = "") -> FollowUpTask:
    """Give a task to another person (who must work follow-ups in the store) or role."""
    require(actor, Perm.FOLLOWUP_WORK, task.store)
    if owner is None and not owner_role:
        raise ValidationError({"owner": _("Choose a person or a role.")})
    if owner is not None and not owner.has_perm(Perm.FOLLOWUP_WORK, task.store):
        raise ValidationError({"owner": _("This person does not work follow-ups in this store.")})
    if owner_role and owner_role not in Role.values:
        raise ValidationError({"owner_role": _("Unknown role.")})
    with transaction.atomic():
        task = _locked(task)
        _check_open(task)
        before = {"owner": task.owner_id, "owner_role": task.owner_role}
        task.owner = owner
        task.owner_role = owner_role or ""
        task.save(update_fields=["owner", "owner_role", "updated_at"])
        after = {"owner": task.owner_id, "owner_role": task.owner_role}
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=task, reason=reason,
            changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
        )  # fmt: skip
    return task


OUTCOME_FIELDS = (
    "contact_channel",
    "contact_value",
    "contacted_at",
    "feedback",
    "problem_category",
    "responsible",
    "handling_result",
    "satisfaction",
)


def followup_record(*, actor, task: FollowUpTask, data: dict) -> FollowUpTask:
    """Record the call (docs/DOMAIN.md §7.4). Satisfaction ≤ 2 or a problem category
    raises a FollowUpProblem for the responsible person (24 h clock, docs/DOMAIN.md §7.6); the record
    stays pending until the problem is handled and the customer told."""
    require(actor, Perm.FOLLOWUP_WORK, task.store)
    unknown = set(data) - set(OUTCOME_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be set here: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if not data.get("contact_channel"):
        raise ValidationError({"contact_channel": _("Say how the customer was reached.")})
    answered = data.get("satisfaction") is not None or str(data.get("feedback") or "").strip()
    if not answered and not data.get("problem_category"):
        # A call is saved with what the customer said (docs/DOMAIN.md §7.4); a customer not
        # reached is recorded as an unreachable attempt, which is a result too.
        raise ValidationError(
            {"satisfaction": _("Record the result: a satisfaction, the customer's feedback or a problem. "
                               "If the customer was not reached, record the call as not reachable.")}
        )  # fmt: skip
    satisfaction = data.get("satisfaction")
    if satisfaction is not None and not 1 <= int(satisfaction) <= 5:
        raise ValidationError({"satisfaction": _("Enter a satisfaction of 1 to 5.")})
    if data.get("problem_category") and data["problem_category"] not in ProblemCategory.values:
        raise ValidationError({"problem_category": _("Unknown problem category.")})
    responsible = data.get("responsible")
    if responsible is not None and not responsible.store_ids():
        raise ValidationError({"responsible": _("This person does not work in this store.")})
    if responsible is not None and task.store_id not in responsible.store_ids():
        raise ValidationError({"responsible": _("This person does not work in this store.")})
    now = timezone.now()
    with transaction.atomic():
        task = _locked(task)
        _check_open(task)
        for name in OUTCOME_FIELDS:
            if name in data and data[name] is not None:
                setattr(task, name, data[name])
        task.contacted_at = (task.contacted_at or now).replace(second=0, microsecond=0)
        raised = bool(task.problem_category) or (task.satisfaction is not None and task.satisfaction <= LOW_SCORE)
        task.status = TaskStatus.DONE
        task.record_status = RecordStatus.PENDING if raised else RecordStatus.RESOLVED
        task.completed_at = now
        task.completed_by = actor
        fields = [*OUTCOME_FIELDS, "status", "record_status", "completed_at", "completed_by", "updated_at"]
        task.save(update_fields=fields)
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=task, changes={"status": ["open", "done"]})
        if raised:
            _problem_open(
                store=task.store, source_key=f"task:{task.pk}", task=task, customer_id=task.customer_id,
                repair_order_id=task.repair_order_id, category=task.problem_category or ProblemCategory.OTHER,
                description=task.feedback, responsible=task.responsible, now=now,
            )  # fmt: skip
    return task


def followup_attempt(*, actor, task: FollowUpTask, channel: str, note: str = "") -> FollowUpTask:
    """A call that did not reach the customer. The task comes back after the
    store's retry delay; after the last try it closes as unreachable."""
    require(actor, Perm.FOLLOWUP_WORK, task.store)
    now = timezone.now()
    with transaction.atomic():
        task = _locked(task)
        _check_open(task)
        rule = FollowUpRule.for_store(task.store)
        FollowUpAttempt.objects.create(
            task=task, attempted_at=now, attempted_by=actor, channel=channel, note=note[:200]
        )
        task.attempts += 1
        fields = ["attempts", "updated_at"]
        if task.attempts >= rule.unreachable_tries:
            task.status = TaskStatus.UNREACHABLE
            task.completed_at = now
            task.completed_by = actor
            fields += ["status", "completed_at", "completed_by"]
        else:
            task.available_at = now + timedelta(hours=rule.retry_after_hours)
            task.due_at = max(task.due_at, task.available_at + timedelta(hours=rule.retry_after_hours))
            fields += ["available_at", "due_at"]
        task.save(update_fields=fields)
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=task, reason=note,
            changes={"attempts": [task.attempts - 1, task.attempts]},
        )  # fmt: skip
    return task


def followups_escalate(*, store: Store, now=None) -> int:
    """Flag the store's open tasks overdue by more than the escalation delay and
    give them to the service manager. The conditional update (escalated_at is
    null) makes two runs at once escalate each task once."""
    now = now or timezone.now()
    rule = FollowUpRule.for_store(store)
    manager = store_service_manager(store)
    if manager is None:
        return 0
    with transaction.atomic():
        overdue = FollowUpTask.objects.select_for_update().filter(
            store=store, status=TaskStatus.OPEN, escalated_at__isnull=True,
            due_at__lt=now - timedelta(hours=rule.escalate_after_hours),
        )  # fmt: skip
        ids = list(overdue.values_list("id", flat=True))
        if not ids:
            return 0
        # The owner keeps the call (docs/DOMAIN.md §7.5): the manager is told, and sees it
        # in their queue as escalated, but the task stays in the caller's queue.
        count = FollowUpTask.objects.filter(pk__in=ids, escalated_at__isnull=True).update(
            escalated_at=now, escalated_to=manager, updated_at=now
        )
        audit_record(
            actor=None, action=AuditEntry.Action.UPDATE, store=store, object_repr="followups:escalated",
            changes={"escalated": [[], ids], "escalated_to": [None, manager.pk]},
        )  # fmt: skip
    return count


# --- problems ------------------------------------------------------------------------------------


def _problem_open(*, store, source_key, customer_id, category, description="", task=None, repair_order_id=None,
                  responsible=None, now=None) -> FollowUpProblem:  # fmt: skip
    now = now or timezone.now()
    rule = FollowUpRule.for_store(store)
    existing = FollowUpProblem.objects.filter(store=store, source_key=source_key).first()
    if existing:
        return existing
    problem = FollowUpProblem.objects.create(
        store=store, source_key=source_key, task=task, customer_id=customer_id, repair_order_id=repair_order_id,
        category=category, description=description or "", responsible=responsible or store_service_manager(store),
        raised_at=now, due_at=now + timedelta(hours=rule.problem_hours),
    )  # fmt: skip
    audit_record(actor=None, action=AuditEntry.Action.CREATE, obj=problem, changes=created_changes(problem))
    return problem


def problem_from_survey(*, response_id: int) -> FollowUpProblem | None:
    """A survey answered with an overall score ≤ 2 opens a problem (once)."""
    from aftercare.surveys.models import SurveyResponse

    response = SurveyResponse.objects.select_related("store").filter(pk=response_id).first()
    if response is None or response.overall_score is None or response.overall_score > LOW_SCORE:
        return None
    with transaction.atomic():
        return _problem_open(
            store=response.store, source_key=f"survey:{response.pk}", customer_id=response.customer_id,
            repair_order_id=response.repair_order_id, category=ProblemCategory.QUALITY,
            description=response.comment or _("Low survey score: %(score)s") % {"score": response.overall_score},
        )  # fmt: skip


def _locked_problem(problem: FollowUpProblem) -> FollowUpProblem:
    return FollowUpProblem.objects.select_for_update().get(pk=problem.pk)


def problem_handle(*, actor, problem: FollowUpProblem, result: str) -> FollowUpProblem:
    require(actor, Perm.FOLLOWUP_WORK, problem.store)
    if not result.strip():
        raise ValidationError({"handling_result": _("Say how the problem was handled.")})
    with transaction.atomic():
        problem = _locked_problem(problem)
        if problem.status != ProblemStatus.OPEN:
            raise ValidationError(_("This problem is already handled."))
        problem.status = ProblemStatus.HANDLED
        problem.handled_at = timezone.now()
        problem.handling_result = result[:300]
        problem.save(update_fields=["status", "handled_at", "handling_result", "updated_at"])
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=problem, changes={"status": ["open", "handled"]})
        _tell_resolved(problem, actor)
    return problem


def _tell_resolved(problem: FollowUpProblem, actor) -> None:
    """The customer hears that the problem was handled, through the messaging door
    in the same transaction (docs/DOMAIN.md §15.1)."""
    from aftercare.messaging.services import message_send, staff_context

    message_send(
        store=problem.store, customer=problem.customer, purpose="service", template_code="followup_resolved",
        context={**staff_context(problem.responsible or actor), "result": problem.handling_result, "link": ""},
        dedupe_key=f"followup_resolved:{problem.pk}", actor=actor, source=problem,
    )  # fmt: skip


def problem_inform(*, actor, problem: FollowUpProblem) -> FollowUpProblem:
    """The customer was told the result: the problem, and its follow-up record, are resolved."""
    require(actor, Perm.FOLLOWUP_WORK, problem.store)
    with transaction.atomic():
        problem = _locked_problem(problem)
        if problem.status != ProblemStatus.HANDLED:
            raise ValidationError(_("Handle the problem before telling the customer."))
        problem.status = ProblemStatus.INFORMED
        problem.informed_at = timezone.now()
        problem.save(update_fields=["status", "informed_at", "updated_at"])
        if problem.task_id:
            task = FollowUpTask.objects.select_for_update().get(pk=problem.task_id)
            task.record_status = RecordStatus.RESOLVED
            task.handling_result = task.handling_result or problem.handling_result
            task.save(update_fields=["record_status", "handling_result", "updated_at"])
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=problem, changes={"status": ["handled", "informed"]}
        )
    return problem


# --- settings ------------------------------------------------------------------------------------


def followup_rule_save(*, actor, store: Store, rule: FollowUpRule) -> FollowUpRule:
    """Save a store's follow-up numbers (validated by the form or full_clean)."""
    require(actor, Perm.REPORT_VIEW, store)
    rule.store = store
    rule.full_clean(exclude=["store"])
    with transaction.atomic():
        before = FollowUpRule.objects.select_for_update().filter(store=store).values().first() or {}
        if before:
            rule.pk = before["id"]
        rule.save()
        after = FollowUpRule.objects.filter(pk=rule.pk).values().first()
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=rule, store=store,
            changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v and k != "id"},
        )  # fmt: skip
    return rule


def followup_script_save(*, actor, store: Store, kind: str, text: str) -> None:
    from .models import FollowUpScript

    require(actor, Perm.REPORT_VIEW, store)
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Unknown follow-up type: %(kind)s") % {"kind": kind}})
    if not text.strip():
        raise ValidationError({"text": _("Write the script.")})
    try:
        check_script(text)
    except TemplateSyntaxError as error:
        raise ValidationError({"text": _("The script cannot be read: %(error)s") % {"error": error}}) from error
    with transaction.atomic():
        script, _created = FollowUpScript.objects.update_or_create(store=store, kind=kind, defaults={"text": text})
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=script, store=store, changes={"text": ["", "…"]})


def message_call(message) -> FollowUpTask:
    """The messaging door's call channel (registered in apps.ready): a message that
    goes by phone, or a service notice no channel could carry, becomes a call for
    customer care due within the hour, once per message (docs/DOMAIN.md §15.1)."""
    now = timezone.now()
    return followup_create(
        store=message.store, customer=message.customer, vehicle=message.vehicle, kind=Kind.MESSAGE,
        source_key=f"message:{message.pk}", owner_role=Role.CUSTOMER_CARE, due_at=now + timedelta(hours=1),
        note=message.text[:500],
    )  # fmt: skip
