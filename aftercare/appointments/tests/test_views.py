"""The appointment pages: day and week, booking form, actions, export, statistics, scoping."""

import random

import pytest
from django.urls import reverse

from aftercare.appointments import services
from aftercare.appointments.choices import AppointmentStatus, Channel
from aftercare.appointments.demo import seed_appointments
from aftercare.appointments.models import Appointment
from aftercare.catalog.models import RepairType
from aftercare.tests.factories import CustomerFactory, MembershipFactory, UserFactory, VehicleFactory, catalog_for

from .conftest import TODAY, TOMORROW, at, op

pytestmark = pytest.mark.django_db


def book(staff, store, vehicle, start, codes=("M001",)):
    return services.appointment_book(
        actor=staff["advisor"], store=store, vehicle=vehicle, start_at=start,
        operations=[op(store, code) for code in codes], channel=Channel.PHONE, complaint="刹车异响",
    )  # fmt: skip


def _form(the_vehicle, store, **overrides):
    return {
        "vehicle": the_vehicle.plate,
        "channel": Channel.PHONE,
        "complaint": "空调不凉",
        "repair_type": _general(store),
        "operations": [op(store, "A001").pk, op(store, "A002").pk],
        "day": TOMORROW.isoformat(),
        "start_time": "10:00",
        **overrides,
    }


def _general(store):
    return RepairType.objects.effective_for_store(store).get(code="general").pk


def test_the_day_view_runs_a_fixed_number_of_queries(staff, store, vehicle, client_for, django_assert_max_num_queries):
    for hour in (9, 10, 11, 14, 15):
        book(staff, store, vehicle, at(TOMORROW, hour), codes=("M001", "M002"))
    client = client_for(staff["advisor"])
    with django_assert_max_num_queries(14):
        response = client.get(reverse("appointments:day"), {"date": TOMORROW.isoformat()})
    assert response.status_code == 200
    assert response.content.decode().count("粤A12345") >= 10  # grid and list


