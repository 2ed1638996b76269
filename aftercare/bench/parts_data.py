"""The parts counter's benchmark data, by bulk insert (docs/PERFORMANCE.md): per store
`PARTS_PER_STORE` catalogue parts with their stock items and bins, and three years of
movements for the fifth of them that move (a monthly issue, a receipt every quarter), then
yesterday's nightly reorder run with one part in fifty moved since.

The build writes the rows the services would leave (stock items with their lookup keys,
one bin each, append-only movements) without going through them: 30,000 parts and ~290,000
movements per store through part_issue would take hours. Run at dataset build (cached) and,
for a dataset made before it existed, by the parts operations on first use."""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from aftercare.catalog.models import Part
from aftercare.parts import services
from aftercare.parts.choices import MovementKind
from aftercare.parts.models import BinStock, Movement, ReorderRun, StockItem

# Bumped on any change of the data made here (it is part of the dataset's cache key).
VERSION = 1
SIZES = {"tiny": (300, 12), "store": (30_000, 36)}  # (parts per store, months of movements)
NAMES = (
    "机油滤清器 空气滤清器 空调滤清器 前刹车片 后刹车片 火花塞 雨刮片 前减震器 轮毂轴承 水泵 节温器 正时皮带 "
    "发电机皮带 氧传感器 点火线圈 刹车盘 转向拉杆 球头 喷油嘴 燃油泵"
).split()
BATCH = 5000


def parts_size(scale: str) -> tuple[int, int]:
    """(parts per store, months of movements) for a scale; every scale but tiny is store-sized per store."""
    return SIZES["tiny"] if scale.startswith("tiny") else SIZES["store"]


def build_parts(store, *, parts: int, months: int, rng: random.Random) -> int:
    """Make the store's benchmark parts, stock and movements unless it already has them.
    Returns how many movements were written."""
    now = timezone.now()
    have = StockItem.objects.filter(store=store).count()
    if have >= parts:
        return 0
    keys = {name: services.name_keys(name) for name in NAMES}
    prefix = f"BP{store.pk:02d}"
    Part.objects.bulk_create(
        (
            Part(group_id=store.group_id, store=store, part_no=f"{prefix}{n:06d}", name=NAMES[n % len(NAMES)],
                 brand="本田", is_oem=True, unit_price=Decimal(20 + n % 500))
            for n in range(have, parts)
        ),
        batch_size=BATCH,
    )  # fmt: skip
    created = Part.objects.filter(store=store, part_no__startswith=prefix).exclude(
        pk__in=StockItem.objects.filter(store=store).values("part_id")
    )
    items = []
    for n, (part_id, part_no, name, price) in enumerate(
        created.order_by("id").values_list("id", "part_no", "name", "unit_price").iterator(chunk_size=BATCH)
    ):
        pinyin, initials = keys[name]
        items.append(StockItem(
            store=store, part_id=part_id, part_no=part_no, name=name, name_pinyin=pinyin, name_initials=initials,
            main_bin=f"{'ABCDEFGH'[n % 8]}-{n // 800 % 40:02d}-{n % 40:02d}", on_hand=Decimal(rng.randint(0, 40)),
            avg_cost=(price * Decimal("0.6")).quantize(Decimal("0.01")), changed_at=now - timedelta(days=3),
        ))  # fmt: skip
    StockItem.objects.bulk_create(items, batch_size=BATCH)
    rows = list(
        StockItem.objects.filter(store=store, part_no__startswith=prefix)
        .order_by("id")
        .values_list("id", "main_bin", "on_hand")
    )
    BinStock.objects.bulk_create(
        (BinStock(item_id=pk, store=store, bin=bin, on_hand=on_hand) for pk, bin, on_hand in rows), batch_size=BATCH
    )
    start = now - timedelta(days=30 * months)
    written = 0
    movements = []
    for pk, bin, _on_hand in rows[::5]:
        for month in range(months):
            at = start + timedelta(days=30 * month + rng.randint(0, 27))
            row = {"store": store, "item_id": pk, "bin": bin, "unit_cost": 10, "on_hand_after": 0, "created_at": at}
            movements.append(Movement(kind=MovementKind.ISSUE, quantity=-rng.randint(1, 8), **row))
            if month % 3 == 0:
                movements.append(Movement(kind=MovementKind.RECEIPT, quantity=rng.randint(10, 30), **row))
        if len(movements) >= 4 * BATCH:
            Movement.objects.bulk_create(movements, batch_size=BATCH)
            written += len(movements)
            movements = []
    Movement.objects.bulk_create(movements, batch_size=BATCH)
    written += len(movements)
    # Yesterday's nightly run, and the parts that moved since (one in fifty).
    ReorderRun.objects.create(store=store, ran_at=now - timedelta(hours=20), items=len(rows),
                              extension_days=services.holiday_extension_days(None, timezone.localdate()))  # fmt: skip
    moved = [pk for pk, _b, _o in rows[::50]]
    for first in range(0, len(moved), 900):  # under SQLite's variable limit
        StockItem.objects.filter(pk__in=moved[first : first + 900]).update(changed_at=now - timedelta(hours=6))
    return written
