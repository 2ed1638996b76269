"""A VIC-free customer with a car in `store`, and the desk's cast."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from aftercare.tests.factories import CustomerFactory, VehicleFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday, mid-morning (outside the quiet hours): every clock in these tests starts here.
T0 = datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def vehicle(store, staff):
    owner = CustomerFactory(store=store, name="李娜", mobile="13800001111", assigned_advisor=staff["advisor"])
    return VehicleFactory(owner=owner, store=store, plate="粤A88888")


@pytest.fixture
def customer(vehicle):
    return vehicle.owner


@pytest.fixture
def enrol_vic(store):
    from aftercare.vic.models import VicEnrolment

    def enrol(customer, specialist):
        return VicEnrolment.objects.create(store=store, customer=customer, specialist=specialist, source="manager")

    return enrol


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """The public rescue form's limits count in the cache (docs/DOMAIN.md §25.2): each test starts at zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