def test_the_day_view_answers_htmx_with_the_schedule_only(staff, store, vehicle, client_for):
    book(staff, store, vehicle, at(TOMORROW, 9))
    response = client_for(staff["advisor"]).get(
        reverse("appointments:day"), {"date": TOMORROW.isoformat()}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "粤A12345" in body and "<html" not in body


def test_the_week_view_lists_the_days_bookings(staff, store, vehicle, client_for):
    book(staff, store, vehicle, at(TOMORROW, 9))
    response = client_for(staff["technician"]).get(reverse("appointments:week"), {"date": TODAY.isoformat()})
    assert response.status_code == 200 and "粤A12345" in response.content.decode()


def test_booking_through_the_form(staff, store, vehicle, client_for):
    response = client_for(staff["advisor"]).post(reverse("appointments:create"), _form(vehicle, store))
    appointment = Appointment.objects.get()
    assert response.status_code == 302 and response.url == reverse("appointments:detail", args=[appointment.pk])
    assert appointment.start_at == at(TOMORROW, 10) and appointment.complaint == "空调不凉"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"day": TODAY.replace(day=1).isoformat()}, "start_time"),
        ({"start_time": "19:00"}, "start_time"),
        ({"vehicle": "粤Z00000"}, "vehicle"),
        ({"day": "not a day"}, "day"),
    ],
)
def test_the_form_shows_field_errors(staff, store, vehicle, client_for, overrides, field):
    response = client_for(staff["advisor"]).post(reverse("appointments:create"), _form(vehicle, store, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Appointment.objects.exists()


def test_the_form_offers_the_free_slots(staff, store, vehicle, client_for):
    response = client_for(staff["advisor"]).get(
        reverse("appointments:slots"), {"day": TOMORROW.isoformat(), "operations": [op(store, "M001").pk]}
    )
    assert response.status_code == 200 and "08:30" in response.content.decode()


def test_arrived_customer_opens_the_repair_order_in_one_step(staff, store, vehicle, client_for):
    appointment = book(staff, store, vehicle, at(TODAY, 9))
    response = client_for(staff["advisor"]).post(
        reverse("appointments:convert", args=[appointment.pk]), {"odometer_km": "12000"}
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONVERTED
    assert (response.status_code, response.url) == (
        302,
        reverse("service:repair_order_detail", args=[appointment.repair_order_id]),
    )


def test_cancel_and_no_show_buttons(staff, store, vehicle, client_for):
    client = client_for(staff["advisor"])
    first = book(staff, store, vehicle, at(TOMORROW, 9))
    client.post(reverse("appointments:cancel", args=[first.pk]), {"reason": "客户改期"})
    first.refresh_from_db()
    assert (first.status, first.cancel_reason) == (AppointmentStatus.CANCELLED, "客户改期")
    second = book(staff, store, vehicle, at(TOMORROW, 9))
    response = client.post(reverse("appointments:no_show", args=[second.pk]))
    second.refresh_from_db()
    assert (response.status_code, response.url) == (302, reverse("appointments:detail", args=[second.pk]))
    assert second.status == AppointmentStatus.BOOKED  # not yet its time


def test_the_appointment_page_shows_its_history(staff, store, vehicle, client_for):
    client = client_for(staff["advisor"])
    appointment = book(staff, store, vehicle, at(TOMORROW, 9))
    client.post(reverse("appointments:cancel", args=[appointment.pk]), {"reason": "客户改期"})
    page = client.get(reverse("appointments:detail", args=[appointment.pk])).content.decode()
    history = page[page.index('data-testid="appointment-history"') :]
    history = history[: history.index("</ul>")]
    assert history.count("<li>") == 2 and "已取消" in history and "客户改期" in history


def test_editing_moves_the_booking(staff, store, vehicle, client_for):
    appointment = book(staff, store, vehicle, at(TOMORROW, 9))
    data = _form(vehicle, store, start_time="15:00", operations=[op(store, "M001").pk])
    response = client_for(staff["advisor"]).post(reverse("appointments:edit", args=[appointment.pk]), data)
    appointment.refresh_from_db()
    assert (response.status_code, response.url) == (302, reverse("appointments:detail", args=[appointment.pk]))
    assert appointment.start_at == at(TOMORROW, 15)


def test_another_stores_appointment_page_is_a_404(staff, store, other_store, client_for):
    catalog_for(other_store)
    theirs = UserFactory(username="py-advisor")
    MembershipFactory(user=theirs, store=other_store, role="advisor")
    MembershipFactory(user=UserFactory(username="py-tech"), store=other_store, role="technician")
    appointment = services.appointment_book(
        actor=theirs, store=other_store, vehicle=VehicleFactory(owner=CustomerFactory(store=other_store)),
        start_at=at(TOMORROW, 9), operations=[], channel=Channel.PHONE, complaint="保养到期",
    )  # fmt: skip
    client = client_for(staff["service_manager"])
    assert client.get(reverse("appointments:detail", args=[appointment.pk])).status_code == 404
    assert client.post(reverse("appointments:cancel", args=[appointment.pk])).status_code == 404
    assert client.post(reverse("appointments:convert", args=[appointment.pk])).status_code == 404


def test_export_is_a_csv_for_those_who_may_export(staff, store, vehicle, client_for):
    book(staff, store, vehicle, at(TOMORROW, 9))
    params = {"date_from": TODAY.isoformat(), "date_to": TOMORROW.isoformat()}
    assert client_for(staff["advisor"]).get(reverse("appointments:export"), params).status_code == 403
    response = client_for(staff["service_manager"]).get(reverse("appointments:export"), params)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "粤A12345" in body and "AP0000001" in body


def test_the_statistics_page_counts_the_range(staff, store, vehicle, client_for):
    book(staff, store, vehicle, at(TOMORROW, 9))
    response = client_for(staff["advisor"]).get(
        reverse("appointments:statistics"), {"date_from": TODAY.isoformat(), "date_to": TOMORROW.isoformat()}
    )
    assert response.status_code == 200 and response.context["stats"]["total"] == 1


def test_the_demo_books_appointments_over_the_next_days(staff, store, catalogue):
    for n in range(20):
        VehicleFactory(owner=CustomerFactory(store=store), plate=f"粤A8{n:04d}")
    booked = seed_appointments(store, random.Random(3), TODAY)
    assert len(booked) >= 12
    assert {a.start_at.date() for a in booked} >= {TODAY, TOMORROW}
    assert all(a.complaint for a in booked)


def test_the_appointment_page_shows_the_estimate_and_the_actions(staff, store, vehicle, client_for):
    appointment = book(staff, store, vehicle, at(TOMORROW, 9), codes=("M001", "M002"))
    response = client_for(staff["advisor"]).get(reverse("appointments:detail", args=[appointment.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "336.00" in body and reverse("appointments:convert", args=[appointment.pk]) in body


def test_the_booking_form_opens_prefilled_with_the_day(staff, store, vehicle, client_for):
    response = client_for(staff["advisor"]).get(
        reverse("appointments:create"), {"date": TOMORROW.isoformat(), "vehicle": vehicle.plate}
    )
    assert response.status_code == 200 and TOMORROW.isoformat() in response.content.decode()
    edit = client_for(staff["advisor"]).get(
        reverse("appointments:edit", args=[book(staff, store, vehicle, at(TOMORROW, 9)).pk])
    )
    assert edit.status_code == 200


def test_a_manager_deletes_an_appointment_booked_by_mistake_and_the_day_view_loses_it(
    staff, store, vehicle, client_for
):
    from aftercare.core.models import DeletedDocument

    appointment = book(staff, store, vehicle, at(TOMORROW, 9))
    manager = client_for(staff["service_manager"])
    detail = manager.get(reverse("appointments:detail", args=[appointment.pk])).content.decode()
    assert 'data-testid="delete-document-link"' in detail
    response = manager.post(
        reverse("core:document_delete", args=["appointment", appointment.pk]), {"reason": "客户打错"}
    )
    assert response.status_code == 302
    assert not Appointment.objects.filter(pk=appointment.pk).exists()
    assert DeletedDocument.objects.get().kind == "appointments.appointment"
