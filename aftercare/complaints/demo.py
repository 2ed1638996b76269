"""Demo complaints: about six per store in every state, one crisis and one
missed deadline, made with the services by the store's advisor (who records)
and service manager (who handles).

The services stamp every step with the current time, so complaints that
happened days ago are made now and then moved back in time as a whole
(`_shift_back`): every timestamp of the complaint and of its history moves by
the same amount, so the clocks read exactly as if it had happened then."""

import random
from datetime import date, timedelta

from django.db.models import F
from django.utils import timezone

from aftercare.accounts.models import User
from aftercare.accounts.roles import Role
from aftercare.accounts.selectors import store_service_manager
from aftercare.core.models import Store
from aftercare.customers.models import Vehicle
from aftercare.service.choices import Status as ROStatus
from aftercare.service.models import RepairOrder

from . import services
from .choices import Channel, ComplaintType, Status
from .models import Complaint, ComplaintStatusChange

_TIMESTAMPS = (
    "received_at", "contacted_at", "planned_at", "resolved_at", "informed_at", "closed_at", "contact_due_at",
    "answer_due_at", "inform_due_at", "plan_due_at", "escalated_at",
)  # fmt: skip

# (days ago, target status, channel, type, crisis, description, words, plan, result, satisfaction)
SCRIPTS = [
    (
        0,
        Status.NEW,
        Channel.PHONE,
        ComplaintType.WAITING,
        False,
        "保养等待超过3小时，客户电话投诉",
        "说好一个小时，结果等了三个多小时，也没人告诉我进度。",
        "",
        "",
        None,
    ),
    (
        1,
        Status.CONTACTED,
        Channel.WECHAT,
        ComplaintType.PRICE,
        False,
        "客户认为刹车片更换价格高于其他店",
        "同样的刹车片，外面便宜两百多。",
        "",
        "",
        None,
    ),
    (
        2,
        Status.PLAN,
        Channel.IN_STORE,
        ComplaintType.REPAIR_QUALITY,
        False,
        "发动机异响维修后三天再次出现",
        "修完没几天又响了，你们到底有没有修好？",
        "免费复检发动机，技术经理陪同试车，确认原因后免费维修",
        "",
        None,
    ),
    (
        3,
        Status.RESOLVED,
        Channel.IN_STORE,
        ComplaintType.SERVICE_QUALITY,
        True,
        "车辆在洗车工位被刮伤左前门",
        "车送来的时候好好的，取车发现门上一道划痕。",
        "如实说明情况，承担全部责任：免费钣喷修复左前门，并赠送一次保养",
        "左前门已免费钣喷修复，赠送保养券一张",
        None,
    ),
    (
        10,
        Status.CLOSED,
        Channel.FOLLOWUP,
        ComplaintType.ATTITUDE,
        False,
        "回访中客户反映接待顾问态度冷淡",
        "问了两遍都不耐烦。",
        "服务经理当面致歉，对顾问进行服务礼仪辅导",
        "已致歉，顾问完成辅导，客户表示接受",
        4,
    ),
]


def _shift_back(complaint: Complaint, delta: timedelta) -> None:
    """Move a freshly made complaint and its history `delta` into the past (demo only)."""
    Complaint.objects.filter(pk=complaint.pk).update(
        **{name: F(name) - delta for name in _TIMESTAMPS if getattr(complaint, name) is not None}
    )
    ComplaintStatusChange.objects.filter(complaint=complaint).update(changed_at=F("changed_at") - delta)


def _user(store: Store, role: str):
    return User.objects.filter(memberships__store=store, memberships__role=role, is_active=True).order_by("id").first()


def seed_complaints(store: Store, rng: random.Random, today: date) -> list[Complaint]:
    """About six complaints of the last ten days in `store`. Needs an advisor and a
    service manager in the store and vehicles on file; returns what was made."""
    advisor = _user(store, Role.ADVISOR) or _user(store, Role.CUSTOMER_CARE)
    manager = store_service_manager(store)
    vehicles = list(Vehicle.objects.filter(store=store, is_active=True).select_related("owner").order_by("id")[:60])
    if advisor is None or manager is None or not manager.has_perm("complaint.manage", store) or not vehicles:
        return []
    rng.shuffle(vehicles)
    delivered = list(
        RepairOrder.objects.filter(store=store, status=ROStatus.DELIVERED).select_related("vehicle", "customer")[:20]
    )
    now = timezone.now()
    # `today` is the demo's day; complaints are dated back from it (never into the future).
    base_shift = max(now.date() - today, timedelta(0))
    made = []
    for index, (days_ago, target, channel, kind, crisis, description, words, plan, result, score) in enumerate(SCRIPTS):
        order = delivered[index] if index < len(delivered) and kind != ComplaintType.WAITING else None
        vehicle = order.vehicle if order else vehicles[index % len(vehicles)]
        complaint = services.complaint_create(
            actor=advisor, store=store, customer=order.customer if order else vehicle.owner, vehicle=vehicle,
            repair_order=order, channel=channel, complaint_type=kind, is_crisis=crisis, description=description,
            customer_words=words,
        )  # fmt: skip
        _advance(complaint, target, manager, plan, result, score)
        shift = base_shift + timedelta(days=days_ago, minutes=rng.randint(20, 50) if days_ago == 0 else 0)
        if shift:
            _shift_back(complaint, shift)
        made.append(complaint)
    # The missed deadline: received three hours ago, nobody has called the customer.
    vehicle = vehicles[-1]
    late = services.complaint_create(
        actor=advisor, store=store, customer=vehicle.owner, vehicle=vehicle, channel=Channel.SOCIAL,
        complaint_type=ComplaintType.PARTS, description="配件缺货，维修拖延一周，客户在微博发帖",
        customer_words="等配件等了一个星期，没人给我打电话。",
    )  # fmt: skip
    _shift_back(late, base_shift + timedelta(hours=3))
    made.append(late)
    services.complaints_flag_breaches()
    return made


def _advance(complaint: Complaint, target: str, manager, plan: str, result: str, score: int | None) -> None:
    order = [Status.NEW, Status.CONTACTED, Status.PLAN, Status.RESOLVED, Status.INFORMED, Status.CLOSED]
    steps = order[1 : order.index(target) + 1]
    for step in steps:
        if step == Status.PLAN:
            services.complaint_update(
                actor=manager, complaint=complaint,
                data={"resolution_plan": plan, "plan_due_at": timezone.now() + timedelta(days=2)},
            )  # fmt: skip
            services.complaint_transition(actor=manager, complaint=complaint, to=step)
        elif step == Status.RESOLVED:
            services.complaint_resolve(actor=manager, complaint=complaint, result=result)
        elif step == Status.CLOSED:
            services.complaint_close(
                actor=manager, complaint=complaint, satisfaction=score or 4, note="客户认可处理结果"
            )
        else:
            services.complaint_transition(actor=manager, complaint=complaint, to=step)
    complaint.refresh_from_db()
