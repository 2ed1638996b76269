"""Today's odometer reading opens every repair order (docs/DOMAIN.md §2.3, §3.1
step 3): required at reception and at an appointment's conversion, the last
reading only a hint, and a lower reading explained on the same form."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from aftercare.appointments import services as appointments
from aftercare.appointments.choices import Channel
from aftercare.catalog.models import LabourOperation
from aftercare.customers.choices import OdometerSource
from aftercare.customers.models import OdometerReading
from aftercare.service.models import RepairOrder
from aftercare.tests.browser_forms import submitted
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def vehicle(store):
    catalog_for(store)
    return VehicleFactory(owner=CustomerFactory(store=store), plate="粤A45404", odometer_km=45404)


@pytest.fixture
def advisor(staff, client_for):
    return client_for(staff["advisor"])


def _reception(advisor, vehicle, **typed):
    url = reverse("service:reception", args=[vehicle.pk])
    data = submitted(advisor.get(url).content.decode(), having="odometer_km")
    return advisor.post(url, {**data.dict(), **typed})


def test_the_reception_form_shows_the_last_reading_as_a_hint_not_as_the_value(advisor, vehicle):
    page = advisor.get(reverse("service:reception", args=[vehicle.pk]))
    form = page.context["form"]
    assert form["odometer_km"].value() is None
    assert "45404" in form.fields["odometer_km"].widget.attrs["placeholder"]
    assert "45404" in str(form.fields["odometer_km"].help_text)
    assert submitted(page.content.decode(), having="odometer_km")["odometer_km"] == ""


def test_clicking_straight_through_reception_opens_nothing_and_asks_for_the_reading(advisor, vehicle):
    response = _reception(advisor, vehicle)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["odometer_km"]
    assert not RepairOrder.objects.exists()


def test_a_lower_reading_at_reception_asks_for_the_reason_on_the_reading_and_takes_it(advisor, vehicle):
    refused = _reception(advisor, vehicle, odometer_km="4540")
    assert "odometer_km" in refused.context["form"].errors
    assert not RepairOrder.objects.exists()

    opened = _reception(advisor, vehicle, odometer_km="4540", odometer_correction_reason="上次多输了一位")
    assert opened.status_code == 302
    reading = OdometerReading.objects.filter(vehicle=vehicle).latest("id")
    assert (reading.km, reading.source, reading.correction_reason) == (
        4540,
        OdometerSource.CORRECTION,
        "上次多输了一位",
    )
    assert RepairOrder.objects.get().odometer_km == 4540


@pytest.fixture
def booking(staff, store, vehicle):
    return appointments.appointment_book(
        actor=staff["advisor"], store=store, vehicle=vehicle,
        start_at=datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI),
        operations=[LabourOperation.objects.effective_for_store(store).get(code="M001")],
        channel=Channel.PHONE, complaint="保养",
    )  # fmt: skip


def test_converting_an_appointment_needs_todays_reading(advisor, booking):
    url = reverse("appointments:convert", args=[booking.pk])
    page = advisor.get(reverse("appointments:detail", args=[booking.pk]))
    data = submitted(page.content.decode(), having="odometer_km")
    assert data["odometer_km"] == ""

    refused = advisor.post(url, data)
    assert refused.status_code == 400
    assert list(refused.context["convert_form"].errors) == ["odometer_km"]
    assert not RepairOrder.objects.exists()


def test_a_lower_reading_at_conversion_is_explained_on_the_conversion_form(advisor, booking):
    url = reverse("appointments:convert", args=[booking.pk])
    refused = advisor.post(url, {"odometer_km": "4540"})
    assert refused.status_code == 400
    assert "45404" in refused.context["convert_form"].errors["odometer_km"][0]
    assert 'name="odometer_correction_reason"' in refused.content.decode()

    opened = advisor.post(url, {"odometer_km": "4540", "odometer_correction_reason": "仪表更换"})
    assert opened.status_code == 302
    assert RepairOrder.objects.get().odometer_km == 4540


def test_the_apis_need_the_reading_too(staff, store, vehicle, booking, api_client_for):
    api = api_client_for(staff["advisor"])
    opened = api.post("/api/v1/repair-orders/", {"vehicle": vehicle.pk}, format="json")
    assert opened.status_code == 400 and "odometer_km" in opened.json()
    converted = api.post(f"/api/v1/appointments/{booking.pk}/convert/", {}, format="json")
    assert converted.status_code == 400 and "odometer_km" in converted.json()
    lower = api.post(f"/api/v1/appointments/{booking.pk}/convert/", {"odometer_km": 4540}, format="json")
    assert lower.status_code == 400 and "odometer_km" in lower.json()
    explained = api.post(
        f"/api/v1/appointments/{booking.pk}/convert/",
        {"odometer_km": 4540, "odometer_correction_reason": "仪表更换"},
        format="json",
    )
    assert explained.status_code == 201


def test_the_vehicle_pages_reading_inputs_have_labels(advisor, vehicle):
    body = advisor.get(reverse("customers:vehicle_detail", args=[vehicle.pk])).content.decode()
    form = body[body.index(reverse("customers:odometer_record", args=[vehicle.pk])) :]
    form = form[: form.index("</form>")]
    for name in ("km", "correction_reason"):
        assert f'<label class="form-label small mb-1" for="id_{name}">' in form
        assert f'id="id_{name}"' in form
