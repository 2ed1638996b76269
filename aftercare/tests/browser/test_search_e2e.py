"""An advisor finds a car from the top bar by part of its plate, then by pinyin."""

import pytest
from django.core.management import call_command

from .test_login_e2e import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_advisor_finds_a_vehicle_by_plate_fragment_and_a_customer_by_pinyin(live_server, page, settings):
    settings.DEMO_MODE = True
    call_command("seed_demo", "--stores", "1", "--customers", "30")
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "advisor")
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    box = page.get_by_test_id("topbar-search")
    box.fill("2345")
    result = page.locator("#topbar-results a", has_text="粤A12345")
    result.wait_for()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "search-dropdown.png"))
    result.click()
    page.wait_for_url("**/vehicles/*/")
    assert page.get_by_test_id("vehicle-plate").inner_text() == "粤A12345"
    assert "张三" in page.content()

    box = page.get_by_test_id("topbar-search")
    box.fill("zs")
    page.locator("#topbar-results a", has_text="张三").wait_for()
