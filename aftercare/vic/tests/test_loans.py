"""Courtesy cars: loans for the time of a repair, overlap refused, handovers with the customer's
signature from the phone, charges, and the monthly report (docs/DOMAIN.md §13.3)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from aftercare.messaging.models import Message
from aftercare.vic import selectors, services
from aftercare.vic.choices import LoanStatus
from aftercare.vic.models import CourtesyLoan

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(timezone.datetime(2026, 6, 10, 9, 0))


@pytest.fixture
def car(store, specialist):
    return services.car_add(actor=specialist, store=store, plate="粤A·D0001", model="飞度", odometer_km=1200)


def _book(specialist, car, customer, start_h, end_h):
    return services.loan_book(
        actor=specialist,
        car=car,
        customer=customer,
        starts_at=NOW + timedelta(hours=start_h),
        ends_at=NOW + timedelta(hours=end_h),
    )


def test_a_loan_overlapping_another_of_the_same_car_is_refused(specialist, car, vic_customer):
    _book(specialist, car, vic_customer, 0, 8)
    with pytest.raises(ValidationError) as error:
        _book(specialist, car, vic_customer, 7, 10)
    assert "starts_at" in error.value.message_dict
    # Back to back is fine, and a cancelled loan frees its time.
    later = _book(specialist, car, vic_customer, 8, 12)
    services.loan_cancel(actor=specialist, loan=later)
    _book(specialist, car, vic_customer, 9, 11)
    assert CourtesyLoan.objects.open().count() == 2


def test_the_database_refuses_an_overlap_that_slips_past_the_service(specialist, car, vic_customer):
    if connection.vendor != "postgresql":
        pytest.skip("exclusion constraints exist on PostgreSQL only")
    _book(specialist, car, vic_customer, 0, 8)
    with pytest.raises(IntegrityError), transaction.atomic():
        CourtesyLoan.objects.create(
            store=car.store,
            car=car,
            customer=vic_customer,
            starts_at=NOW + timedelta(hours=2),
            ends_at=NOW + timedelta(hours=3),
        )


def test_a_loan_ending_before_it_starts_is_refused(specialist, car, vic_customer):
    with pytest.raises(ValidationError):
        _book(specialist, car, vic_customer, 5, 5)


def test_handover_and_return_record_the_checklist_and_the_customer_signs_on_the_phone(
    specialist, car, vic_customer, client
):
    loan = _book(specialist, car, vic_customer, 0, 8)
    loan = services.loan_hand_out(actor=specialist, loan=loan, odometer_km=1200, fuel_level=80, damage="左后门划痕")
    url = services.sign_link_send(actor=specialist, handover=loan.handed_out, customer=vic_customer)
    assert Message.objects.filter(customer=vic_customer, template_code="vic_sign").exists()

    path = url[url.index("/p/") :]
    page = client.get(path)
    assert page.status_code == 200 and "左后门划痕" in page.content.decode()
    assert client.post(path, {"signature": ""}).status_code == 400
    client.post(path, {"signature": "data:image/png;base64,iVBORw0KGgo="})
    loan.handed_out.refresh_from_db()
    assert loan.handed_out.is_signed and loan.handed_out.signed_through.startswith("portal:")

    with pytest.raises(ValidationError):
        services.loan_return(actor=specialist, loan=loan, odometer_km=1100, fuel_level=50)
    loan = services.loan_return(actor=specialist, loan=loan, odometer_km=1350, fuel_level=50)
    assert loan.status == LoanStatus.RETURNED and loan.km_driven == 150
    car.refresh_from_db()
    assert car.odometer_km == 1350


def test_fines_and_damage_are_recorded_against_the_loan_and_reported_per_month(specialist, car, vic_customer, store):
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        loan = _book(specialist, car, vic_customer, 0, 48)
    with pytest.raises(ValidationError):
        services.loan_charge_add(actor=specialist, loan=loan, kind="fine", amount=Decimal("200"))
    loan = services.loan_hand_out(actor=specialist, loan=loan, odometer_km=1200, fuel_level=80)
    services.loan_charge_add(actor=specialist, loan=loan, kind="fine", amount=Decimal("200.00"), note="闯红灯")
    services.loan_charge_add(actor=specialist, loan=loan, kind="damage", amount=Decimal("350.50"), note="保险杠")
    with pytest.raises(ValidationError):
        services.loan_charge_add(actor=specialist, loan=loan, kind="fine", amount=Decimal("-1"))
    with time_machine.travel(NOW + timedelta(hours=48), tick=False):
        services.loan_return(actor=specialist, loan=loan, odometer_km=1500, fuel_level=60)

    (row,) = selectors.loan_report(specialist, store, NOW.date())
    assert row["loans"] == 1 and row["km"] == 300 and row["charges"] == Decimal("550.50")
    assert row["days"] == Decimal("2.0")


@pytest.mark.django_db(transaction=True)
def test_two_specialists_booking_the_same_car_at_once_get_one_loan_and_one_clear_refusal(
    specialist, manager, car, vic_customer
):
    import threading

    from django.db import connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks between threads need PostgreSQL (SQLite's IMMEDIATE transactions serialise writers)")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def book(user) -> None:
        try:
            barrier.wait()
            _book(user, car, vic_customer, 0, 8)
            outcomes.append("booked")
        except ValidationError as error:
            outcomes.append("refused" if "starts_at" in error.message_dict else str(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(user,)) for user in (specialist, manager)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked", "refused"]
    assert CourtesyLoan.objects.filter(car=car).count() == 1


def test_a_loan_booked_on_the_page_names_the_customers_repair_order_and_never_anothers(
    specialist, car, vic_customer, vic_vehicle, store, open_order, client_for
):
    from django.urls import reverse

    from aftercare.tests.factories import CustomerFactory, VehicleFactory

    own = open_order(store, vic_vehicle)
    other = open_order(store, VehicleFactory(owner=CustomerFactory(store=store)))
    client = client_for(specialist)
    offered = client.get(reverse("vic:loans"), {"customer": vic_customer.pk}).content.decode()
    assert own.number in offered and other.number not in offered
    data = {
        "car": car.pk, "customer": vic_customer.pk, "starts_at": "2026-12-20T09:00", "ends_at": "2026-12-20T17:00",
    }  # fmt: skip
    refused = client.post(reverse("vic:loans"), {**data, "repair_order": other.number})
    assert refused.status_code == 200 and not CourtesyLoan.objects.exists()
    client.post(reverse("vic:loans"), {**data, "repair_order": own.number})
    assert CourtesyLoan.objects.get().repair_order == own
