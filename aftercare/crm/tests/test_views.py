"""The manager's rules and firings pages, and the vehicle page's forecast panel."""

from datetime import date

import pytest
import time_machine

from aftercare.crm.choices import Trigger
from aftercare.crm.models import Firing, RetentionRule
from aftercare.crm.rules import Due, fire, rules_ensure
from aftercare.customers.models import OdometerReading
from aftercare.tests.factories import CustomerFactory, VehicleFactory

from .conftest import at

pytestmark = pytest.mark.django_db


def test_the_manager_sees_the_rules_switches_one_off_and_sees_what_fired(store, staff, client_for):
    client = client_for(staff["service_manager"])
    customer = CustomerFactory(store=store, name="陈静")
    rule = next(r for r in rules_ensure(store) if r.trigger == Trigger.BIRTHDAY)
    fire(rule=rule, due=Due(customer, None, "2026", "生日", {}), now=at("2026-03-15 07:00"))
    assert client.get("/crm/rules/").status_code == 200
    client.post(f"/crm/rules/{rule.pk}/toggle/")
    assert not RetentionRule.objects.get(pk=rule.pk).enabled
    page = client.get("/crm/firings/?trigger=birthday")
    assert page.status_code == 200 and "陈静" in page.content.decode()
    assert Firing.objects.count() == 1


def test_an_advisor_may_not_manage_rules(staff, client_for):
    assert client_for(staff["advisor"]).get("/crm/rules/").status_code == 403


def test_the_vehicle_page_shows_the_forecast_with_its_basis(store, staff, client_for):
    vehicle = VehicleFactory(
        owner=CustomerFactory(store=store), last_service_at=date(2026, 1, 1), last_service_km=10_000
    )
    for day, km in (("2026-01-01", 10_000), ("2026-03-02", 13_000)):
        OdometerReading.objects.create(vehicle=vehicle, km=km, recorded_at=at(f"{day} 10:00"), source="reception")
    with time_machine.travel(at("2026-03-03 10:00"), tick=False):
        page = client_for(staff["advisor"]).get(f"/crm/vehicles/{vehicle.pk}/forecast/")
    text = page.content.decode()
    # 50 km/day from 13,000 km on 2 March: 15,000 km on 11 April, long before the calendar's 1 July.
    assert page.status_code == 200 and "2026-04-11" in text and "2026-07-01" in text and "50.0" in text


def test_the_api_answers_rules_firings_and_a_customers_segment(store, staff, api_client_for):
    from aftercare.crm.models import CustomerProfile

    customer = CustomerFactory(store=store)
    rule = next(r for r in rules_ensure(store) if r.trigger == Trigger.BIRTHDAY)
    fire(rule=rule, due=Due(customer, None, "2026", "生日", {}), now=at("2026-03-15 07:00"))
    CustomerProfile.objects.create(customer=customer, store=store, stage="new")
    client = api_client_for(staff["service_manager"])
    assert len(client.get("/api/v1/crm/rules/").json()) == len(Trigger.values)
    assert client.get(f"/api/v1/crm/firings/?customer={customer.pk}").json()[0]["trigger"] == "birthday"
    assert client.get(f"/api/v1/crm/customers/{customer.pk}/segment/").json()["stage"] == "new"
    assert api_client_for(staff["advisor"]).get("/api/v1/crm/firings/").status_code == 403
