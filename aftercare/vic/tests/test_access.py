"""Store scoping and permissions of the VIC pages and API."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aftercare.tests.factories import CustomerFactory
from aftercare.vic import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def away_loan(other_store, away_staff):
    specialist = away_staff["vic_specialist"]
    car = services.car_add(actor=specialist, store=other_store, plate="粤A·P0001", model="锋范")
    start = timezone.now() + timedelta(hours=1)
    return services.loan_book(
        actor=specialist,
        car=car,
        customer=CustomerFactory(store=other_store),
        starts_at=start,
        ends_at=start + timedelta(hours=5),
    )


def test_a_specialist_sees_only_the_loans_of_their_own_store(specialist, away_loan, client_for, api_client_for):
    assert client_for(specialist).get(reverse("vic:loan", args=[away_loan.pk])).status_code == 404
    rows = api_client_for(specialist).get("/api/v1/vic/loans/").json()
    assert away_loan.pk not in [row["id"] for row in rows]
    answer = api_client_for(specialist).post(f"/api/v1/vic/loans/{away_loan.pk}/cancel/")
    assert answer.status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [("technician", 403), ("parts_clerk", 403), ("advisor", 403), ("vic_specialist", 200), ("service_manager", 200)],
)
def test_who_may_open_the_courtesy_cars_page(staff, role, status, client_for):
    assert client_for(staff[role]).get(reverse("vic:loans")).status_code == status


def test_an_advisor_sees_the_vic_list_but_cannot_enrol(staff, client_for, api_client_for, specialist, store):
    page = client_for(staff["advisor"]).get(reverse("vic:enrolments"))
    assert page.status_code == 200 and reverse("vic:errands") not in page.content.decode()
    assert reverse("vic:errands") in client_for(specialist).get(reverse("vic:enrolments")).content.decode()
    customer = CustomerFactory(store=store)
    body = {"customer": customer.pk, "specialist": specialist.pk, "reason": "老客户"}
    assert api_client_for(staff["advisor"]).post("/api/v1/vic/enrolments/", body, format="json").status_code == 403
    made = api_client_for(staff["service_manager"]).post("/api/v1/vic/enrolments/", body, format="json")
    assert made.status_code == 201, made.content


def test_the_api_answers_bad_input_with_field_errors(specialist, api_client_for, vic_customer):
    api = api_client_for(specialist)
    car = api.post("/api/v1/vic/cars/", {"plate": "粤A·D0009", "model": "飞度"}, format="json")
    assert car.status_code == 201
    start = timezone.now() + timedelta(hours=1)
    loan = {
        "car": car.json()["id"],
        "customer": vic_customer.pk,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=4)).isoformat(),
    }
    assert api.post("/api/v1/vic/loans/", loan, format="json").status_code == 201
    clash = api.post("/api/v1/vic/loans/", loan, format="json")
    assert clash.status_code == 400 and "starts_at" in clash.json()
    charge = api.post("/api/v1/vic/loans/999999/charges/", {"kind": "fine", "amount": "1e9"}, format="json")
    assert charge.status_code == 404
    month = api.get("/api/v1/vic/loans/report/", {"month": "2026-13"})
    assert month.status_code == 400 and "month" in month.json()
    assert api.get("/api/v1/vic/directory/").status_code == 200


def test_the_vic_pages_open_for_the_specialist(specialist, client_for, vic_customer):
    client = client_for(specialist)
    for name in ("enrolments", "visits", "directory", "bookings", "loans", "loan_report", "events", "errands"):
        assert client.get(reverse(f"vic:{name}")).status_code == 200, name
