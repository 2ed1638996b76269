"""Demo customers and vehicles, bulk-inserted so the same code builds the
benchmark databases (hundreds of thousands of rows) in minutes."""

import random
from datetime import date, datetime, timedelta

from django.utils import timezone

from aftercare.core.dates import add_months
from aftercare.core.models import DocumentSequence, Store
from aftercare.customers.choices import (
    ConsentChannel,
    ConsentPurpose,
    ContactChannel,
    CustomerKind,
    CustomerSource,
    OdometerSource,
    Powertrain,
    Preference,
)
from aftercare.customers.models import Consent, Customer, OdometerReading, SearchKey, Vehicle, VehicleOwnership
from aftercare.customers.normalize import name_pinyin, suffixes

from . import generators

COMPANIES = (
    "广州市天河物流有限公司", "广东南粤建设集团有限公司", "广州白云机场地勤服务公司",
    "广州市番禺区公共交通有限公司", "佛山顺德家电配送有限公司",
)  # fmt: skip
REGIONS = ("天河区", "越秀区", "海珠区", "番禺区", "白云区", "黄埔区", "荔湾区", "增城区", "佛山禅城区")
TAGS = ("老客户", "女车主", "网约车", "家庭用车", "EV车主", "商务用车")
BATCH = 2000
# Share of customers who said yes to marketing calls on the reception form.
MARKETING_CALLS_YES = 0.8


def _bulk(model, rows):
    for start in range(0, len(rows), BATCH):
        model.objects.bulk_create(rows[start : start + BATCH])


# Named customers every demo has, so README and new users can try the search box:
# "zs", "zhangsan", "5678", "12345", "运出租".
SHOWCASE = (
    ("张三", "13812345678", CustomerKind.PERSON, [("粤A12345", "广汽本田", "雅阁", Powertrain.HEV)]),
    ("李娜", "13922228888", CustomerKind.PERSON, [("粤AD12345", "广汽本田", "e:NP2 极湃2", Powertrain.BEV)]),
    ("欧阳娜娜", "13600001234", CustomerKind.PERSON, [("粤B8G888", "东风本田", "思域", Powertrain.ICE)]),
    ("广州粤运出租汽车有限公司", "13700005678", CustomerKind.COMPANY, [
        ("粤AT1234", "广汽丰田", "凯美瑞", Powertrain.HEV), ("粤AT5678", "广汽丰田", "凯美瑞", Powertrain.HEV)]),
)  # fmt: skip


def _next_anniversary(day: date, today: date) -> date:
    """The first yearly anniversary of `day` after today (insurance renews yearly)."""
    years = max(1, today.year - day.year)
    anniversary = add_months(day, 12 * years)
    return anniversary if anniversary > today else add_months(day, 12 * (years + 1))


def _vehicle_counts(rng: random.Random, kinds: list[str], total: int) -> list[int]:
    """Vehicles per customer adding up to `total`: drawn with the usual skew
    (most people one car, fleets several), then nudged one car at a time on
    randomly chosen customers until the sum is exact."""
    counts = [rng.choice((1, 1, 2, 2, 3) if kind == CustomerKind.COMPANY else (1, 1, 1, 1, 2)) for kind in kinds]
    difference = total - sum(counts)
    step = 1 if difference > 0 else -1
    while difference:
        index = rng.randrange(len(counts))
        if 1 <= counts[index] + step <= 5:
            counts[index] += step
            difference -= step
    return counts


