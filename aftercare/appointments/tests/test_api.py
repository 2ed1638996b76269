"""/api/v1/appointments/: slots, booking with field errors, changes, cancel, scoping."""

import pytest

from aftercare.appointments import services
from aftercare.appointments.choices import Channel
from aftercare.tests.factories import CustomerFactory, MembershipFactory, UserFactory, VehicleFactory, catalog_for

from .conftest import TODAY, TOMORROW, at, bay, op

pytestmark = pytest.mark.django_db

URL = "/api/v1/appointments/"


def _booking(the_vehicle, store, **overrides):
    return {
        "vehicle": the_vehicle.pk,
        "start_at": at(TOMORROW, 9).isoformat(),
        "operations": [op(store, "M001").pk, op(store, "M002").pk],
        "channel": Channel.WECHAT,
        "complaint": "保养到期",
        **overrides,
    }


def test_slots_lists_feasible_start_times_with_bay_and_technician_candidates(
    staff, store, vehicle, api_client_for, django_assert_max_num_queries
):
    client = api_client_for(staff["advisor"])
    ids = f"{op(store, 'M001').pk},{op(store, 'T001').pk}"
    with django_assert_max_num_queries(10):
        response = client.get(f"{URL}slots/", {"date": TOMORROW.isoformat(), "operations": ids})
    assert response.status_code == 200
    first = response.json()[0]
    assert first["start"].startswith("2026-03-03T08:30")
    assert [b["code"] for b in first["bays"]] == ["B05"]  # alignment needs the alignment bay
    assert first["technicians"] == [{"id": staff["technician"].pk, "name": str(staff["technician"])}]


def test_slots_reject_a_bad_date_or_unknown_operations_with_field_errors(staff, store, catalogue, api_client_for):
    client = api_client_for(staff["advisor"])
    assert "date" in client.get(f"{URL}slots/", {"date": "2026-13-01"}).json()
    response = client.get(f"{URL}slots/", {"date": TOMORROW.isoformat(), "operations": "999999"})
    assert response.status_code == 400 and "operations" in response.json()


def test_booking_through_the_api_returns_the_estimate(staff, store, vehicle, api_client_for):
    response = api_client_for(staff["advisor"]).post(URL, _booking(vehicle, store), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["estimated_price"] == "336.00" and body["duration_minutes"] == 60
    assert body["bay"] == bay(store, "B01").pk and body["status"] == "booked"
    assert [line["code"] for line in body["operations"]] == ["M001", "M002"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_at": at(TODAY.replace(day=1), 9).isoformat()}, "start_at"),
        ({"start_at": at(TOMORROW, 19).isoformat()}, "start_at"),
        ({"start_at": "tomorrow"}, "start_at"),
        ({"channel": "fax"}, "channel"),
        ({"operations": [999999]}, "operations"),
        ({"vehicle": 999999}, "vehicle"),
        ({"operations": [], "complaint": ""}, "complaint"),
        ({"bay": 999999}, "bay"),
    ],
)
def test_a_bad_booking_is_a_400_with_field_errors(staff, store, vehicle, api_client_for, overrides, field):
    response = api_client_for(staff["advisor"]).post(URL, _booking(vehicle, store, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_taken_time_is_a_400_and_a_refused_move_a_409(staff, store, vehicle, api_client_for):
    client = api_client_for(staff["advisor"])
    first = client.post(URL, _booking(vehicle, store), format="json").json()
    taken = client.post(URL, _booking(vehicle, store, start_at=at(TOMORROW, 9, 30).isoformat()), format="json")
    assert taken.status_code == 400 and "start_at" in taken.json()
    assert client.post(f"{URL}{first['id']}/cancel/", {"reason": "改期"}, format="json").status_code == 200
    assert client.post(f"{URL}{first['id']}/cancel/", {}, format="json").status_code == 409
    assert client.patch(f"{URL}{first['id']}/", {"complaint": "x"}, format="json").status_code == 409


def test_partial_update_moves_the_booking(staff, store, vehicle, api_client_for):
    client = api_client_for(staff["advisor"])
    created = client.post(URL, _booking(vehicle, store), format="json").json()
    response = client.patch(f"{URL}{created['id']}/", {"start_at": at(TOMORROW, 14).isoformat()}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["start_at"].startswith("2026-03-03T14:00")
    listed = client.get(URL, {"date_from": TOMORROW.isoformat(), "date_to": TOMORROW.isoformat()}).json()
    assert [row["id"] for row in listed["results"]] == [created["id"]]


def test_another_stores_appointment_is_a_404(staff, store, other_store, api_client_for):
    catalog_for(other_store)
    stranger = VehicleFactory(owner=CustomerFactory(store=other_store), plate="粤C99999")
    theirs = UserFactory(username="py-advisor")
    MembershipFactory(user=theirs, store=other_store, role="advisor")
    MembershipFactory(user=UserFactory(username="py-tech"), store=other_store, role="technician")
    appointment = services.appointment_book(
        actor=theirs, store=other_store, vehicle=stranger, start_at=at(TOMORROW, 9),
        operations=[op(other_store, "M001")], channel=Channel.PHONE,
    )  # fmt: skip
    client = api_client_for(staff["advisor"])
    assert client.get(f"{URL}{appointment.pk}/").status_code == 404
    assert client.patch(f"{URL}{appointment.pk}/", {"complaint": "x"}, format="json").status_code == 404
    assert client.post(f"{URL}{appointment.pk}/cancel/", {}, format="json").status_code == 404
    assert client.get(URL).json()["results"] == []
    booking = client.post(URL, _booking(stranger, other_store), format="json")
    assert booking.status_code == 400 and "vehicle" in booking.json()


def test_a_technician_may_read_but_not_book(staff, store, vehicle, api_client_for):
    client = api_client_for(staff["technician"])
    assert client.get(URL).status_code == 200
    assert client.post(URL, _booking(vehicle, store), format="json").status_code == 403


def test_converting_refuses_a_key_it_does_not_read(staff, store, vehicle, api_client_for):
    client = api_client_for(staff["advisor"])
    booked = client.post(URL, _booking(vehicle, store), format="json").json()
    response = client.post(f"{URL}{booked['id']}/convert/", {"odometer": 20000}, format="json")
    assert response.status_code == 400 and "odometer" in response.json()
    converted = client.post(f"{URL}{booked['id']}/convert/", {"odometer_km": 20000}, format="json")
    assert converted.status_code == 201, converted.json()
