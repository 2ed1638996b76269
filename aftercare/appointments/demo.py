"""Demo appointments: about fifteen bookings for today and the next days, made
through the booking services so they respect opening hours, bays and
technicians. Called by the demo builder (aftercare/demo) once per store."""

import random
from datetime import date, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from aftercare.accounts.models import Membership, User
from aftercare.accounts.roles import Role
from aftercare.catalog.models import LabourOperation
from aftercare.core.models import Store
from aftercare.customers.models import Vehicle

from . import services
from .choices import Channel
from .models import Appointment
from .selectors import day_plan, local_datetime

# What customers say on the phone, and the catalogue work it usually means.
WISHES = [
    ("保养到期，做常规保养", ["M001", "M002", "M009"]),
    ("保养到期，顺便换空调滤芯", ["M001", "M003", "M009"]),
    ("空调不凉", ["A001", "A002"]),
    ("刹车异响", ["B001"]),
    ("刹车踏板发软，想换刹车油", ["M005"]),
    ("方向跑偏，做四轮定位", ["T001"]),
    ("换季轮胎换位、做动平衡", ["T002", "T003"]),
    ("发动机故障灯亮，怠速抖动", ["E002", "G001"]),
    ("早上打不着车，可能是电瓶", ["E001"]),
    ("动力电池例行检测", ["V001", "V002"]),
    ("充电慢，检查充电口", ["V005"]),
    ("前保险杠刮花，钣金喷漆", ["S001", "P001"]),
    ("底盘异响，过减速带咚咚响", []),
]
CHANNELS = [Channel.PHONE] * 5 + [Channel.WECHAT] * 3 + [Channel.WEB] * 2 + [Channel.WALK_IN]


def seed_appointments(store: Store, rng: random.Random, today: date, count: int = 15) -> list[Appointment]:
    """Book `count` demo appointments in `store` from `today` over the next four
    days. Returns what was booked (fewer if the store has no advisor, no
    technician or no vehicles)."""
    advisor_id = (
        Membership.objects.filter(store=store, role=Role.ADVISOR, is_active=True)
        .order_by("id")
        .values_list("user_id", flat=True)
        .first()
    )
    vehicle_ids = list(
        Vehicle.objects.filter(store=store, is_active=True).order_by("id").values_list("id", flat=True)[:500]
    )
    if advisor_id is None or not vehicle_ids:
        return []
    advisor = User.objects.get(pk=advisor_id)
    operations = {
        op.code: op for op in LabourOperation.objects.effective_for_store(store).active().select_related("category")
    }
    vehicles = Vehicle.objects.select_related("owner").in_bulk(rng.sample(vehicle_ids, min(len(vehicle_ids), count)))
    start_of_today = local_datetime(today, time.min)
    booked = []
    for n, vehicle in enumerate(vehicles.values()):
        complaint, codes = rng.choice(WISHES)
        ops = [
            operations[code] for code in codes if code in operations and operations[code].applies_to(vehicle.powertrain)
        ]
        if codes and not ops:
            complaint, ops = "车辆异响，请检查", []
        day = today + timedelta(days=n % 5)
        plan = day_plan(store=store, day=day, operations=ops)
        slots = plan.slots()
        if not slots:
            continue
        slot = rng.choice(slots[: max(1, len(slots) // 2)] if rng.random() < 0.6 else slots)
        try:
            appointment = services.appointment_book(
                actor=advisor, store=store, vehicle=vehicle,
                start_at=slot.start, operations=ops, channel=rng.choice(CHANNELS), complaint=complaint,
                now=start_of_today,
            )  # fmt: skip
        except ValidationError:
            continue
        booked.append(appointment)
    # Today's bookings whose time has passed: most came, a few did not.
    now = timezone.now()
    for appointment in booked:
        if appointment.start_at < now:
            if rng.random() < 0.8:
                services.appointment_mark_arrived(actor=advisor, appointment=appointment)
            else:
                services.appointment_mark_no_show(actor=advisor, appointment=appointment, now=now)
    return booked
