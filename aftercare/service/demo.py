"""Demo repair orders: a dozen open orders in every state of the front desk and
the workshop, and a history of delivered orders for the vehicle files (车历).

Orders are built with the services, so numbers, prices, totals, status history
and the audit trail are what the product itself would have written; only the
timestamps are moved back afterwards, to spread the history over past months.
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from aftercare.accounts.roles import Role
from aftercare.catalog.models import LabourOperation, OtherCharge, PackageJob, Part, RepairType
from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry, Store
from aftercare.customers.models import Vehicle

from . import services
from .choices import Status, WaitingMode
from .models import CheckIn, RepairOrder, StatusChange

SIGNATURE = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
COMBUSTION = ("ICE", "HEV", "PHEV")
ELECTRIC = ("BEV", "PHEV")

# repair type, the customer's own words, the technician's findings, items
# (("package" | "operation" | "part" | "other_charge", code, quantity)), powertrains it fits.
SCENARIOS = [
    (
        "periodic",
        "到5000公里了，做一次常规保养。",
        "机油液位偏低，机滤到期，其余检查正常。",
        [("package", "PKG-5K", 1)],
        COMBUSTION,
    ),
    (
        "general",
        "踩刹车时前轮有吱吱的异响，大概有一个星期了，早上更明显。",
        "前刹车片剩余约2mm，已磨到报警片，需更换。",
        [("operation", "B001", 1), ("part", "45022-TBA-A01", 1)],
        None,
    ),
    (
        "general",
        "空调不凉，开到最大风也只是微凉，下午特别热。",
        "制冷剂压力偏低，系统未见明显泄漏，空调滤芯脏污。",
        [
            ("operation", "A002", 1),
            ("part", "08CHA-R13-4A0", 1),
            ("operation", "M003", 1),
            ("part", "80292-TBA-H11", 1),
        ],
        None,
    ),
    (
        "general",
        "早上冷车启动困难，要打好几次火才着。",
        "蓄电池检测健康度42%，启动电压不足，需更换。",
        [("operation", "E002", 1), ("operation", "E001", 1), ("part", "31500-T2A-A01", 1)],
        None,
    ),
    (
        "general",
        "高速开到110左右方向盘抖，松手车往右跑。",
        "四轮定位前束偏差，右前轮动平衡不良。",
        [("operation", "T001", 1), ("operation", "T003", 1)],
        None,
    ),
    (
        "body_paint",
        "倒车时蹭到地库柱子，前保险杠右边凹进去还掉漆了。",
        "前保险杠右侧凹陷约10cm，漆面破损见底漆。",
        [("operation", "S001", 1), ("operation", "P001", 1)],
        None,
    ),
    (
        "general",
        "仪表提示检查动力电池，续航比以前少了三十公里左右。",
        "电池包绝缘正常，SOH 91%，单体压差偏大，已做均衡。",
        [("operation", "V001", 1), ("operation", "V002", 1)],
        ELECTRIC,
    ),
    (
        "general",
        "过减速带时前面咚咚响，右边更明显。",
        "右前减震器漏油，减震失效。",
        [("operation", "C001", 1), ("part", "51610-TBA-A01", 1)],
        None,
    ),
    (
        "periodic",
        "保养，顺便看看雨刮，下雨刮不干净。",
        "雨刮片老化开裂；机油到期。",
        [("package", "PKG-5K", 1), ("part", "76620-TBA-A01", 1)],
        COMBUSTION,
    ),
]
# Additional work the technician finds once the order is authorised (追加项目).
ADDITIONAL = [("operation", "M005", 1), ("part", "76620-TBA-A01", 1), ("operation", "A001", 1)]
BELONGINGS = ["", "", "行车记录仪", "儿童安全座椅", "雨伞两把", "后备箱有纸箱"]
# Open orders of today: the state each reaches.
OPEN_TARGETS = [
    Status.RECEPTION, Status.RECEPTION, Status.ESTIMATE, Status.ESTIMATE, Status.APPROVED, Status.APPROVED,
    Status.IN_PROGRESS, Status.IN_PROGRESS, Status.IN_PROGRESS, Status.QUALITY_CHECK, Status.READY, Status.READY,
]  # fmt: skip
# Days ago that regular customers came back for a periodic service (their
# maintenance call is made 3 to 5 days after).
RECENT_MAINTENANCE_DAYS = (1, 1, 2, 3, 3, 4, 5, 6, 7)
PATH = [
    Status.ESTIMATE, Status.APPROVED, Status.IN_PROGRESS, Status.QUALITY_CHECK, Status.READY, Status.SETTLED,
    Status.DELIVERED,
]  # fmt: skip


def _first_user(store: Store, *roles):
    from aftercare.accounts.models import User

    return User.objects.filter(memberships__store=store, memberships__role__in=roles).order_by("id").first()


def _catalogue(store: Store) -> dict:
    found = {}
    for kind, model, key in (
        ("operation", LabourOperation, "code"),
        ("part", Part, "part_no"),
        ("package", PackageJob, "code"),
        ("other_charge", OtherCharge, "code"),
    ):
        for item in model.objects.effective_for_store(store).active():
            found[(kind, getattr(item, key))] = item
    return found


def _record_move(order: RepairOrder, to: str, actor) -> None:
    """Demo backfill of a move another app's guard refuses (no quality-check or
    payment rows exist in the demo for these orders): the same history row and
    audit entry the service writes."""
    from_status = order.status
    order.status = to
    fields = ["status", "updated_at"]
    if to in (Status.DELIVERED, Status.CANCELLED):
        order.closed_at = timezone.now()
        fields.append("closed_at")
    order.save(update_fields=fields)
    StatusChange.objects.create(
        repair_order=order, from_status=from_status, to_status=to, changed_by=actor, note="demo"
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, obj=order, changes={"status": [from_status, to]}, reason="demo"
    )


def _advance(order: RepairOrder, to: str, *, advisor, technician, manager) -> RepairOrder:
    if to == Status.APPROVED:
        method = "signature" if order.pk % 3 else "verbal"
        return services.repair_order_authorise(
            actor=advisor, order=order, method=method,
            signature=SIGNATURE if method == "signature" else "",
            note="" if method == "signature" else "车主电话确认",
        )  # fmt: skip
    actor = {
        Status.IN_PROGRESS: technician, Status.QUALITY_CHECK: technician, Status.READY: manager,
        Status.SETTLED: manager,
    }.get(to, advisor)  # fmt: skip
    try:
        return services.repair_order_transition(repair_order=order, to=to, actor=actor)
    except services.TransitionRefused:
        order = RepairOrder.objects.get(pk=order.pk)
        _record_move(order, to, actor)
        return order


def _build(
    store, rng, vehicle, *, target, advisor, technician, manager, catalogue, with_additional=False,
    decide_additional=False, scenario_code=None,
):  # fmt: skip
    fitting = [s for s in SCENARIOS if s[4] is None or vehicle.powertrain in s[4]]
    if scenario_code:
        fitting = [s for s in fitting if s[0] == scenario_code] or fitting
    code, words, findings, items, _fits = rng.choice(fitting)
    repair_type = RepairType.objects.effective_for_store(store).filter(code=code).first()
    odometer = (vehicle.odometer_km or rng.randint(3000, 60000)) + rng.randint(300, 4000)
    order = services.repair_order_open(
        actor=advisor, store=store, vehicle=vehicle, repair_type=repair_type, customer_statement=words,
        odometer_km=odometer, fuel_level=rng.choice([20, 35, 50, 65, 80]),
    )  # fmt: skip
    services.repair_order_update(
        actor=advisor, order=order,
        data={"findings": findings, "waiting_mode": rng.choice(list(WaitingMode.values)),
              "return_old_parts": rng.random() < 0.3},
    )  # fmt: skip
    marks = [
        {"x": round(rng.uniform(0.2, 0.8), 3), "y": round(rng.uniform(0.08, 0.92), 3),
         "kind": rng.choice(["scratch", "dent", "crack", "other"]), "note": ""}
        for _ in range(rng.choice([0, 0, 1, 2]))
    ]  # fmt: skip
    services.check_in_record(
        actor=advisor, order=order, damage_marks=marks, belongings=rng.choice(BELONGINGS),
        covers_fitted=True, customer_signature=SIGNATURE,
    )  # fmt: skip
    if target == Status.RECEPTION:
        return order
    for kind, item_code, quantity in items:
        item = catalogue.get((kind, item_code))
        if item is not None:
            try:
                services.line_add(actor=advisor, order=order, quantity=Decimal(quantity), **{kind: item})
            except ValidationError:
                continue  # e.g. no rate for a repair type in a trimmed catalogue
    if not order.lines.exists():
        return order
    for step in PATH:
        order = _advance(order, step, advisor=advisor, technician=technician, manager=manager)
        if step == Status.IN_PROGRESS and with_additional:
            kind, item_code, quantity = rng.choice(ADDITIONAL)
            item = catalogue.get((kind, item_code))
            line = None
            try:  # an entry already on the order is not proposed again (docs/DOMAIN.md §4.1)
                if item is not None:
                    (line,) = services.line_add(actor=advisor, order=order, quantity=Decimal(quantity), **{kind: item})
            except ValidationError:
                pass
            if line is not None:
                if target != Status.IN_PROGRESS or decide_additional:
                    approve = rng.random() < 0.6
                    services.line_decide(actor=advisor, line=line, approve=approve, method="verbal", note="电话确认")
        if step == target:
            break
    return order


def _backdate(order: RepairOrder, opened: datetime, rng: random.Random, latest: datetime | None = None) -> None:
    """Spread an order's history from `opened`: each move a little later. With
    `latest`, the order is opened early enough that its last move is no later than
    that (today's orders: nothing in the history happens after the demo was made)."""
    changes = list(order.status_changes.order_by("changed_at", "id").values_list("pk", flat=True))
    gaps = [timedelta(minutes=rng.randint(20, 90)) for _ in changes]
    if latest is not None:
        opened = min(opened, latest - sum(gaps, timedelta()))
    shift = opened - order.opened_at
    moments = {}
    at = opened
    for pk, gap in zip(changes, gaps, strict=True):
        moments[pk] = at
        at += gap
    for pk, moment in moments.items():
        StatusChange.objects.filter(pk=pk).update(changed_at=moment)
    RepairOrder.objects.filter(pk=order.pk).update(
        opened_at=opened,
        promised_at=opened + timedelta(hours=rng.choice([2, 3, 4, 6])),
        authorised_at=(order.authorised_at + shift) if order.authorised_at else None,
        closed_at=at if order.closed_at else None,
    )
    CheckIn.objects.filter(repair_order=order, signed_at__isnull=False).update(signed_at=opened + timedelta(minutes=10))


def seed_repair_orders(
    store: Store,
    rng: random.Random,
    today: date,
    advisors: list,
    technicians: list,
    *,
    open_count: int = 12,
    history_count: int = 40,
) -> list[RepairOrder]:
    """~12 open orders of today in every state, and ~40 delivered orders over the
    last six months, for vehicles on file in `store`. `advisors` and
    `technicians` are users of the store (or their ids)."""
    from aftercare.accounts.models import User

    advisors = [a if isinstance(a, User) else User.objects.get(pk=a) for a in advisors]
    technicians = [t if isinstance(t, User) else User.objects.get(pk=t) for t in technicians]
    manager = _first_user(store, Role.SERVICE_MANAGER) or _first_user(store, Role.FOREMAN)
    if not advisors or not technicians or manager is None:
        return []
    catalogue = _catalogue(store)
    vehicles = list(
        Vehicle.objects.filter(store=store, is_active=True)
        .select_related("owner")
        .order_by("id")[: (open_count + history_count) * 3]
    )
    rng.shuffle(vehicles)
    # Oldest first, so each vehicle's odometer readings rise with time.
    history_vehicles = vehicles[open_count : open_count + history_count]
    tz = timezone.get_current_timezone()
    history_days = sorted((rng.randint(3, 180) for _ in history_vehicles), reverse=True)
    orders = []
    for vehicle, days_ago in zip(history_vehicles, history_days, strict=False):
        opened = datetime.combine(
            today - timedelta(days=days_ago), time(rng.randint(8, 16), rng.choice([0, 15, 30, 45])), tz
        )
        order = _build(
            store, rng, vehicle, target=Status.DELIVERED, advisor=rng.choice(advisors),
            technician=rng.choice(technicians), manager=manager, catalogue=catalogue,
            with_additional=rng.random() < 0.3,
        )  # fmt: skip
        _backdate(order, opened, rng)
        orders.append(order)
    # Regular customers back for their periodic service in the last week: their
    # maintenance calls (3-5 days after) give the customer specialist a day of calls
    # that are overdue, due now and coming up.
    now = timezone.now()
    regulars = [v for v in history_vehicles if v.powertrain in COMBUSTION]
    for vehicle, days_ago in zip(regulars, RECENT_MAINTENANCE_DAYS, strict=False):
        vehicle = Vehicle.objects.get(pk=vehicle.pk)  # the odometer the first visit recorded
        opened = datetime.combine(today - timedelta(days=days_ago), time(9, 0), tz)
        order = _build(
            store, rng, vehicle, target=Status.DELIVERED, advisor=rng.choice(advisors),
            technician=rng.choice(technicians), manager=manager, catalogue=catalogue, scenario_code="periodic",
        )  # fmt: skip
        _backdate(order, opened, rng, latest=now)
        orders.append(order)
    for index, (vehicle, target) in enumerate(zip(vehicles[:open_count], OPEN_TARGETS * 2, strict=False)):
        opened = datetime.combine(today, time(8, 30), tz) + timedelta(minutes=25 * index)
        # Orders at final inspection or ready get there in the workshop's demo, by
        # finishing their jobs and inspecting them, so the board never shows them with
        # jobs not done: here they stop in progress.
        finish = target in (Status.QUALITY_CHECK, Status.READY)
        order = _build(
            store, rng, vehicle, target=Status.IN_PROGRESS if finish else target, advisor=rng.choice(advisors),
            technician=rng.choice(technicians), manager=manager, catalogue=catalogue,
            with_additional=target in (Status.IN_PROGRESS, Status.READY), decide_additional=finish,
        )  # fmt: skip
        _backdate(order, opened, rng, latest=now - timedelta(minutes=5 * (open_count - index)))
        order.demo_target = target
        orders.append(order)
    return orders
