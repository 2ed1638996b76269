"""In a real browser: an advisor receives a car, builds the estimate, the customer
signs it on screen, the foreman dispatches the job and the technician clocks on."""

import pytest
from django.conf import settings
from django.core.management import call_command

from aftercare.accounts.models import User
from aftercare.customers.models import Vehicle
from aftercare.service.models import RepairOrder

from .test_login_e2e import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(browser, live_server, username):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1180, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_an_advisor_receives_a_car_the_customer_signs_and_a_technician_clocks_on(live_server, browser, settings):
    settings.DEMO_MODE = True
    call_command("seed_demo", "--stores", "1", "--customers", "20")
    vehicle = Vehicle.objects.get(plate="粤A12345")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # Reception: from the vehicle page, open a repair order.
    advisor = _log_in(browser, live_server, "advisor")
    advisor.goto(f"{live_server.url}/vehicles/{vehicle.pk}/")
    advisor.get_by_test_id("receive-car").click()
    advisor.fill("input[name=odometer_km]", str((vehicle.odometer_km or 0) + 1200))
    advisor.fill("textarea[name=customer_statement]", "刹车时有异响，顺便做保养")
    already = set(RepairOrder.objects.values_list("id", flat=True))
    advisor.locator("form button[type=submit]").last.click()
    advisor.wait_for_load_state()
    advisor.screenshot(path=str(SCREENSHOTS / "reception-submitted.png"), full_page=True)
    (order,) = RepairOrder.objects.filter(vehicle=vehicle).exclude(id__in=already)
    advisor.goto(f"{live_server.url}/repair-orders/{order.pk}/")

    # Estimate: find an oil change in the catalogue and add it with one tap.
    advisor.fill("#catalogue-q", "M001")
    advisor.locator("#catalogue-results button", has_text="M001").click()
    advisor.locator("#ro-lines tr", has_text="机油机滤").first.wait_for()
    advisor.locator("[data-testid=ro-transitions] input[value=estimate] + button").click()
    advisor.wait_for_load_state()

    # Authorisation: the customer signs on the tablet.
    advisor.locator("input[name=method][value=signature]").check()
    canvas = advisor.locator("[data-signature-pad] canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    advisor.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    advisor.mouse.down()
    for step in range(1, 12):
        advisor.mouse.move(box["x"] + 20 + step * 15, box["y"] + box["height"] / 2 + (-1) ** step * 12)
    advisor.mouse.up()
    advisor.get_by_test_id("authorise").locator("button[type=submit]").click()
    advisor.get_by_test_id("authorised").wait_for()
    advisor.screenshot(path=str(SCREENSHOTS / "repair-order-authorised.png"), full_page=True)
    order.refresh_from_db()
    assert order.status == "approved" and order.authorisation_signature.startswith("data:image/png")

    # Dispatch: the foreman gives the job to a technician.
    technician = User.objects.get(username="tech")
    foreman = _log_in(browser, live_server, "foreman")
    foreman.goto(f"{live_server.url}/repair-orders/{order.pk}/")
    dispatch = foreman.get_by_test_id("workshop-panel").locator("form").first
    dispatch.locator("select[name$=technician]").select_option(str(technician.pk))
    dispatch.locator("button[type=submit]").click()
    foreman.get_by_test_id("workshop-panel").get_by_text(str(technician)).first.wait_for()

    # Work: the technician clocks on from "My jobs"; the order is now in progress.
    tech = _log_in(browser, live_server, "tech")
    tech.goto(f"{live_server.url}/workshop/my-jobs/")
    card = tech.get_by_test_id("job-card").filter(has_text=order.number).first
    card.get_by_test_id("clock-on").click()
    card.get_by_test_id("finish").wait_for()
    tech.screenshot(path=str(SCREENSHOTS / "my-jobs-clocked-on.png"))
    order.refresh_from_db()
    assert order.status == "in_progress"
