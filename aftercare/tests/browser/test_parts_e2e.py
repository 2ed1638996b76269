"""In a real browser: a part line is short (缺件) on the advisor's repair order; the part arrives,
the clerk scans it at the counter's queue (number + Enter) and the advisor sees 已发料."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from aftercare.accounts.roles import Role
from aftercare.catalog.models import Part
from aftercare.parts import services as parts
from aftercare.service import services as spine
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
PASSWORD = "Secret-pass-2026"
PADS = "45022-TBA-A01"


def _log_in(browser, live_server, username):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1180, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_the_clerk_issues_a_part_from_the_queue_and_the_advisor_sees_it_turn_from_short_to_issued(live_server, browser):
    store = StoreFactory(name="天河店", code="th")
    catalog_for(store)
    advisor, clerk = UserFactory(username="advisor"), UserFactory(username="parts")
    MembershipFactory(user=advisor, store=store, role=Role.ADVISOR)
    MembershipFactory(user=clerk, store=store, role=Role.PARTS_CLERK)
    pads = Part.objects.effective_for_store(store).get(part_no=PADS)
    item = parts.stock_item_ensure(store=store, part=pads, bin="B-02-03")
    vehicle = VehicleFactory(owner=CustomerFactory(store=store, name="李四"), plate="粤A67890", powertrain="ICE")
    order = spine.repair_order_open(
        actor=advisor,
        store=store,
        vehicle=vehicle,
        customer_statement="刹车异响",
        promised_at=timezone.now() + timedelta(hours=2),
    )
    spine.line_add(actor=advisor, order=order, part=pads, quantity=Decimal("1"))
    spine.repair_order_transition(actor=advisor, repair_order=order, to="estimate")
    spine.repair_order_authorise(actor=advisor, order=order, method="verbal", note="车主电话确认")

    desk = _log_in(browser, live_server, "advisor")
    desk.goto(f"{live_server.url}/repair-orders/{order.pk}/")
    status = desk.get_by_test_id("parts-panel").get_by_test_id("part-status")
    status.wait_for()
    assert status.inner_text() == "缺件"

    parts.stock_receive(actor=clerk, item=item, quantity="2", unit_cost="520.00", bin="B-02-03")

    counter = _log_in(browser, live_server, "parts")
    counter.goto(f"{live_server.url}/parts/")
    counter.get_by_test_id("queue-row").filter(has_text=order.number).wait_for()
    counter.fill("#id_code", PADS)
    counter.press("#id_code", "Enter")
    counter.wait_for_load_state()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    counter.screenshot(path=str(SCREENSHOTS / "parts-issue-queue.png"), full_page=True)
    assert counter.get_by_test_id("queue-row").count() == 0

    desk.reload()
    status = desk.get_by_test_id("parts-panel").get_by_test_id("part-status")
    status.wait_for()
    assert status.inner_text() == "已发料"
    desk.screenshot(path=str(SCREENSHOTS / "repair-order-parts-issued.png"), full_page=True)
