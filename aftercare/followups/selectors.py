"""Reads of the follow-up system shared by pages, the API and reports."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.db.models import Q
from django.utils import timezone

from aftercare.core.permissions import Perm
from aftercare.service.choices import LineStatus
from aftercare.service.models import RepairOrder, RepairOrderLine

from .choices import Kind, TaskStatus
from .filters import FollowUpTaskFilterSet
from .models import FollowUpScript, FollowUpTask
from .scripts import DEFAULT_SCRIPTS, render_script, since_visit

RATE_PLACES = Decimal("0.0001")
QUEUE_LIMIT = 200


def rate(numerator: int, denominator: int) -> Decimal | None:
    """A ratio 0-1 rounded to 4 places, None when there is nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def visible_to(user, perm: str = Perm.FOLLOWUP_WORK):
    return FollowUpTask.objects.for_user(user, perm)


def mine_or_claimable(user) -> Q:
    """Tasks owned by the user, or owned by nobody but a role the user holds in
    the task's store (or by no role at all): those can be claimed. A task escalated
    to the user shows too (docs/DOMAIN.md §7.5), while it stays in its caller's queue."""
    condition = Q(owner=user) | Q(escalated_to=user)
    for store_id in user.store_ids(Perm.FOLLOWUP_WORK):
        condition |= Q(store_id=store_id, owner__isnull=True, owner_role__in=[*user.roles_at(store_id), ""])
    return condition


def followup_tasks_due_for(user, now: datetime | None = None, everyone: bool = False, filters=None) -> dict:
    """The work queue: {"overdue": [...], "due": [...], "upcoming": [...]} of open
    tasks, earliest deadline first. One query whatever the length. `filters` (a
    query dict) narrows it by FollowUpTaskFilterSet, the API list's filters."""
    now = now or timezone.now()
    tasks = visible_to(user).open().select_related("customer", "vehicle", "owner", "repair_order")
    if not everyone:
        tasks = tasks.filter(mine_or_claimable(user))
    if filters:
        tasks = FollowUpTaskFilterSet(filters, queryset=tasks, user=user).qs
    queue = {"overdue": [], "due": [], "upcoming": []}
    for task in tasks.order_by("due_at", "id")[:QUEUE_LIMIT]:
        if task.due_at < now:
            queue["overdue"].append(task)
        elif task.available_at <= now:
            queue["due"].append(task)
        else:
            queue["upcoming"].append(task)
    return queue


# Every status but cancelled, named: an IN list lets the (store, status, due_at) index serve the period.
COUNTED_STATUSES = [status for status in TaskStatus.values if status != TaskStatus.CANCELLED]


def coverage_tasks(*, store_ids, start, end):
    """The follow-ups due in [start, end): cancelled ones are not counted, nor the calls
    that only pass on a message (docs/DOMAIN.md §10.2: coverage is of follow-up calls)."""
    return FollowUpTask.objects.filter(
        store_id__in=list(store_ids), status__in=COUNTED_STATUSES, due_at__gte=start, due_at__lt=end
    ).exclude(kind=Kind.MESSAGE)


def followup_coverage(*, store_ids, start, end) -> dict:
    """Follow-up coverage of the calls due in [start, end) (docs/DOMAIN.md §10.2):
    rate = done / due, where done = called (an unreachable or still open task is
    not done). due_customer_ids and missed_customer_ids (a customer with any due
    call not done) are for the drill-down.

    One query of (customer, status), unsorted. A customer has about one call a
    month, so GROUP BY customer returns as many rows and adds the database's sort;
    the sets are built here."""
    rows = coverage_tasks(store_ids=store_ids, start=start, end=end).order_by().values_list("customer_id", "status")
    customers, missed, due, done = set(), set(), 0, 0
    for customer_id, status in rows:
        due += 1
        customers.add(customer_id)
        if status == TaskStatus.DONE:
            done += 1
        else:
            missed.add(customer_id)
    return {
        "due": due,
        "done": done,
        "rate": rate(done, due),
        "due_customer_ids": sorted(customers),
        "missed_customer_ids": sorted(missed),
    }


def _caller_role(user, store_id: int) -> str:
    """The caller's role at the store, as the customer hears it (the first in Role order)."""
    from aftercare.accounts.roles import Role

    held = user.roles_at(store_id) if user is not None else frozenset()
    return next((str(label) for value, label in Role.choices if value in held), "")


