"""At a desk PC, the VIC specialist finds a VIC customer from the top bar, sees the VIC card with
the home store and their own contact, and books a courtesy car for the customer's repair order;
a second loan of the same car over the same hours is refused with a clear error (docs/DOMAIN.md §13.3)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aftercare.service import services as spine
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for
from aftercare.vic import services
from aftercare.vic.models import CourtesyLoan

from .test_login_e2e import SCREENSHOTS
from .test_order_page_e2e import _log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _at(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_the_vic_specialist_books_a_courtesy_car_for_a_vic_order_and_an_overlap_is_refused(
    browser, live_server, staff, store
):
    specialist = staff["vic_specialist"]
    specialist.full_name, specialist.mobile = "李专员", "13800001111"
    specialist.save(update_fields=["full_name", "mobile"])
    customer = CustomerFactory(store=store, name="王总", mobile="13912345678")
    services.enrol(actor=staff["service_manager"], customer=customer, specialist=specialist, reason="雅阁3.5L车主")
    catalog_for(store)
    vehicle = VehicleFactory(owner=customer, plate="粤A88866", odometer_km=18000)
    order = spine.repair_order_open(
        actor=staff["advisor"], store=store, vehicle=vehicle, customer_statement="保养", odometer_km=20000,
        promised_at=timezone.now() + timedelta(hours=4),
    )  # fmt: skip
    services.car_add(actor=specialist, store=store, plate="粤A·D0001", model="飞度", odometer_km=1200)
    start = (timezone.now() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)

    page = _log_in(browser, live_server, specialist, width=1366, height=900)
    page.get_by_test_id("topbar-search").fill("8866")
    page.locator("#topbar-results a", has_text="粤A88866").click()
    page.wait_for_url("**/vehicles/*/")
    assert "李专员" in page.get_by_test_id("card-vic").inner_text()
    page.get_by_role("link", name="王总", exact=True).first.click()
    page.wait_for_url(f"**/customers/{customer.pk}/")
    card = page.get_by_test_id("card-vic")
    assert store.name in card.inner_text() and "李专员" in card.inner_text()
    assert card.locator('a[href="tel:13800001111"]').count() == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "vic-customer-card.png"))

    # The courtesy cars page opened for this customer offers their open repair order.
    page.goto(f"{live_server.url}/vic/courtesy-cars/?customer={customer.pk}")
    page.select_option("#id_car", label="粤A·D0001 飞度")
    assert page.input_value("#id_customer") == str(customer.pk)
    page.select_option("#id_repair_order", label=order.number)
    page.fill("#id_starts_at", _at(start))
    page.fill("#id_ends_at", _at(start + timedelta(hours=8)))
    page.get_by_role("button", name="预约", exact=True).click()
    page.wait_for_url("**/vic/courtesy-cars/loans/*/")
    loan = CourtesyLoan.objects.get()
    assert loan.repair_order == order and loan.customer == customer

    # The same car over part of the same hours: refused, the form says why, nothing booked.
    page.goto(f"{live_server.url}/vic/courtesy-cars/?customer={customer.pk}")
    page.select_option("#id_car", label="粤A·D0001 飞度")
    page.fill("#id_starts_at", _at(start + timedelta(hours=4)))
    page.fill("#id_ends_at", _at(start + timedelta(hours=12)))
    page.get_by_role("button", name="预约", exact=True).click()
    page.get_by_text("该车在此期间已有借用。").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "vic-loan-overlap.png"))
    assert CourtesyLoan.objects.count() == 1
