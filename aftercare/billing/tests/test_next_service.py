"""The delivery sheet never gives a next maintenance already passed
(docs/DOMAIN.md §2.4, §4.8): a car overdue for its maintenance is due now."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from aftercare.billing import selectors, services
from aftercare.customers.models import Vehicle
from aftercare.service.models import RepairOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(vehicle):
    # Last serviced in February 2023 at 26,836 km, cycle 6 months / 5,000 km: due 2023-08-27 or 31,836 km.
    Vehicle.objects.filter(pk=vehicle.pk).update(
        last_service_at=date(2023, 2, 27), last_service_km=26836, maintenance_months=6, maintenance_km=5000
    )
    vehicle.refresh_from_db()
    return vehicle


def _at_45404_km(order):
    # Read at reception today: 45,404 km.
    RepairOrder.objects.filter(pk=order.pk).update(odometer_km=45404)
    Vehicle.objects.filter(pk=order.vehicle_id).update(odometer_km=45404)
    return RepairOrder.objects.select_related("vehicle", "repair_type").get(pk=order.pk)


def _paid(staff, order):
    services.payment_post(actor=staff["cashier"], order=order, method="cash", amount=order.customer_total)
    return _at_45404_km(order)


@time_machine.travel("2026-12-07 10:00 +0800", tick=False)
def test_a_repair_of_an_overdue_car_says_maintenance_is_due_now_never_a_past_date(
    staff, make_order, overdue, signature, client_for
):
    order = _paid(staff, make_order(repair_type="general"))
    assert selectors.next_service_after(order) == (date(2026, 12, 7), 45404)

    client = client_for(staff["advisor"])
    page = client.get(reverse("billing:delivery", args=[order.pk])).content.decode()
    assert 'data-testid="next-service-due-now"' in page and "2023-08-27" not in page

    delivery = services.repair_order_deliver(actor=staff["advisor"], order=order, signature=signature)
    assert (delivery.next_service_date, delivery.next_service_km) == (date(2026, 12, 7), 45404)
    sheet = client.get(reverse("billing:delivery_sheet", args=[order.pk])).content.decode()
    assert 'data-testid="next-service-due-now"' in sheet
    assert "2023-08-27" not in sheet and "31836" not in sheet


@time_machine.travel("2026-12-07 10:00 +0800", tick=False)
def test_a_maintenance_of_an_overdue_car_restarts_the_cycle_from_the_delivery_day(
    staff, make_order, overdue, signature, client_for
):
    order = _paid(staff, make_order(repair_type="periodic"))
    delivery = services.repair_order_deliver(actor=staff["advisor"], order=order, signature=signature)
    assert (delivery.next_service_date, delivery.next_service_km) == (date(2027, 6, 7), 50404)
    sheet = client_for(staff["advisor"]).get(reverse("billing:delivery_sheet", args=[order.pk])).content.decode()
    assert 'data-testid="next-service"' in sheet and "2027-06-07" in sheet


@time_machine.travel("2026-12-07 10:00 +0800", tick=False)
def test_a_car_past_its_km_but_not_its_date_is_due_now_too(staff, make_order, overdue):
    Vehicle.objects.filter(pk=overdue.pk).update(last_service_at=date(2026, 10, 1))
    order = _at_45404_km(make_order(repair_type="general"))
    next_date, next_km = selectors.next_service_after(order)
    assert (next_date, next_km) == (date(2027, 4, 1), 45404)
    assert selectors.service_due_now(order, next_date, next_km, date(2026, 12, 7))
