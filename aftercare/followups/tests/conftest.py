"""Delivered repair orders to follow up, made quickly: opened through the
service, then placed in `delivered` (billing's guards are billing's tests)."""

from datetime import datetime

import pytest
from django.utils import timezone

from aftercare.catalog.models import LabourOperation, RepairType
from aftercare.service import services as ro
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for


@pytest.fixture
def catalogue(store):
    catalog_for(store)


@pytest.fixture
def vehicle(store):
    return VehicleFactory(owner=CustomerFactory(store=store, name="张三", mobile="13812345678"), plate="粤A12345")


def aware(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


@pytest.fixture
def delivered(staff, store, vehicle, catalogue):
    """delivered(closed_at, repair_type="general") -> a delivered repair order."""

    def make(closed_at, repair_type="general", the_vehicle=None, the_store=None, actor=None):
        the_store = the_store or store
        actor = actor or staff["advisor"]
        order = ro.repair_order_open(
            actor=actor,
            store=the_store,
            vehicle=the_vehicle or vehicle,
            repair_type=RepairType.objects.effective_for_store(the_store).get(code=repair_type),
            odometer_km=20000,
        )
        ro.line_add(
            actor=actor, order=order, operation=LabourOperation.objects.effective_for_store(the_store).get(code="M001")
        )
        RepairOrder.objects.filter(pk=order.pk).update(status=Status.DELIVERED, closed_at=closed_at)
        return RepairOrder.objects.get(pk=order.pk)

    return make


def callable_customer(granted=True, **kwargs):
    """A customer with a yes (or a no) to marketing calls: churn and holiday calls
    are marketing by phone (docs/DOMAIN.md §2.6, §15.1)."""
    from aftercare.customers.models import Consent

    customer = CustomerFactory(**kwargs)
    if granted is not None:
        Consent.objects.create(
            customer=customer, purpose="marketing_phone", granted=granted, channel="paper", notice_version="2026-01"
        )
    return customer
