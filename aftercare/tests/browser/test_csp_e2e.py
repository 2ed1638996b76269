"""In a real browser the key pages, staff and public, break no rule of the Content-Security-Policy."""

import pytest
from django.core.management import call_command

from aftercare.accounts.models import User
from aftercare.customers.models import Customer, Vehicle
from aftercare.service.models import RepairOrder
from aftercare.surveys.services import survey_link_issue

from .test_service_e2e import _log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Recorded by the page itself (an init script runs before the page's own and is exempt from the policy).
WATCH = (
    "window.__violations = [];"
    "document.addEventListener('securitypolicyviolation',"
    " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
)


def _watch(page):
    logged = []
    page.on("console", lambda message: logged.append(message.text))
    page.add_init_script(WATCH)
    return logged


def _visit(page, url, logged):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__violations") + [t for t in logged if "Content Security Policy" in t]
    assert violations == [], (url, violations, [t for t in logged if "Content Security Policy" in t])


def test_key_pages_break_no_rule_of_the_content_security_policy(live_server, browser, settings):
    settings.DEMO_MODE = True
    call_command("seed_demo", "--stores", "1", "--customers", "20")
    vehicle = Vehicle.objects.get(plate="粤A12345")
    order = RepairOrder.objects.filter(store=vehicle.store).order_by("-id").first()
    customer = Customer.objects.filter(store=vehicle.store).first()
    _, survey_url = survey_link_issue(
        actor=User.objects.get(username="care"), store=vehicle.store, customer=customer, kind="maintenance"
    )

    public = browser.new_context(locale="zh-CN").new_page()
    logged = _watch(public)
    _visit(public, f"{live_server.url}/login/", logged)
    _visit(public, f"{live_server.url}{survey_url}", logged)

    advisor = _log_in(browser, live_server, "advisor")
    logged = _watch(advisor)
    for path in (
        "/",
        "/customers/",
        f"/vehicles/{vehicle.pk}/",
        f"/vehicles/{vehicle.pk}/receive/",
        "/repair-orders/",
        f"/repair-orders/{order.pk}/",
        f"/repair-orders/{order.pk}/check-in/",
        f"/repair-orders/{order.pk}/print/estimate/",
        "/appointments/",
        "/appointments/new/",
        "/api/docs/",
    ):
        _visit(advisor, f"{live_server.url}{path}", logged)
    # A behaviour moved out of an inline handler still works: the fuel gauge shows its reading.
    advisor.goto(f"{live_server.url}/vehicles/{vehicle.pk}/receive/")
    advisor.locator("#id_fuel_level").fill("80")
    assert advisor.locator("#fuel-out").input_value() == "80"
