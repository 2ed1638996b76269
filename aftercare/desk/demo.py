"""The service desk's demo (docs/DOMAIN.md §25): 60+ standard answers with synonyms, open and
closed rescues, a major-event alert, a recovery half done. Everything goes through the services."""

import random
from datetime import date, timedelta

from django.utils import timezone

from aftercare.accounts.models import User
from aftercare.core.models import Store
from aftercare.customers.models import Customer, Vehicle

from . import services
from .choices import RecoveryStatus, RescueStatus
from .faq_demo import ENTRIES, SYNONYMS


def _user(store, role):
    return User.objects.filter(memberships__store=store, memberships__role=role).order_by("id").first()


def seed_desk(store: Store, rng: random.Random, today: date, *, showcase: bool = True) -> None:
    care = _user(store, "customer_care")
    manager = _user(store, "service_manager")
    advisor = _user(store, "advisor")
    technician = _user(store, "technician")
    if not (care and manager and advisor and technician):
        return
    for category, question, answer, public in ENTRIES:
        entry = services.faq_save(actor=care, store=store, category=category, question=question, answer=answer,
                                  public=public)  # fmt: skip
        entry.use_count = rng.randint(0, 40)
        entry.save(update_fields=["use_count"])
    for word, synonym in SYNONYMS:
        services.synonym_save(actor=manager, store=store, word=word, synonym=synonym)
    for query, found in (("天窗异响", 0), ("天窗异响", 0), ("ETC怎么办理", 0), ("机油", 3), ("jiyou", 2)):
        services.faq_search_log(store_id=store.pk, query=query, found=found, public=False)
    if not showcase:
        return
    now = timezone.now()
    cars = list(Vehicle.objects.filter(store=store, owner__isnull=False).select_related("owner").order_by("id")[:12])
    if len(cars) < 6:
        return
    symptoms = [
        "高速上爆胎，无备胎", "早上打不着火，仪表无反应", "水温报警，冒白烟", "车辆抛锚在路边，发动机故障灯闪烁",
        "钥匙锁在车内", "油箱没油了",
    ]  # fmt: skip
    places = ["广州市天河区天河路385号", "华南快速干线往北3公里处", "广州市番禺区迎宾路88号", "机场高速北行12公里",
              "广州市海珠区新港东路1000号", "广州市白云区白云大道北"]  # fmt: skip
    # Three finished (one a quality defect), one on the way, two waiting: one past 15 minutes.
    plans = [
        (RescueStatus.DONE, 60 * 24 * 3, False), (RescueStatus.DONE, 60 * 24 * 8, True),
        (RescueStatus.DONE, 60 * 30, False), (RescueStatus.ON_THE_WAY, 35, False),
        (RescueStatus.NEW, 22, False), (RescueStatus.NEW, 4, False),
    ]  # fmt: skip
    for index, (target, minutes_ago, defect) in enumerate(plans):
        car = cars[index]
        rescue, _token = services.rescue_create(
            actor=advisor if index % 2 else None, store=store, channel="phone_line" if index % 2 else "phone_page",
            contact_name=car.owner.name, contact_phone=car.owner.mobile or "13800000000", symptom=symptoms[index],
            address=places[index], latitude=None if index % 3 else "23.125178", longitude=None if index % 3 else
            "113.280637", customer=car.owner, vehicle=car, received_at=now - timedelta(minutes=minutes_ago),
        )  # fmt: skip
        if target == RescueStatus.NEW:
            continue
        services.rescue_dispatch(actor=advisor, rescue=rescue, technician=technician,
                                 rescue_vehicle=f"救援车{index % 2 + 1}号", eta_minutes=30 + index * 5)  # fmt: skip
        services.rescue_transition(actor=advisor, rescue=rescue, to=RescueStatus.ON_THE_WAY)
        if target == RescueStatus.ON_THE_WAY:
            continue
        services.rescue_transition(actor=advisor, rescue=rescue, to=RescueStatus.ARRIVED)
        if defect:
            services.rescue_transition(actor=advisor, rescue=rescue, to=RescueStatus.TOWING)
        services.rescue_finish(
            actor=advisor, rescue=rescue, quality_defect=defect,
            result="燃油泵故障，拖回店内保修更换" if defect else "现场处理完毕，车辆恢复正常行驶",
        )  # fmt: skip
    # A major event of a key customer, and a lost customer half won back.
    key = cars[6] if len(cars) > 6 else cars[0]
    services.event_record(actor=care, customer=key.owner, kind="crashed",
                          description="客户在机场高速发生追尾事故，本人轻伤住院，车辆前部受损已由保险公司拖至我店。",
                          occurred_on=today - timedelta(days=1))  # fmt: skip
    lost = Customer.objects.filter(store=store, merged_into__isnull=True).exclude(pk=key.owner_id).order_by("-id")
    lost = lost.first()
    if lost is not None:
        case = services.recovery_open(actor=care, customer=lost, reason="quality")
        for note in ("核实客户姓名和联系方式，档案完整", "接到流失预警当天电话联系，客户同意沟通",
                     "上门致歉，承认两次返修未修好异响的问题"):  # fmt: skip
            case = services.recovery_step(actor=care, case=case, note=note)
        assert case.status == RecoveryStatus.APOLOGISED
