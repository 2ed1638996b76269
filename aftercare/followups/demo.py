"""Demo follow-ups: the calls the demo's delivered repair orders ask for, churn and
holiday care, and a store that keeps up: the calls of past days were made by the
people who own them (a few unreachable, one raising a problem), so each queue
shows a real day — a few overdue calls, the calls due now and those coming up."""

import random
from datetime import date, timedelta

from django.utils import timezone

from aftercare.accounts.models import User
from aftercare.accounts.roles import Role
from aftercare.accounts.selectors import store_service_manager
from aftercare.core.models import Store
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder

from . import services
from .choices import ContactChannel, ProblemCategory, TaskStatus
from .models import FollowUpTask

# Calls whose deadline passed more than this long ago were made (or closed as
# unreachable); the most recent few are left overdue, as in a real morning.
WORKED_BEFORE = timedelta(hours=48)
LEFT_OVERDUE_PER_OWNER = 3
FEEDBACK = ["服务很好", "挺满意的", "没什么问题", "下次保养还来", "技师挺专业的", "车洗得很干净"]


def _caller(task: FollowUpTask, care: User | None, manager: User | None) -> User | None:
    """Who makes the call: its owner, else someone holding the role it was given."""
    if task.owner_id:
        return task.owner
    if task.owner_role == Role.CUSTOMER_CARE:
        return care
    return manager


def _work_past_calls(store: Store, rng: random.Random, now, care, manager, *, problem: bool = True) -> None:
    past = list(
        FollowUpTask.objects.filter(store=store, status=TaskStatus.OPEN, due_at__lt=now)
        .select_related("store", "owner")
        .order_by("-due_at", "id")
    )
    left: dict[tuple, int] = {}
    first_problem = problem
    for task in past:
        owner_key = (task.owner_id, task.owner_role)
        if task.due_at >= now - WORKED_BEFORE and left.get(owner_key, 0) < LEFT_OVERDUE_PER_OWNER:
            left[owner_key] = left.get(owner_key, 0) + 1
            continue
        caller = _caller(task, care, manager)
        if caller is None:
            continue
        called_at = min(task.available_at + timedelta(hours=rng.randint(1, 6)), task.due_at, now)
        if rng.random() < 0.08:
            # Not reached three times: closed as unreachable.
            for _try in range(3):
                services.followup_attempt(actor=caller, task=task, channel=ContactChannel.PHONE, note="无人接听")
                task.refresh_from_db()
            FollowUpTask.objects.filter(pk=task.pk).update(completed_at=called_at)
            continue
        if first_problem:
            data = {
                "satisfaction": 2, "problem_category": ProblemCategory.EFFICIENCY,
                "feedback": "等待时间过长，差不多等了1个小时", "responsible": manager,
            }  # fmt: skip
            first_problem = False
        else:
            data = {"satisfaction": rng.choice([4, 5, 5, 5]), "feedback": rng.choice(FEEDBACK)}
        channel = rng.choice([ContactChannel.PHONE, ContactChannel.PHONE, ContactChannel.WECHAT])
        services.followup_record(
            actor=caller, task=task, data={"contact_channel": channel, "contacted_at": called_at, **data}
        )
        # The call was made that day: the record says so (a demo backfill, as the orders' history).
        FollowUpTask.objects.filter(pk=task.pk).update(completed_at=called_at)


def seed_followups(store: Store, rng: random.Random, today: date) -> int:
    delivered = RepairOrder.objects.filter(store=store, status=Status.DELIVERED).order_by("closed_at", "id")
    for order_id in delivered.values_list("id", flat=True):
        services.followups_for_delivery(repair_order_id=order_id)
    now = timezone.now()
    services.followups_generate_churn(store=store, now=now)
    services.followups_generate_holiday(store=store, today=today)
    manager = store_service_manager(store)
    care = User.objects.filter(memberships__store=store, memberships__role=Role.CUSTOMER_CARE).order_by("id").first()
    if manager is None or FollowUpTask.objects.filter(store=store).exclude(status=TaskStatus.OPEN).exists():
        return FollowUpTask.objects.filter(store=store).count()
    _work_past_calls(store, rng, now, care, manager)
    # An unreachable first try on a call due now, and one call handed over to the specialists.
    due_now = FollowUpTask.objects.filter(
        store=store, status=TaskStatus.OPEN, available_at__lte=now, due_at__gte=now, owner__isnull=False
    ).order_by("due_at", "id")
    first = due_now.select_related("store").first()
    if first is not None:
        services.followup_attempt(actor=first.owner, task=first, channel=ContactChannel.PHONE, note="无人接听")
    second = due_now.exclude(pk=getattr(first, "pk", None)).select_related("store").first()
    if second is not None:
        services.followup_reassign(
            actor=manager, task=second, owner_role=Role.CUSTOMER_CARE, reason="顾问今天休息，由客服专员回访"
        )
    return FollowUpTask.objects.filter(store=store).count()


def work_past_calls(store: Store, rng: random.Random) -> None:
    """The calls other steps of the demo made for past days (the retention rules'
    month of nights) were made too, as seed_followups does for its own."""
    manager = store_service_manager(store)
    care = User.objects.filter(memberships__store=store, memberships__role=Role.CUSTOMER_CARE).order_by("id").first()
    if manager is not None:
        _work_past_calls(store, rng, timezone.now(), care, manager, problem=False)
