"""Stock by store and bin: movements, moving-average cost, never negative, corrections by reversal."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aftercare.parts import services
from aftercare.parts.choices import MovementKind
from aftercare.parts.models import BinStock, Movement, StockItem

from .conftest import OIL_FILTER

pytestmark = pytest.mark.django_db


def test_receipts_add_stock_in_the_bin_and_average_the_cost(stock, clerk):
    item = stock(quantity="2", cost="30.00")
    services.stock_receive(actor=clerk, item=item, quantity="3", unit_cost="40.00", bin="A-01-01")
    item.refresh_from_db()
    assert item.on_hand == 5 and item.avg_cost == Decimal("36.00")
    assert item.value == Decimal("180.00")
    assert BinStock.objects.get(item=item, bin="A-01-01").on_hand == 5
    assert list(item.movements.values_list("kind", "quantity")) == [("receipt", 3), ("receipt", 2)]


def test_an_adjustment_needs_a_reason_and_cannot_go_below_zero(stock, clerk):
    item = stock(quantity="1")
    with pytest.raises(ValidationError) as error:
        services.stock_adjust(actor=clerk, item=item, quantity="-1", reason="")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.stock_adjust(actor=clerk, item=item, quantity="-2", reason="损坏")
    item.refresh_from_db()
    assert item.on_hand == 1 and item.movements.count() == 1


def test_a_correction_is_a_reversing_movement_never_an_edit(stock, clerk, manager):
    item = stock(quantity="5")
    wrong = services.stock_adjust(actor=clerk, item=item, quantity="-2", reason="破损")
    with pytest.raises(PermissionDenied):
        wrong.save()
    with pytest.raises(PermissionDenied):
        Movement.objects.filter(pk=wrong.pk).update(quantity=0)
    reversal = services.movement_reverse(actor=manager, movement=wrong, reason="录错了")
    item.refresh_from_db()
    assert reversal.kind == MovementKind.REVERSAL and reversal.quantity == 2 and item.on_hand == 5
    with pytest.raises(ValidationError):
        services.movement_reverse(actor=manager, movement=wrong, reason="再来一次")


def test_a_transfer_between_bins_keeps_the_total_and_pairs_the_movements(stock, clerk):
    item = stock(quantity="5")
    incoming = services.stock_transfer(actor=clerk, item=item, quantity="2", from_bin="A-01-01", to_bin="B-02-01")
    item.refresh_from_db()
    assert item.on_hand == 5
    assert dict(item.bins.values_list("bin", "on_hand")) == {"A-01-01": 3, "B-02-01": 2}
    assert incoming.counterpart.kind == MovementKind.TRANSFER_OUT


def test_one_stores_stock_is_invisible_to_another_except_through_a_group_transfer(stock, clerk, other_store, staff):
    item = stock(OIL_FILTER, quantity="5")
    from aftercare.tests.factories import MembershipFactory, UserFactory

    other_clerk = UserFactory(username="parts-py")
    MembershipFactory(user=other_clerk, store=other_store, role="parts_clerk")
    assert not StockItem.objects.for_user(other_clerk).exists()
    services.stock_transfer(
        actor=clerk, item=item, quantity="2", from_bin="A-01-01", to_bin="C-01", to_store=other_store
    )
    (theirs,) = StockItem.objects.for_user(other_clerk)
    assert theirs.on_hand == 2 and theirs.avg_cost == item.avg_cost
    assert list(StockItem.objects.for_user(clerk).values_list("on_hand", flat=True)) == [3]
