"""The warranty demo's boundary cars (docs/DOMAIN.md §2.4): moving a car's purchase and odometer
to a warranty limit moves its last maintenance too, so its next service is never behind the odometer."""

from datetime import date

import pytest

from aftercare.customers.models import OdometerReading
from aftercare.tests.factories import CustomerFactory, VehicleFactory
from aftercare.warranty.demo import _boundary_vehicles

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)


def test_each_boundary_car_is_due_for_service_ahead_of_its_odometer_or_within_its_first_cycle(store):
    owner = CustomerFactory(store=store)
    for _ in range(7):
        VehicleFactory(owner=owner, powertrain="ICE", last_service_km=30_000, last_service_at=date(2026, 3, 1))
    for _ in range(2):
        ev = VehicleFactory(owner=owner, powertrain="BEV", maintenance_months=12, maintenance_km=20_000,
                            odometer_km=34_930, last_service_km=34_930, last_service_at=date(2026, 3, 1))  # fmt: skip
        OdometerReading.objects.create(vehicle=ev, km=20_000)
        OdometerReading.objects.create(vehicle=ev, km=34_930)
    cars = _boundary_vehicles(store, TODAY)
    assert len(cars) == 9
    for car in cars:
        car.refresh_from_db()
        _due_on, due_km = car.next_service_due()
        if car.last_service_km is None:  # a new car before its first maintenance
            assert car.last_service_at is None and car.odometer_km < 10_000
        else:
            assert car.last_service_km == car.odometer_km and car.last_service_at >= car.purchase_date
            assert due_km == car.odometer_km + car.maintenance_km
    battery = cars[7]  # the EV inside its battery warranty: 98,000 km
    assert (battery.odometer_km, battery.next_service_due()[1]) == (98_000, 118_000)
    # Its mileage history is scaled with it, so the mileage forecast's last reading is the odometer.
    assert list(battery.odometer_readings.order_by("id").values_list("km", flat=True)) == [56_112, 98_000]
