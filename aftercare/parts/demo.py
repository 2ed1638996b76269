"""Demo parts counter: suppliers, stock in bins with a year of movements (bulk-inserted like the
rest of the demo history), parts below MIN, a slow mover, open orders of every type, back orders
(one older than a month), a special-part order waiting for its documents, EV battery serials,
reservations for the open repair orders and the reorder suggestions of a nightly run."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from aftercare.accounts.roles import Role
from aftercare.catalog.models import Part
from aftercare.core.models import Store
from aftercare.customers.models import Vehicle
from aftercare.service.models import RepairOrder

from . import services
from .choices import MovementKind, PartClass, SerialStatus
from .models import (
    BinStock,
    LineDemand,
    Movement,
    SerialUnit,
    StockItem,
    Supplier,
    SupplierClosure,
    SupplierOrderLine,
)

# part number -> (category, monthly demand, bin); the catalogue's parts plus EV core parts.
PROFILE = {
    "08232-P99-D4LW4": ("油品", 40, "A-01-01"),
    "15400-RTA-003": ("滤清器", 45, "A-01-02"),
    "94109-14000": ("紧固件", 60, "A-01-03"),
    "17220-5PA-A00": ("滤清器", 18, "A-02-01"),
    "80292-TBA-H11": ("滤清器", 22, "A-02-02"),
    "12290-5A2-A01": ("点火", 8, "A-02-03"),
    "08798-9108": ("油品", 12, "A-03-01"),
    "08200-9008": ("油品", 6, "A-03-02"),
    "08CLA-G01-8M1": ("油品", 5, "A-03-03"),
    "16010-ST5-E02": ("滤清器", 3, "A-04-01"),
    "45022-TBA-A01": ("制动", 9, "B-01-01"),
    "43022-TBA-A01": ("制动", 6, "B-01-02"),
    "45251-TBA-A01": ("制动", 3, "B-01-03"),
    "31500-T2A-A01": ("电气", 4, "B-02-01"),
    "76620-TBA-A01": ("车身", 7, "B-02-02"),
    "51610-TBA-A01": ("底盘", 1, "C-01-01"),
    "08CHA-R13-4A0": ("空调", 5, "C-01-02"),
    "1J511-3A0-000": ("新能源", 2, "C-02-01"),
    "0986AF0051": ("滤清器", 15, "D-01-01"),
    "M1-0W20-4L": ("油品", 10, "D-01-02"),
    "MI-215-55R17": ("轮胎", 0, "D-02-01"),
}
EV_PARTS = [
    ("1B000-3W0-A01", "动力电池包 61.9kWh", "电池", "E-01-01"),
    ("1M100-3W0-A01", "驱动电机", "电机", "E-01-02"),
]
BELOW_MIN = ("15400-RTA-003", "17220-5PA-A00", "45022-TBA-A01", "08798-9108")
UNIT_COST_SHARE = Decimal("0.62")


def _ev_parts(group) -> list[Part]:
    parts = []
    for part_no, name, _category, _bin in EV_PARTS:
        part, _created = Part.objects.get_or_create(
            group=group,
            store=None,
            part_no=part_no,
            defaults={
                "name": name,
                "brand": "本田",
                "is_oem": True,
                "unit_price": Decimal("68000.00") if "电池" in name else Decimal("18500.00"),
            },
        )
        parts.append(part)
    return parts


def seed_parts(store: Store, rng: random.Random, today) -> int:
    clerk_id = store.memberships.filter(role=Role.PARTS_CLERK).values_list("user_id", flat=True).first()
    manager = store.memberships.filter(role=Role.SERVICE_MANAGER).select_related("user").first()
    honda = Supplier.objects.create(
        store=store,
        name="广汽本田零件中心",
        order_cycle_days=15,
        lead_time_days=7,
        safety_days=8,
        transport="物流专线",
        regular_weekday=2,
    )
    bosch = Supplier.objects.create(
        store=store, name="博世汽配（广州）", order_cycle_days=7, lead_time_days=2, safety_days=5, transport="快递"
    )
    ev = _ev_parts(store.group)
    catalogue = list(Part.objects.effective_for_store(store).filter(part_no__in=list(PROFILE)))
    now = timezone.now()
    start = timezone.make_aware(datetime.combine(today - timedelta(days=364), time(9)))
    items, movements, bins = [], [], []
    for part in [*catalogue, *ev]:
        if part.part_no in PROFILE:
            category, monthly, bin = PROFILE[part.part_no]
        else:
            category, monthly, bin = next((c, 1, b) for no, _n, c, b in EV_PARTS if no == part.part_no)
        ev_part = part in ev
        item = services.stock_item_ensure(
            store=store,
            part=part,
            bin=bin,
            supplier=bosch if not part.is_oem else honda,
            category=category,
            serialized=ev_part,
            part_class=PartClass.GENERAL,
        )
        cost = (part.unit_price * UNIT_COST_SHARE).quantize(Decimal("0.01"))
        on_hand, last = Decimal(0), None
        weekly = Decimal(monthly) * 12 / 52
        target = max(Decimal(3), (weekly * 6).to_integral_value())
        if ev_part:
            pass  # EV core parts come in by serial below
        elif monthly == 0:
            # a slow mover: received long ago, never issued since
            at = start - timedelta(days=30)
            on_hand = Decimal(8)
            movements.append(
                Movement(
                    store=store,
                    item=item,
                    kind=MovementKind.RECEIPT,
                    bin=bin,
                    quantity=on_hand,
                    unit_cost=cost,
                    on_hand_after=on_hand,
                    created_by_id=clerk_id,
                    created_at=at,
                )
            )
            last = at
        else:
            for week in range(52):
                at = start + timedelta(days=7 * week, hours=rng.randint(0, 8))
                if on_hand < target / 2:
                    quantity = target - on_hand
                    on_hand += quantity
                    movements.append(
                        Movement(
                            store=store,
                            item=item,
                            kind=MovementKind.RECEIPT,
                            bin=bin,
                            quantity=quantity,
                            unit_cost=cost,
                            on_hand_after=on_hand,
                            created_by_id=clerk_id,
                            created_at=at,
                            reason="定期订货到货",
                        )
                    )
                take = min(on_hand, Decimal(max(0, round(rng.gauss(float(weekly), float(weekly) / 3 + 0.3)))))
                if take > 0:
                    on_hand -= take
                    movements.append(
                        Movement(
                            store=store,
                            item=item,
                            kind=MovementKind.ISSUE,
                            bin=bin,
                            quantity=-take,
                            unit_cost=cost,
                            on_hand_after=on_hand,
                            created_by_id=clerk_id,
                            created_at=at + timedelta(days=rng.randint(1, 5)),
                        )
                    )
                last = at
            if part.part_no in BELOW_MIN and on_hand > 1:
                take = on_hand - 1
                on_hand = Decimal(1)
                movements.append(
                    Movement(
                        store=store,
                        item=item,
                        kind=MovementKind.ISSUE,
                        bin=bin,
                        quantity=-take,
                        unit_cost=cost,
                        on_hand_after=on_hand,
                        created_by_id=clerk_id,
                        created_at=now - timedelta(days=2),
                    )
                )
                last = now - timedelta(days=2)
        item.on_hand, item.avg_cost, item.last_moved_at = on_hand, cost, last
        items.append(item)
        if on_hand:
            bins.append(BinStock(item=item, store=store, bin=bin, on_hand=on_hand))
    Movement.objects.bulk_create(movements, batch_size=1000)
    BinStock.objects.bulk_create(bins)
    StockItem.objects.bulk_update(items, ["on_hand", "avg_cost", "last_moved_at"])
    by_no = {item.part_no: item for item in items}

    # Orders of every type: a regular one on its way, an urgent one partly received (a fresh B/O),
    # an emergency one submitted six weeks ago with a B/O older than a month, a special part waiting
    # for its documents, and EV battery packs received by serial number.
    def order(supplier, order_type, lines, days_ago=0, **kwargs):
        po = services.order_create(
            actor=None,
            store=store,
            supplier=supplier,
            order_type=order_type,
            lines=[(by_no[no], q) for no, q in lines],
            **kwargs,
        )
        if kwargs.get("part_class") == PartClass.SPECIAL:
            return po
        services.order_submit(actor=None, order=po, now=now - timedelta(days=days_ago))
        return po

    order(honda, "regular", [("08232-P99-D4LW4", "40"), ("94109-14000", "60")], days_ago=1)
    urgent = order(honda, "urgent", [("45022-TBA-A01", "6"), ("17220-5PA-A00", "10")], days_ago=5)
    first = urgent.lines.order_by("id").first()
    services.order_receive(actor=None, order=urgent, receipts=[{"line": first.pk, "quantity": "2", "bin": "B-01-01"}])
    emergency = order(honda, "emergency", [("51610-TBA-A01", "2")], days_ago=40)
    line = emergency.lines.get()
    services.order_receive(actor=None, order=emergency, receipts=[{"line": line.pk, "quantity": "1", "bin": "C-01-01"}])
    SupplierOrderLine.objects.filter(pk=line.pk).update(back_ordered_at=now - timedelta(days=33))
    ev_vehicle = Vehicle.objects.filter(owner__store=store, powertrain__in=["BEV", "PHEV"]).order_by("id").first()
    order(
        honda,
        "emergency",
        [("45251-TBA-A01", "1")],
        part_class=PartClass.SPECIAL,
        vehicle=ev_vehicle,
        note="事故车 车壳订购，待补资料",
    )
    battery = by_no[EV_PARTS[0][0]]
    packs = order(honda, "emergency", [(battery.part_no, "3")], days_ago=20)
    services.order_receive(
        actor=None,
        order=packs,
        receipts=[
            {
                "line": packs.lines.get().pk,
                "quantity": "3",
                "bin": "E-01-01",
                "serials": ["CATL-61A-2026-000117", "CATL-61A-2026-000118", "CATL-61A-2026-000119"],
            }
        ],
    )
    if ev_vehicle is not None:
        # one pack already fitted to the showcase EV: traceable to its order and the vehicle
        fitted = SerialUnit.objects.get(item=battery, serial="CATL-61A-2026-000117")
        services.stock_adjust(actor=None, item=battery, quantity="-1", bin="E-01-01", reason=f"装车 {ev_vehicle.plate}")
        SerialUnit.objects.filter(pk=fitted.pk).update(
            status=SerialStatus.FITTED, vehicle=ev_vehicle, fitted_at=now - timedelta(days=12)
        )

    # Reservations for the open repair orders (their approval happened before the stock existed).
    for order_id in RepairOrder.objects.filter(store=store, status__in=services.RESERVING_STATUSES).values_list(
        "id", flat=True
    ):
        services.demands_sync(repair_order_id=order_id)
    for item_id in LineDemand.objects.filter(store=store, status="short").values_list("item_id", flat=True).distinct():
        services.stock_allocate(item=StockItem(pk=item_id))
    services.reorder_run(store_id=store.pk)
    if manager is not None:
        services.stock_override_levels(
            actor=manager.user,
            item=by_no["15400-RTA-003"],
            min_qty="30",
            max_qty="90",
            reason="机滤用量大：增大MAX、减小MIN，减少订货频次",
        )
    # The brand supplier's own stocktaking closure next week, beside the official holidays.
    SupplierClosure.objects.create(
        supplier=bosch, first_day=today + timedelta(days=8), last_day=today + timedelta(days=10)
    )
    # Yesterday's count of the A-01 bins, waiting for the manager: one bin short by one.
    clerk = store.memberships.filter(role=Role.PARTS_CLERK).select_related("user").first()
    rows = list(BinStock.objects.filter(store=store, bin__startswith="A-01", on_hand__gt=0).order_by("bin")[:5])
    if clerk is not None and rows:
        counts = {row.pk: row.on_hand - (1 if n == 0 else 0) for n, row in enumerate(rows)}
        services.count_enter(actor=clerk.user, store=store, counts=counts, bin_prefix="A-01", note="月末盘点 A-01 区")
    return len(movements)
