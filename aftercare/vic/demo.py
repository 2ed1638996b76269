"""Demo VIC programme (docs/DOMAIN.md §13.3): each store's tier rule and VIC customers with their
specialist, a VIC car of the first store visiting the second, courtesy cars with loans (one
returned with a fine, one out, one booked), a past event with check-ins and a coming one with
answers, pick-ups and errands."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from aftercare.accounts.roles import Role
from aftercare.core.models import Store
from aftercare.customers.models import Customer, Vehicle
from aftercare.loyalty.choices import Tier

from . import services
from .choices import ErrandStatus, EventKind
from .models import Invitation, VicEnrolment, VicEvent

CARS = [("粤A·D8801", "飞度", 23100), ("粤A·D8802", "凌派", 41800), ("粤A·D8803", "雅阁", 15600)]
REASONS = ["雅阁3.5L车主，购车店VIC", "集团大客户负责人", "多年老客户，年消费超3万元"]


def _staff(store: Store, role: str):
    membership = store.memberships.filter(role=role, is_active=True).select_related("user").order_by("id").first()
    return membership.user if membership else None


def _at(day, hour: int, minute: int = 0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def seed_vic(stores: list[Store], rng: random.Random, today) -> int:
    """Returns the number of VIC enrolments."""
    enrolled = {}
    for store in stores:
        specialist, manager = _staff(store, Role.VIC_SPECIALIST), _staff(store, Role.SERVICE_MANAGER)
        if specialist is None or manager is None:
            continue
        services.rule_set(actor=manager, store=store, tier=Tier.VIC, specialist=specialist)
        services.tier_rule_apply(store)
        taken = VicEnrolment.objects.filter(store=store).values("customer_id")
        picks = list(
            Customer.objects.filter(store=store, merged_into__isnull=True, vehicles__isnull=False)
            .exclude(pk__in=taken)
            .exclude(mobile="")
            .distinct()
            .order_by("id")[:3]
        )
        for customer, reason in zip(picks, REASONS, strict=False):
            services.enrol(actor=manager, customer=customer, specialist=specialist, reason=reason)
        enrolled[store.pk] = list(VicEnrolment.objects.active().filter(store=store).select_related("customer"))
        _seed_store(store, specialist, enrolled[store.pk], rng, today)
    if len(stores) > 1 and enrolled.get(stores[0].pk):
        _visit_elsewhere(stores[0], stores[1], enrolled[stores[0].pk][0].customer, today)
    return sum(len(rows) for rows in enrolled.values())


def _visit_elsewhere(home: Store, there: Store, customer: Customer, today) -> None:
    """The home store's VIC drives into the second store: on file there under the same mobile, a
    repair order opened by that store's advisor, recognised and received by its VIC specialist."""
    from aftercare.service import services as spine

    advisor = _staff(there, Role.ADVISOR)
    if advisor is None:
        return
    from aftercare.customers.services import customer_create, vehicle_create

    local = Customer.objects.filter(store=there, mobile=customer.mobile).first() or customer_create(
        actor=advisor,
        store=there,
        data={"name": customer.name, "mobile": customer.mobile, "source": "walk_in"},
        allow_shared_mobile=True,
    )
    home_car = Vehicle.objects.filter(owner=customer).first()
    vehicle = Vehicle.objects.filter(owner=local).first()
    if vehicle is None:
        vehicle = vehicle_create(
            actor=advisor,
            store=there,
            owner=local,
            data={
                "plate": home_car.plate if home_car else "粤A·V3500",
                "vin": home_car.vin if home_car else _vin(customer.pk),
                "brand": home_car.brand if home_car else "广汽本田",
                "model": home_car.model if home_car else "雅阁",
            },
        )
    spine.repair_order_open(
        actor=advisor,
        store=there,
        vehicle=vehicle,
        customer_statement="外地出差，空调不凉，VIC客户",
        odometer_km=((home_car.odometer_km or 40000) if home_car else 40000) + 800,
        promised_at=timezone.now() + timedelta(hours=4),
    )


def _vin(n: int) -> str:
    from aftercare.core.vin import with_check_digit

    return with_check_digit(f"LHGCR3650{n % 10**8:08d}")