def build_customers(
    *,
    store: Store,
    rng: random.Random,
    count: int,
    advisor_ids: list[int],
    today: date,
    showcase: bool = False,
    vehicles: int | None = None,
) -> int:
    """`count` customers (about 3 % companies) with 1-3 vehicles each, readings,
    ownership rows, consents and search keys; with `showcase`, the SHOWCASE
    customers first. `vehicles` asks for an exact number of vehicles in total
    (the benchmark scales); None draws 1-3 per customer. A store that has customers
    already gets more: numbers continue its sequence. Returns the number of vehicles."""
    now = timezone.now()
    numbered = DocumentSequence.objects.filter(store=store, kind="customer").values_list("last_value", flat=True)
    first_number = (numbered.first() or 0) + 1
    before = Customer.objects.filter(store=store).order_by("-id").values_list("id", flat=True).first() or 0
    # (name, mobile, kind, fixed vehicles or None for random ones)
    specs = [(name, mobile, kind, cars) for name, mobile, kind, cars in SHOWCASE] if showcase else []
    companies = iter(rng.sample(COMPANIES, k=len(COMPANIES)))
    while len(specs) < count:
        company = next(companies, None) if rng.random() < 0.03 else None
        name = company or generators.chinese_name(rng)
        specs.append((name, generators.mobile(rng), CustomerKind.COMPANY if company else CustomerKind.PERSON, None))

    customers = []
    for n, (name, mobile, kind, _cars) in enumerate(specs, start=first_number):
        is_company = kind == CustomerKind.COMPANY
        pinyin, initials = name_pinyin(name)
        first_visit = today - timedelta(days=rng.randint(10, 5 * 365))
        customers.append(
            Customer(
                store=store,
                number=f"C{n:06d}",
                kind=kind,
                name=name,
                contact_person=generators.chinese_name(rng) if is_company else "",
                mobile=mobile,
                mobile_rev=mobile[::-1],
                name_pinyin=pinyin,
                name_initials=initials,
                gender="" if is_company else rng.choice("MF"),
                birthday=None if is_company else date(rng.randint(1960, 2002), rng.randint(1, 12), rng.randint(1, 28)),
                region=rng.choice(REGIONS),
                preferred_channel=rng.choice(ContactChannel.values),
                preferences=rng.sample(Preference.values, k=rng.choice((0, 0, 1, 2))),
                tags=rng.sample(TAGS, k=rng.choice((0, 0, 1))),
                source=rng.choice(CustomerSource.values[:5]),
                assigned_advisor_id=rng.choice(advisor_ids) if advisor_ids else None,
                abc_class=rng.choice("AABBBCCC"),
                last_visit_at=timezone.make_aware(datetime.combine(first_visit, datetime.min.time()))
                + timedelta(hours=10),
            )
        )
    _bulk(Customer, customers)
    customers = list(Customer.objects.filter(store=store, id__gt=before).order_by("id"))
    DocumentSequence.objects.update_or_create(
        store=store, kind="customer", defaults={"last_value": first_number - 1 + len(specs)}
    )

    counts = None
    if vehicles is not None:
        fixed = sum(len(cars) for *_spec, cars in specs if cars)
        random_kinds = [kind for _name, _mobile, kind, cars in specs if cars is None]
        counts = iter(_vehicle_counts(rng, random_kinds, max(vehicles - fixed, len(random_kinds))))
    vehicles = []
    plates = {plate for *_rest, cars in specs if cars for plate, *_car in cars}
    plates |= set(Vehicle.objects.filter(store=store).values_list("plate", flat=True))
    for customer, (*_spec, cars) in zip(customers, specs, strict=True):
        if cars is None:
            cars = []
            if counts is not None:
                how_many = next(counts)
            else:
                how_many = rng.choice((1, 1, 2, 2, 3) if customer.kind == CustomerKind.COMPANY else (1, 1, 1, 1, 2))
            for _ in range(how_many):
                brand, model, _trims, powertrain, _wmi = rng.choice(generators.MODELS)
                new_energy = powertrain in (Powertrain.BEV, Powertrain.PHEV)
                plate = generators.plate(rng, new_energy=new_energy)
                while plate in plates:
                    plate = generators.plate(rng, new_energy=new_energy)
                plates.add(plate)
                cars.append((plate, brand, model, powertrain))
        for plate, brand, model, powertrain in cars:
            _brand, _model, trims, _powertrain, wmi = next(m for m in generators.MODELS if m[1] == model)
            vin = generators.vin(rng, wmi)
            purchase = today - timedelta(days=rng.randint(60, 8 * 365))
            km = max(500, int((today - purchase).days * rng.uniform(20, 60)))
            vehicles.append(
                Vehicle(
                    store=store,
                    owner=customer,
                    plate=plate,
                    vin=vin,
                    vin_rev=vin[::-1],
                    engine_no=f"{wmi[1:]}{rng.randint(1000000, 9999999)}",
                    brand=brand,
                    model=model,
                    trim=rng.choice(trims),
                    powertrain=powertrain,
                    purchase_date=purchase,
                    selling_dealer=store.name,
                    maintenance_months=6 if powertrain != Powertrain.BEV else 12,
                    maintenance_km=5000 if powertrain != Powertrain.BEV else 20000,
                    insurance_expiry=_next_anniversary(purchase, today),
                    # First annual inspection after 6 years (the 2022 rule for private cars).
                    inspection_due=add_months(purchase, 72),
                    warranty_start=purchase,
                    warranty_end=purchase + timedelta(days=3 * 365),
                    abc_class=customer.abc_class,
                    odometer_km=km,
                    odometer_at=customer.last_visit_at,
                    last_visit_at=customer.last_visit_at,
                    last_service_at=customer.last_visit_at.date(),
                    last_service_km=km,
                )
            )
    _bulk(Vehicle, vehicles)
    vehicles = list(
        Vehicle.objects.filter(store=store, owner_id__gt=before).only(
            "id", "owner_id", "plate", "odometer_km", "odometer_at", "purchase_date"
        )
    )
    _bulk(
        VehicleOwnership,
        [
            VehicleOwnership(
                vehicle_id=v.id,
                customer_id=v.owner_id,
                started_at=now - timedelta(days=(now.date() - v.purchase_date).days),
            )
            for v in vehicles
        ],
    )
    _bulk(
        OdometerReading,
        [
            OdometerReading(vehicle_id=v.id, km=v.odometer_km, recorded_at=v.odometer_at, source=OdometerSource.IMPORT)
            for v in vehicles
        ],
    )
    keys = [
        SearchKey(store=store, key=k, kind=SearchKey.Kind.PLATE, vehicle_id=v.id)
        for v in vehicles
        for k in suffixes(v.plate)
    ]
    keys += [
        SearchKey(store=store, key=k, kind=SearchKey.Kind.COMPANY, customer_id=c.id)
        for c in customers
        if c.kind == CustomerKind.COMPANY
        for k in suffixes(c.name.upper())
    ]
    _bulk(SearchKey, keys)
    consents = []
    calls = random.Random(f"marketing-calls:{store.code}")
    for customer in customers:
        consents.append(
            Consent(
                customer=customer,
                purpose=ConsentPurpose.SERVICE,
                granted=True,
                channel=ConsentChannel.PAPER,
                notice_version="2026-01",
                recorded_at=customer.last_visit_at,
            )
        )
        if rng.random() < 0.6:
            purpose = {
                "sms": ConsentPurpose.MARKETING_SMS,
                "wechat": ConsentPurpose.MARKETING_WECHAT,
                "email": ConsentPurpose.MARKETING_EMAIL,
            }.get(customer.preferred_channel, ConsentPurpose.MARKETING_PHONE)
            consents.append(
                Consent(
                    customer=customer,
                    purpose=purpose,
                    granted=True,
                    channel=ConsentChannel.PAPER,
                    notice_version="2026-01",
                    recorded_at=customer.last_visit_at,
                )
            )
        else:
            purpose = None
        # Most customers also tick "calls about offers and care" on the reception
        # form: churn and holiday calls need that yes (docs/DOMAIN.md §2.6, §15.1).
        # Drawn apart from `rng` so the rest of the demo stays as it was.
        if purpose != ConsentPurpose.MARKETING_PHONE and calls.random() < MARKETING_CALLS_YES:
            consents.append(
                Consent(
                    customer=customer,
                    purpose=ConsentPurpose.MARKETING_PHONE,
                    granted=True,
                    channel=ConsentChannel.PAPER,
                    notice_version="2026-01",
                    recorded_at=customer.last_visit_at,
                )
            )
    _bulk(Consent, consents)
    return len(vehicles)


