"""The parts benchmark data: the scale's parts per store with their bins and months of
movements, written in bulk once, and a second build adds nothing."""

import random

import pytest

from aftercare.bench.parts_data import build_parts, parts_size
from aftercare.parts.choices import MovementKind
from aftercare.parts.models import BinStock, Movement, ReorderRun, StockItem

pytestmark = pytest.mark.django_db


def test_the_store_scale_asks_for_30000_parts_and_three_years_of_movements():
    assert parts_size("store") == (30_000, 36) and parts_size("group-10") == (30_000, 36)
    assert parts_size("tiny") == (300, 12)


def test_the_parts_are_built_once_with_bins_movements_and_yesterdays_run(store):
    written = build_parts(store, parts=100, months=12, rng=random.Random(1))
    items = StockItem.objects.filter(store=store)
    assert items.count() == 100 and BinStock.objects.filter(store=store).count() == 100
    assert items.exclude(name_initials="").count() == 100  # the lookup keys, as the services keep them
    movements = Movement.objects.filter(store=store)
    assert (
        written == movements.count() == 20 * (12 + 4)
    )  # a fifth of the parts move: monthly issues, quarterly receipts
    assert movements.filter(kind=MovementKind.ISSUE).count() == 20 * 12
    assert ReorderRun.objects.filter(store=store).count() == 1
    assert build_parts(store, parts=100, months=12, rng=random.Random(1)) == 0
    assert StockItem.objects.filter(store=store).count() == 100
