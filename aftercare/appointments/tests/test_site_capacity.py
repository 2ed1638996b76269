"""Capacity of site work (docs/DOMAIN.md §17.9): home service, wall-box installation and charger
repair hold a technician and a van for the whole trip (there, the work, back), never a bay."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from aftercare.appointments import selectors, services
from aftercare.appointments.choices import Channel
from aftercare.catalog.models import Van
from aftercare.service.models import SiteVisit

from .conftest import TOMORROW, at, op

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    # The refusals are matched by their English words.
    with translation.override("en"):
        yield


ADDRESS = "广州市天河区珠江新城花城大道18号 地下车库B1-066"


def book_site(staff, store, vehicle, start, codes=("H001",), **kwargs):
    return services.appointment_book(
        actor=staff["advisor"], store=store, vehicle=vehicle, start_at=start, channel=Channel.PHONE,
        operations=[op(store, code) for code in codes], site_address=kwargs.pop("site_address", ADDRESS), **kwargs,
    )  # fmt: skip


def test_site_work_holds_a_technician_and_a_van_for_the_trip_and_no_bay(staff, store, ev):
    appointment = book_site(staff, store, ev, at(TOMORROW, 9), travel_minutes=40)
    # 1.0 h of work plus 40 minutes each way = 140 minutes, rounded up to whole 30-minute slots.
    assert (appointment.start_at, appointment.end_at) == (at(TOMORROW, 9), at(TOMORROW, 11, 30))
    assert appointment.bay is None and appointment.van.code == "V01"
    assert appointment.technician == staff["technician"]
    assert (appointment.site_kind, appointment.site_address) == ("home", ADDRESS)
    assert appointment.arrival_window == (at(TOMORROW, 9, 40), at(TOMORROW, 10, 40))


def test_mobile_capacity_counts_vans_not_bays(staff, store, ev, add_technician):
    add_technician("王师傅")
    add_technician("赵师傅")
    first = book_site(staff, store, ev, at(TOMORROW, 9))
    second = book_site(staff, store, ev, at(TOMORROW, 9))
    assert {first.van.code, second.van.code} == {"V01", "V02"}
    # Eight bays stand empty and a technician is free, but both vans are out.
    with pytest.raises(ValidationError, match="van"):
        book_site(staff, store, ev, at(TOMORROW, 9))
    # The technician left behind can still take work in the workshop.
    in_the_shop = services.appointment_book(
        actor=staff["advisor"], store=store, vehicle=ev, start_at=at(TOMORROW, 9), channel=Channel.PHONE,
        operations=[op(store, "M003")],
    )  # fmt: skip
    assert in_the_shop.bay is not None and in_the_shop.van is None


def test_mobile_capacity_counts_technicians(staff, store, ev):
    book_site(staff, store, ev, at(TOMORROW, 9))
    with pytest.raises(ValidationError, match="technician"):
        book_site(staff, store, ev, at(TOMORROW, 9))


def test_a_van_taken_out_of_service_gives_no_capacity(staff, store, ev, add_technician):
    add_technician("王师傅")
    Van.objects.filter(store=store, code="V02").update(is_active=False)
    book_site(staff, store, ev, at(TOMORROW, 9))
    assert [slot.start for slot in selectors.free_slots(
        store=store, day=TOMORROW, operations=[op(store, "H001")], travel_minutes=30,
    ) if slot.start == at(TOMORROW, 9)] == []  # fmt: skip


def test_high_voltage_site_work_needs_a_certified_technician(staff, store, ev, add_technician):
    with pytest.raises(ValidationError, match="technician"):
        book_site(staff, store, ev, at(TOMORROW, 9), codes=("W001", "W002"))
    certified = add_technician("陈电工", hv_certified=True)
    appointment = book_site(staff, store, ev, at(TOMORROW, 9), codes=("W001", "W002"))
    assert (appointment.site_kind, appointment.technician) == ("wallbox", certified)


def test_site_work_needs_a_plug_in_car_and_an_address(staff, store, vehicle, ev):
    with pytest.raises(ValidationError) as error:
        book_site(staff, store, vehicle, at(TOMORROW, 9))
    assert "operations" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        book_site(staff, store, ev, at(TOMORROW, 9), site_address="  ")
    assert "site_address" in error.value.message_dict


def test_the_trip_must_end_before_closing(staff, store, ev):
    with pytest.raises(ValidationError) as error:
        book_site(staff, store, ev, at(TOMORROW, 16, 30), travel_minutes=45)
    assert "start_at" in error.value.message_dict


def test_opening_the_repair_order_carries_the_address_window_and_van(staff, store, ev):
    appointment = book_site(staff, store, ev, at(TOMORROW, 9), travel_minutes=20)
    order = services.appointment_convert(actor=staff["advisor"], appointment=appointment, odometer_km=12000)
    visit = SiteVisit.objects.get(repair_order=order)
    assert (visit.kind, visit.address, visit.travel_minutes, visit.van) == ("home", ADDRESS, 20, appointment.van)
    assert (visit.window_start, visit.window_end) == (at(TOMORROW, 9, 20), at(TOMORROW, 9, 20) + timedelta(hours=1))


def test_moving_site_work_keeps_its_van_and_trip(staff, store, ev):
    appointment = book_site(staff, store, ev, at(TOMORROW, 9), travel_minutes=40)
    moved = services.appointment_change(actor=staff["advisor"], appointment=appointment, start_at=at(TOMORROW, 13))
    assert (moved.start_at, moved.end_at, moved.bay) == (at(TOMORROW, 13), at(TOMORROW, 15, 30), None)
    assert moved.van == appointment.van and moved.site_address == ADDRESS


def test_the_advisor_books_site_work_from_the_booking_form(client_for, staff, store, ev):
    from django.urls import reverse

    response = client_for(staff["advisor"]).post(
        reverse("appointments:create"),
        {"vehicle": ev.plate, "channel": "phone", "repair_type": _general(store).pk,
         "operations": [op(store, "H001").pk], "day": TOMORROW.isoformat(), "start_time": "09:00",
         "site_address": ADDRESS, "travel_minutes": "30"},
    )  # fmt: skip
    assert response.status_code == 302
    appointment = ev.appointments.get()
    assert (appointment.site_kind, appointment.bay, appointment.van.code) == ("home", None, "V01")
    page = client_for(staff["advisor"]).get(response["Location"]).content.decode()
    assert 'data-testid="appointment-site"' in page and ADDRESS in page


def _general(store):
    from aftercare.catalog.models import RepairType

    return RepairType.objects.effective_for_store(store).get(code="general")


def test_the_api_books_site_work_and_answers_a_missing_address_with_a_field_error(api_client_for, staff, store, ev):
    client = api_client_for(staff["advisor"])
    body = {"vehicle": ev.pk, "start_at": at(TOMORROW, 9).isoformat(), "channel": "wechat",
            "operations": [op(store, "H001").pk]}  # fmt: skip
    missing = client.post("/api/v1/appointments/", body, format="json")
    assert missing.status_code == 400 and "site_address" in missing.json()
    booked = client.post(
        "/api/v1/appointments/", {**body, "site_address": ADDRESS, "travel_minutes": 15}, format="json"
    )
    assert booked.status_code == 201
    assert (booked.json()["site_kind"], booked.json()["bay"], booked.json()["travel_minutes"]) == ("home", None, 15)
