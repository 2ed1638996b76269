"""A home store with a VIC customer, another store of the group where the car turns up, and
the staff of both."""

from datetime import timedelta

import pytest
from django.utils import timezone

# The parts counter's fixtures, for the green channel in the issue queue.
from aftercare.parts.tests.conftest import catalogue, clerk, stock, supplier  # noqa: F401
from aftercare.service import services as spine
from aftercare.tests.factories import CustomerFactory, MembershipFactory, UserFactory, VehicleFactory, catalog_for
from aftercare.vic import services


@pytest.fixture
def specialist(staff):
    user = staff["vic_specialist"]
    user.full_name = "李专员"
    user.mobile = "13800001111"
    user.save(update_fields=["full_name", "mobile"])
    return user


@pytest.fixture
def manager(staff):
    return staff["service_manager"]


@pytest.fixture
def away_staff(other_store):
    """{role: user} at the other store of the group."""
    cast = {}
    for role in ("advisor", "vic_specialist", "foreman", "parts_clerk", "service_manager"):
        user = UserFactory(username=f"py-{role}", full_name=f"番禺{role}")
        MembershipFactory(user=user, store=other_store, role=role)
        cast[role] = user
    return cast


@pytest.fixture
def vic_customer(store, manager, specialist):
    customer = CustomerFactory(store=store, name="王总", mobile="13912345678")
    services.enrol(actor=manager, customer=customer, specialist=specialist, reason="雅阁3.5L车主")
    return customer


@pytest.fixture
def open_order(staff):
    """open_order(store, vehicle, advisor=None, promised_in=3h) -> a new repair order."""

    def make(store, vehicle, advisor=None, promised_in=timedelta(hours=3)):
        catalog_for(store)
        return spine.repair_order_open(
            actor=advisor or staff["advisor"],
            store=store,
            vehicle=vehicle,
            customer_statement="保养",
            odometer_km=20000,
            promised_at=timezone.now() + promised_in,
        )

    return make


@pytest.fixture
def vic_vehicle(vic_customer):
    return VehicleFactory(owner=vic_customer)
