"""Fixtures of the appointment tests: a store with the demo catalogue and bays,
the fixed cast of staff, a vehicle, and the clock frozen on a Monday morning."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from aftercare.accounts.roles import Role
from aftercare.catalog.models import Bay, LabourOperation
from aftercare.tests.factories import CustomerFactory, MembershipFactory, UserFactory, VehicleFactory, catalog_for

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 3, 2)  # a Monday
TOMORROW = date(2026, 3, 3)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(at(TODAY, 8, 0), tick=False):
        yield


@pytest.fixture
def catalogue(store):
    catalog_for(store)


@pytest.fixture
def vehicle(store, catalogue):
    return VehicleFactory(owner=CustomerFactory(store=store, name="张三"), plate="粤A12345", powertrain="ICE")


@pytest.fixture
def ev(store, catalogue):
    return VehicleFactory(owner=CustomerFactory(store=store, name="李四"), plate="粤AD12345", powertrain="BEV")


@pytest.fixture
def add_technician(store):
    def make(username: str, *, hv_certified: bool = False, in_store=None):
        user = UserFactory(username=username, full_name=username, hv_certified=hv_certified)
        MembershipFactory(user=user, store=in_store or store, role=Role.TECHNICIAN)
        return user

    return make


def op(store, code: str) -> LabourOperation:
    return LabourOperation.objects.effective_for_store(store).select_related("category").get(code=code)


def bay(store, code: str) -> Bay:
    return Bay.objects.get(store=store, code=code)
