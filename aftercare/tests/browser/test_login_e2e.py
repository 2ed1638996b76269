"""A demo user logs in with a real browser and sees the home page in Chinese."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(settings.BASE_DIR) / "var" / "screenshots"))


@pytest.fixture
def demo(settings):
    settings.DEMO_MODE = True
    call_command("seed_demo", "--stores", "1", "--customers", "20")


def test_a_demo_advisor_logs_in_and_sees_the_chinese_home_page(live_server, page, demo):
    page.goto(f"{live_server.url}/")
    assert "登录" in page.title()
    page.fill("#id_username", "advisor")
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    welcome = page.get_by_test_id("welcome")
    assert "您好" in welcome.inner_text()
    assert page.get_by_text("今日预约").is_visible()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "home-advisor.png"), full_page=True)


def test_the_english_switch_changes_the_interface(live_server, page, demo):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    # The demo manager signs in with two factors; demo mode shows the demo secret's code (README).
    page.fill("#id_token", page.get_by_test_id("demo-code").locator("code").inner_text())
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    _open_menu(page)  # below 1200 px the menu (and the language switch) collapse behind ☰
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert "Hello" in page.get_by_test_id("welcome").inner_text()
    _open_menu(page)
    page.get_by_test_id("mainnav").get_by_role("button", name="Administration").click()
    assert page.get_by_test_id("mainnav").get_by_role("link", name="Audit trail").is_visible()


def _open_menu(page):
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        page.locator("#mainnav.show").wait_for()