def _seed_store(store: Store, specialist, enrolments: list, rng: random.Random, today) -> None:
    if not enrolments:
        return
    now = timezone.now()
    customers = [e.customer for e in enrolments]
    # Courtesy cars: one loan back last week with a fine, one out now, one booked for tomorrow.
    cars = [
        services.car_add(actor=specialist, store=store, plate=plate, model=model, odometer_km=km)
        for plate, model, km in CARS
    ]
    past = services.loan_book(
        actor=specialist,
        car=cars[0],
        customer=customers[0],
        starts_at=now - timedelta(days=9),
        ends_at=now - timedelta(days=7),
    )
    past = services.loan_hand_out(actor=specialist, loan=past, odometer_km=cars[0].odometer_km, fuel_level=90)
    services.loan_charge_add(actor=specialist, loan=past, kind="fine", amount=Decimal("200.00"), note="违章停车罚款")
    services.loan_return(
        actor=specialist, loan=past, odometer_km=cars[0].odometer_km + 186, fuel_level=55, damage="右前轮毂轻微刮擦"
    )
    out = services.loan_book(
        actor=specialist,
        car=cars[1],
        customer=customers[-1],
        starts_at=now - timedelta(hours=3),
        ends_at=now + timedelta(days=1),
    )
    services.loan_hand_out(actor=specialist, loan=out, odometer_km=cars[1].odometer_km, fuel_level=100, damage="无")
    services.loan_book(
        actor=specialist,
        car=cars[2],
        customer=customers[0],
        starts_at=_at(today + timedelta(days=1), 9),
        ends_at=_at(today + timedelta(days=2), 18),
    )

    # A pick-up this afternoon and a return tomorrow.
    vehicle = Vehicle.objects.filter(owner=customers[0]).first()
    if vehicle is not None:
        address = customers[0].address or "广州市天河区珠江新城花城大道88号"
        trip = services.booking_create(
            actor=specialist,
            store=store,
            customer=customers[0],
            vehicle=vehicle,
            kind="pickup",
            address=address,
            window_start=_at(today, 14),
            window_end=_at(today, 15),
            driver=specialist,
            note="客户在写字楼B座地库",
        )
        services.booking_handover(
            actor=specialist, booking=trip, end="customer", odometer_km=(vehicle.odometer_km or 30000), fuel_level=60
        )
        services.booking_create(
            actor=specialist,
            store=store,
            customer=customers[0],
            vehicle=vehicle,
            kind="return",
            address=address,
            window_start=_at(today + timedelta(days=1), 17),
            window_end=_at(today + timedelta(days=1), 18),
            driver=specialist,
        )

    # A past tasting with check-ins and a coming golf day with answers.
    tasting = services.event_create(
        actor=specialist,
        store=store,
        kind=EventKind.TASTING,
        title="VIC红酒品鉴会",
        venue="珠江新城四季酒店",
        starts_at=now + timedelta(days=1),
        capacity=40,
        cost=Decimal("8800.00"),
    )
    golf = services.event_create(
        actor=specialist,
        store=store,
        kind=EventKind.GOLF,
        title="VIC高尔夫邀请赛",
        venue="九龙湖高尔夫球场",
        starts_at=_at(today + timedelta(days=12), 9),
        capacity=24,
        cost=Decimal("15000.00"),
    )
    for index, customer in enumerate(customers):
        invitation = services.invite(actor=specialist, event=tasting, customer=customer)
        services.rsvp(
            link=invitation.link,
            coming=index != 1,
            guests=1 if index == 0 else 0,
            guest_name="家人" if index == 0 else "",
        )
        invitation = services.invite(actor=specialist, event=golf, customer=customer)
        if index == 0:
            services.rsvp(link=invitation.link, coming=True, guests=1, guest_name="球友陈先生")
    for invitation in Invitation.objects.filter(event=tasting, status="accepted"):
        services.check_in(actor=specialist, invitation=invitation, guest_came=invitation.guests > 0)
    # The tasting is over: it took place three weeks ago.
    VicEvent.objects.filter(pk=tasting.pk).update(starts_at=_at(today - timedelta(days=20), 19))

    # Errands: an inspection in progress, an insurance renewal done with its fee, fines to pay.
    kinds = [
        ("inspection", 5, ErrandStatus.IN_PROGRESS, None),
        ("insurance", -3, ErrandStatus.DONE, "6320.00"),
        ("fines", 2, None, None),
    ]
    for (kind, due_in, to, fee), customer in zip(kinds, customers * 3, strict=False):
        errand = services.errand_create(
            actor=specialist,
            store=store,
            customer=customer,
            kind=kind,
            assigned_to=specialist,
            due_on=today + timedelta(days=due_in),
            note={"inspection": "年检到期，代办上线检测", "insurance": "交强险+商业险续保", "fines": "代缴2笔违章罚款"}[
                kind
            ],
        )
        if to == ErrandStatus.DONE:
            services.errand_move(actor=specialist, errand=errand, to=ErrandStatus.IN_PROGRESS)
        if to is not None:
            services.errand_move(actor=specialist, errand=errand, to=to, fee=Decimal(fee) if fee else None)
    rng.random()
