"""Warranty fixtures: a brand's policies, a car inside its first-free window, a settled warranty order."""

from datetime import date

import pytest

from aftercare.billing.tests.conftest import catalogue, make_order, signature  # noqa: F401
from aftercare.service.models import RepairOrder
from aftercare.tests.factories import CustomerFactory, VehicleFactory
from aftercare.warranty.choices import Coverage
from aftercare.warranty.models import WarrantyPolicy

SOLD = date(2026, 3, 2)


@pytest.fixture
def policies(store):
    """广汽本田: 首保 6 months / 7,500 km, basic 3 years / 100,000 km, powertrain 5 years / 150,000 km,
    EV battery 8 years / 150,000 km; brake pads and wipers excluded."""
    rows = [
        (Coverage.FIRST_FREE, 6, 7500, ""),
        (Coverage.BASIC, 36, 100000, "刹车片,雨刮"),
        (Coverage.POWERTRAIN, 60, 150000, ""),
        (Coverage.BATTERY, 96, 150000, ""),
    ]
    return {
        coverage: WarrantyPolicy.objects.create(
            store=store, brand="广汽本田", coverage=coverage, months=months, km=km, excluded_parts=excluded
        )
        for coverage, months, km, excluded in rows
    }


@pytest.fixture
def vehicle(store):
    return VehicleFactory(
        owner=CustomerFactory(store=store, name="张三"), plate="粤A12345", powertrain="ICE", odometer_km=3000,
        purchase_date=SOLD,
    )  # fmt: skip


@pytest.fixture
def settled_order(make_order, vehicle, policies):  # noqa: F811
    """A settled warranty order (repair type 保修) with labour, a part and a charge billed to the carmaker."""
    order = make_order(repair_type="warranty", payer="warranty", the_vehicle=vehicle)
    RepairOrder.objects.filter(pk=order.pk).update(status="settled")
    order.refresh_from_db()
    return order


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English here; the Chinese ones are the catalogue's (pages default to zh)."""
    from django.utils import translation

    with translation.override("en"):
        yield
