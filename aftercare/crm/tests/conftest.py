"""Customers with visits and paid orders, made directly (the services stamp now)."""

from datetime import datetime
from decimal import Decimal
from itertools import count

import pytest
import time_machine
from django.utils import timezone

from aftercare.catalog.models import RepairType
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for

_numbers = count(1)


def at(text: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(text))


@pytest.fixture
def catalogue(store):
    catalog_for(store)


@pytest.fixture
def visit(store, staff, catalogue):
    """visit(customer, "2026-01-05 10:00", total=...) -> a paid order that sets the last visit."""

    def make(customer, when: str, *, total="500.00", vehicle=None, status=Status.DELIVERED):
        vehicle = vehicle or customer.vehicles.first() or VehicleFactory(owner=customer)
        opened = at(when)
        with time_machine.travel(opened, tick=False):
            order = RepairOrder.objects.create(
                store=customer.store, number=f"RO{next(_numbers):07d}", status=status, customer=customer,
                vehicle=vehicle, advisor=staff["advisor"],
                repair_type=RepairType.objects.effective_for_store(customer.store).get(code="periodic"),
                odometer_km=10_000, opened_at=opened, closed_at=opened, customer_total=Decimal(total),
                total=Decimal(total),
            )  # fmt: skip
        type(customer).objects.filter(pk=customer.pk, last_visit_at__lt=opened).update(last_visit_at=opened)
        type(customer).objects.filter(pk=customer.pk, last_visit_at__isnull=True).update(last_visit_at=opened)
        customer.refresh_from_db()
        return order

    return make


@pytest.fixture
def customer(store):
    return CustomerFactory(store=store, name="王芳")
