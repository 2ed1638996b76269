"""The demo gives every parts screen something to show."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from aftercare.accounts.models import User
from aftercare.parts.choices import CountStatus, OrderStatus, PartClass
from aftercare.parts.models import (
    LineDemand,
    Movement,
    SerialUnit,
    StockCount,
    StockItem,
    SupplierClosure,
    SupplierOrder,
    SupplierOrderLine,
)


@pytest.mark.django_db
def test_the_demo_has_a_year_of_movements_parts_below_min_orders_back_orders_and_serials(client):
    call_command("seed_demo", "--stores", "1", "--customers", "40")
    assert Movement.objects.filter(created_at__lt=timezone.now() - timedelta(days=300)).exists()
    assert StockItem.objects.filter(suggested_qty__gt=0).count() >= 3
    assert StockItem.objects.filter(on_hand__gt=0).count() >= 15
    assert set(SupplierOrder.objects.values_list("order_type", flat=True)) == {"regular", "urgent", "emergency"}
    open_bo = SupplierOrderLine.objects.filter(
        back_ordered_at__isnull=False, quantity__gt=F("received") + F("cancelled")
    )
    assert open_bo.filter(order__submitted_at__lt=timezone.now() - timedelta(days=31)).exists()
    assert open_bo.filter(order__submitted_at__gt=timezone.now() - timedelta(days=31)).exists()
    assert SupplierOrder.objects.filter(part_class=PartClass.SPECIAL, status=OrderStatus.DRAFT).exists()
    assert (
        SerialUnit.objects.filter(vehicle__isnull=False).exists()
        and SerialUnit.objects.filter(status="in_stock").count() == 2
    )
    assert LineDemand.objects.exists()
    count = StockCount.objects.get(status=CountStatus.ENTERED)
    assert any(line.variance for line in count.lines.all())
    assert SupplierClosure.objects.exists()
    client.force_login(User.objects.get(username="parts"))
    for name in (
        "parts:queue",
        "parts:stock_list",
        "parts:reorder",
        "parts:order_list",
        "parts:back_orders",
        "parts:count",
        "parts:reports",
        "parts:suppliers",
        "parts:count_print",
    ):
        assert client.get(reverse(name)).status_code == 200, name