# Why a vehicle's ABC class changed, by the new class (docs/DOMAIN.md §2.5).
CLASS_CHANGE_REASONS = {
    "A": ["近12个月消费超过1万元，升为A类", "年度客户分级复核：保养准时、消费稳定"],
    "B": ["年度客户分级复核", "转为常规保养客户"],
    "C": ["超过6个月未回厂，降为C类", "车龄超过8年，按规定调整"],
}


def seed_class_changes(store: Store, rng: random.Random, count: int = 8) -> int:
    """ABC class changes of some vehicles, made by the service manager through
    vehicle_update (so each keeps its ClassChange row, reason and audit), then
    spread over the last months for the class-change report."""
    from aftercare.accounts.models import User
    from aftercare.accounts.roles import Role
    from aftercare.customers.models import ClassChange
    from aftercare.customers.services import vehicle_update

    manager = (
        User.objects.filter(memberships__store=store, memberships__role=Role.SERVICE_MANAGER).order_by("id").first()
    )
    if manager is None:
        return 0
    vehicles = list(Vehicle.objects.filter(store=store, is_active=True).order_by("id")[: count * 4])
    rng.shuffle(vehicles)
    now = timezone.now()
    made = 0
    for vehicle in vehicles[:count]:
        new_class = rng.choice([c for c in "ABC" if c != vehicle.abc_class])
        vehicle_update(
            actor=manager, vehicle=vehicle,
            data={
                "abc_class": new_class, "vin": vehicle.vin, "plate": vehicle.plate, "plate_kind": vehicle.plate_kind,
                "vin_check_digit_waived": vehicle.vin_check_digit_waived,
            },
            class_change_reason=rng.choice(CLASS_CHANGE_REASONS[new_class]),
        )  # fmt: skip
        ClassChange.objects.filter(vehicle=vehicle).update(
            changed_at=now - timedelta(days=rng.randint(1, 150), hours=rng.randint(0, 8))
        )
        made += 1
    return made
