"""Free text has a length limit and dates have sane bounds, whatever path writes them (issue 11, item 14)."""

from datetime import date

import pytest
from django import forms
from django.core.exceptions import ValidationError

from aftercare.catalog.models import RepairType
from aftercare.core.forms import StyledForm
from aftercare.customers.models import Customer
from aftercare.service.models import RepairOrder
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/repair-orders/"


@pytest.fixture
def opening(store):
    """What reception sends for a vehicle on file, before the field under test."""
    catalog_for(store)
    vehicle = VehicleFactory(owner=CustomerFactory(store=store))
    general = RepairType.objects.effective_for_store(store).get(code="general")
    return {"vehicle": vehicle.pk, "repair_type": general.pk, "odometer_km": 30000}


def test_a_megabyte_customer_statement_is_refused_and_opens_no_order(staff, api_client_for, opening):
    response = api_client_for(staff["advisor"]).post(
        URL, {**opening, "customer_statement": "异响" * 500_000}, format="json"
    )
    assert response.status_code == 400
    assert "customer_statement" in response.json()
    assert not RepairOrder.objects.exists()


def test_a_promise_in_the_year_9999_is_refused_with_the_allowed_range(staff, api_client_for, opening):
    response = api_client_for(staff["advisor"]).post(
        URL, {**opening, "promised_at": "9999-12-31T17:00:00+08:00"}, format="json"
    )
    assert response.status_code == 400
    assert "2100" in " ".join(response.json()["promised_at"])
    assert not RepairOrder.objects.exists()


def test_a_name_longer_than_its_column_is_refused_on_every_database(store):
    with pytest.raises(ValidationError) as refused:
        Customer(store=store, number="C1", name="张" * 200, mobile="13800001111").save()
    assert "name" in refused.value.message_dict


def test_a_birthday_decades_ago_is_still_accepted(store):
    customer = CustomerFactory(store=store, birthday=date(1951, 5, 4))
    assert Customer.objects.get(pk=customer.pk).birthday == date(1951, 5, 4)


class _Form(StyledForm):
    day = forms.DateField()
    note = forms.CharField(widget=forms.Textarea)


def test_every_form_bounds_the_dates_and_the_free_text_it_takes():
    refused = _Form({"day": "9999-12-31", "note": "好" * 100_000})
    assert not refused.is_valid()
    assert set(refused.errors) == {"day", "note"}
    assert "maxlength" in str(refused["note"])
    assert _Form({"day": "2026-03-01", "note": "好"}).is_valid()


def test_the_limits_are_explained_in_chinese(staff, api_client_for, opening):
    client = api_client_for(staff["advisor"])
    too_late = client.post(URL, {**opening, "promised_at": "9999-12-31T17:00:00+08:00"}, format="json")
    assert too_late.json()["promised_at"] == ["请输入 1900-01-01 至 2100-12-31 之间的日期。"]
    too_long = client.post(URL, {**opening, "customer_statement": "响" * 4001}, format="json")
    assert "4000" in too_long.json()["customer_statement"][0] and "字符" in too_long.json()["customer_statement"][0]