def script_context(task: FollowUpTask, caller=None, now: datetime | None = None) -> dict:
    """What a script is rendered with (docs/DOMAIN.md §7.3): the customer, the person
    making the call (the caller's own name and role, not the order's advisor), the
    order's repair type, and how long ago the visit was (the delivery of the order,
    else the customer's last visit)."""
    now = now or timezone.now()
    order = task.repair_order if task.repair_order_id else None
    advisor = order.advisor if order is not None else None
    caller = caller or task.owner or advisor
    visit = (order.closed_at or order.opened_at) if order is not None else task.customer.last_visit_at
    days = (timezone.localdate(now) - timezone.localdate(visit)).days if visit else None
    next_service = ""
    if task.vehicle_id and hasattr(task.vehicle, "next_service_due"):
        due = task.vehicle.next_service_due()
        next_service = str(due[0] if isinstance(due, tuple) else due or "")
    repair_type = order.repair_type if order is not None else None
    return {
        "customer": task.customer.name,
        "caller": str(caller or ""),
        "caller_role": _caller_role(caller, task.store_id),
        "advisor": str(advisor or caller or ""),
        "store": task.store.name,
        "store_phone": task.store.rescue_phone or task.store.phone,
        "repair_type": repair_type.name if repair_type else "",
        "first_free": bool(repair_type and repair_type.code == "first_free"),
        "since_visit": since_visit(days),
        "visit_date": str(timezone.localdate(visit)) if visit else "",
        "next_service": next_service or "—",
        "holiday": task.note if task.kind == Kind.HOLIDAY else "",
    }


def script_for(task: FollowUpTask, caller=None, now: datetime | None = None) -> str:
    """The store's script for the task's kind (or the default), rendered for this
    call and this caller."""
    own = FollowUpScript.objects.filter(store_id=task.store_id, kind=task.kind).values_list("text", flat=True).first()
    text = own or DEFAULT_SCRIPTS.get(Kind(task.kind), "")
    return render_script(text, script_context(task, caller=caller, now=now))


def caller_context(task: FollowUpTask, user) -> dict:
    """What the caller sees before calling (docs/DOMAIN.md §7.3): the last repair
    orders with lines, declined work, complaints (if that app is installed and
    the user may see them), preferences and the preferred channel."""
    orders = list(
        RepairOrder.objects.filter(customer_id=task.customer_id, store_id=task.store_id)
        .select_related("vehicle", "advisor", "repair_type")
        .prefetch_related("lines")
        .order_by("-opened_at")[:5]
    )
    declined = list(
        RepairOrderLine.objects.filter(
            repair_order__customer_id=task.customer_id, repair_order__store_id=task.store_id,
            status=LineStatus.DECLINED,
        ).select_related("repair_order").order_by("-repair_order__opened_at")[:20]
    )  # fmt: skip
    complaints = None
    if apps.is_installed("aftercare.complaints") and user.has_perm(Perm.COMPLAINT_VIEW, task.store):
        from aftercare.complaints.models import Complaint

        complaints = list(
            Complaint.objects.filter(customer_id=task.customer_id, store_id=task.store_id).order_by("-received_at")[:10]
        )
    history = list(
        FollowUpTask.objects.filter(customer_id=task.customer_id, store_id=task.store_id)
        .exclude(pk=task.pk)
        .exclude(status=TaskStatus.OPEN)
        .order_by("-completed_at")[:5]
    )
    return {"orders": orders, "declined": declined, "complaints": complaints, "previous": history}


# Why a customer due a call was not followed up (docs/DOMAIN.md §18.5).
CAUSE_NOT_MADE = "followup_not_made"
CAUSE_MADE_LATE = "followup_made_late"


def coverage_kpi(*, store_ids, start, end, as_of=None) -> dict:
    """Follow-up coverage counted per customer (docs/DOMAIN.md §18.5): a customer with a call
    due in [start, end) is followed up when every such call was made (done) by its deadline,
    as known at `as_of` (default now). Rows: one per customer due, with the first failing
    call's cause (not made / made late), the person who owned it and the order it is about.

    One query of the due calls (a customer has about one call a month), folded here."""
    as_of = as_of or timezone.now()
    rows_by_customer: dict[int, dict] = {}
    tasks = (
        coverage_tasks(store_ids=store_ids, start=start, end=end)
        .order_by("customer_id", "due_at", "id")
        .values_list("customer_id", "id", "status", "due_at", "completed_at", "owner_id", "completed_by_id",
                     "repair_order_id")
    )  # fmt: skip
    for customer_id, task_id, status, due_at, completed_at, owner_id, completed_by_id, order_id in tasks:
        row = rows_by_customer.setdefault(
            customer_id,
            {"customer_id": customer_id, "ok": True, "cause": "", "person_id": owner_id, "repair_order_id": order_id,
             "task_id": task_id, "at": due_at},
        )  # fmt: skip
        if not row["ok"]:
            continue
        made = status == TaskStatus.DONE and completed_at is not None and completed_at <= as_of
        if not made:
            cause = CAUSE_NOT_MADE
        elif completed_at > due_at:
            cause = CAUSE_MADE_LATE
        else:
            continue
        row.update(ok=False, cause=cause, person_id=owner_id or completed_by_id, repair_order_id=order_id,
                   task_id=task_id, at=due_at)  # fmt: skip
    rows = list(rows_by_customer.values())
    done = sum(1 for row in rows if row["ok"])
    return {"numerator": done, "denominator": len(rows), "rate": rate(done, len(rows)), "rows": rows}
