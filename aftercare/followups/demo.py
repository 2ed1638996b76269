"""Demo follow-ups: the calls the demo's delivered repair orders ask for, churn
and holiday care for today, and a few recorded outcomes (one raising a problem)."""

import random
from datetime import date, timedelta

from django.utils import timezone

from aftercare.accounts.roles import Role
from aftercare.accounts.selectors import store_service_manager
from aftercare.core.models import Store
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder

from . import services
from .choices import ContactChannel, ProblemCategory, TaskStatus
from .models import FollowUpTask


def seed_followups(store: Store, rng: random.Random, today: date) -> int:
    delivered = RepairOrder.objects.filter(store=store, status=Status.DELIVERED).order_by("closed_at", "id")
    for order_id in delivered.values_list("id", flat=True):
        services.followups_for_delivery(repair_order_id=order_id)
    now = timezone.now()
    services.followups_generate_churn(store=store, now=now)
    services.followups_generate_holiday(store=store, today=today)
    caller = store_service_manager(store)
    already_worked = FollowUpTask.objects.filter(store=store).exclude(status=TaskStatus.OPEN).exists()
    if caller is None or already_worked:
        return FollowUpTask.objects.filter(store=store).count()
    open_tasks = list(
        FollowUpTask.objects.filter(store=store, status=TaskStatus.OPEN, available_at__lte=now)
        .select_related("store")
        .order_by("due_at", "id")[:6]
    )
    for index, task in enumerate(open_tasks[:4]):
        if index == 0:
            data = {
                "contact_channel": ContactChannel.PHONE,
                "satisfaction": 2,
                "problem_category": ProblemCategory.EFFICIENCY,
                "feedback": "等待时间过长，差不多等了1个小时",
                "responsible": caller,
            }
        else:
            data = {
                "contact_channel": rng.choice([ContactChannel.PHONE, ContactChannel.WECHAT]),
                "satisfaction": rng.choice([4, 5, 5]),
                "feedback": rng.choice(["技师挺专业的", "服务很好", "没什么问题"]),
            }
        services.followup_record(actor=caller, task=task, data=data)
    if len(open_tasks) > 4:
        services.followup_attempt(actor=caller, task=open_tasks[4], channel=ContactChannel.PHONE, note="无人接听")
    if len(open_tasks) > 5 and open_tasks[5].owner_role == "":
        services.followup_reassign(actor=caller, task=open_tasks[5], owner_role=Role.CUSTOMER_CARE)
    # A store that keeps up: most calls of the last month are done, a few
    # still open, so the manager's coverage figure looks like a real month.
    recent = (
        FollowUpTask.objects.filter(store=store, status=TaskStatus.OPEN, available_at__lte=now)
        .filter(due_at__gte=now - timedelta(days=30))
        .exclude(pk__in=[task.pk for task in open_tasks])
        .select_related("store")
        .order_by("due_at", "id")
    )
    for task in recent:
        if rng.random() < 0.9:
            data = {
                "contact_channel": rng.choice([ContactChannel.PHONE, ContactChannel.WECHAT]),
                "satisfaction": rng.choice([4, 5, 5, 5]),
                "feedback": rng.choice(["服务很好", "挺满意的", "没什么问题", "下次保养还来"]),
            }
            services.followup_record(actor=caller, task=task, data=data)
    return FollowUpTask.objects.filter(store=store).count()
