"""EV fixtures: a store with the default catalogue, a BEV, a PHEV and a petrol car."""

import pytest

from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for


@pytest.fixture
def catalogue(store):
    catalog_for(store)


@pytest.fixture
def bev(store):
    return VehicleFactory(owner=CustomerFactory(store=store, name="李四"), plate="粤AD12345", powertrain="BEV",
                          brand="广汽埃安", model="AION S", odometer_km=18000)  # fmt: skip


@pytest.fixture
def phev(store):
    return VehicleFactory(owner=CustomerFactory(store=store, name="王五"), plate="粤AF67890", powertrain="PHEV",
                          brand="比亚迪", model="秦PLUS DM-i", odometer_km=30000)  # fmt: skip


@pytest.fixture
def ice(store):
    return VehicleFactory(owner=CustomerFactory(store=store, name="赵六"), plate="粤A11111", powertrain="ICE")


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield
