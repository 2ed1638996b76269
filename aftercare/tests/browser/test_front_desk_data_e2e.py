"""In a real browser, in Chinese: what the front desk saves is what it meant to
save. A vehicle edited and saved keeps its dates; Back after a payment and 收款
again posts nothing twice; reception asks for today's odometer reading."""

from datetime import date
from decimal import Decimal

import pytest

from aftercare.accounts.roles import Role
from aftercare.billing.models import Payment
from aftercare.catalog.models import LabourOperation
from aftercare.customers.models import Vehicle
from aftercare.service import services as ro
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.tests.factories import (
    CustomerFactory,
    MembershipFactory,
    StoreFactory,
    UserFactory,
    VehicleFactory,
    catalog_for,
)

from .test_login_e2e import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Secret-pass-2026"  # the factories' password
DATES = {
    "purchase_date": date(2022, 3, 14),
    "insurance_expiry": date(2027, 3, 13),
    "inspection_due": date(2026, 3, 31),
    "warranty_start": date(2022, 3, 14),
    "warranty_end": date(2025, 3, 13),
}


@pytest.fixture
def front_desk(db):
    store = StoreFactory(name="天河店", code="th")
    catalog_for(store)
    cast = {}
    for role in (Role.ADVISOR, Role.CASHIER):
        cast[role.value] = UserFactory(username=role.value, full_name="李佳")
        MembershipFactory(user=cast[role.value], store=store, role=role)
    vehicle = VehicleFactory(
        owner=CustomerFactory(store=store, name="王芳"), plate="粤A45404", odometer_km=45404, **DATES
    )
    return store, cast, vehicle


def _log_in(browser, live_server, username):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_editing_a_vehicle_in_chinese_and_saving_changes_none_of_its_dates(live_server, browser, front_desk):
    _store, _cast, vehicle = front_desk
    advisor = _log_in(browser, live_server, "advisor")
    advisor.goto(f"{live_server.url}/vehicles/{vehicle.pk}/edit/")
    assert advisor.locator("html").get_attribute("lang") == "zh-CN"
    for name, day in DATES.items():
        # What the picker shows: an empty picker here is a date about to be lost.
        assert advisor.locator(f"input[name={name}]").input_value() == day.isoformat(), name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    advisor.screenshot(path=str(SCREENSHOTS / "vehicle-edit-zh.png"), full_page=True)

    advisor.locator("form button[type=submit]").last.click()
    advisor.wait_for_url(f"{live_server.url}/vehicles/{vehicle.pk}/")
    assert "已保存" in advisor.content()
    saved = Vehicle.objects.get(pk=vehicle.pk)
    assert {name: getattr(saved, name) for name in DATES} == DATES


def test_back_after_a_payment_and_take_payment_again_posts_one_payment(live_server, browser, front_desk):
    store, cast, vehicle = front_desk
    order = ro.repair_order_open(actor=cast["advisor"], store=store, vehicle=vehicle, odometer_km=46000)
    ro.line_add(
        actor=cast["advisor"],
        order=order,
        operation=LabourOperation.objects.effective_for_store(store).get(code="M001"),
    )
    RepairOrder.objects.filter(pk=order.pk).update(status=Status.READY, authorised_at="2026-01-01T00:00:00Z")
    cashier = _log_in(browser, live_server, "cashier")
    url = f"{live_server.url}/billing/orders/{order.pk}/"
    cashier.goto(url)
    form = cashier.get_by_test_id("pay-form")
    form.locator("input[name=amount]").fill("10.00")
    form.locator("input[name=reference]").fill("WX20261206001")
    form.locator("button[type=submit]").click()
    cashier.wait_for_load_state()
    assert Payment.objects.count() == 1

    cashier.go_back()
    cashier.wait_for_load_state()
    form = cashier.get_by_test_id("pay-form")
    # What the browser refills after Back (whether or not it restored the page itself).
    form.locator("input[name=amount]").fill("10.00")
    form.locator("input[name=reference]").fill("WX20261206001")
    form.locator("button[type=submit]").click()
    cashier.wait_for_load_state()
    cashier.screenshot(path=str(SCREENSHOTS / "payment-back-resubmit.png"), full_page=True)

    assert Payment.objects.count() == 1
    assert Payment.objects.get().amount == Decimal("10.00")
    refused = cashier.get_by_test_id("reference-error")
    assert refused.count() == 1 or "未重复入账" in cashier.content()


def test_reception_in_chinese_starts_with_an_empty_reading_and_the_last_one_as_a_hint(live_server, browser, front_desk):
    _store, _cast, vehicle = front_desk
    advisor = _log_in(browser, live_server, "advisor")
    advisor.goto(f"{live_server.url}/vehicles/{vehicle.pk}/")
    advisor.get_by_test_id("receive-car").click()
    reading = advisor.locator("input[name=odometer_km]")
    assert reading.input_value() == ""
    assert "45404" in reading.get_attribute("placeholder")
    advisor.screenshot(path=str(SCREENSHOTS / "reception-reading-zh.png"), full_page=True)

    advisor.locator("form button[type=submit]").last.click()
    advisor.wait_for_load_state()
    assert not RepairOrder.objects.exists()
    reading.fill("46100")
    advisor.locator("form button[type=submit]").last.click()
    advisor.wait_for_url("**/check-in/")
    assert RepairOrder.objects.get().odometer_km == 46100
