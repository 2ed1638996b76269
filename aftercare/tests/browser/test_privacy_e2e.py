"""In a real browser: the service manager logs a customer's request for a copy of their
personal data, records the identity check, prepares the export, downloads the zip and
closes the request with a reply (docs/DOMAIN.md §16.5)."""

import io
import json
import zipfile

import pytest

from aftercare.privacy.models import AccessLog, RightsRequest
from aftercare.tests.factories import CustomerFactory, VehicleFactory
from aftercare.tests.otp import browser_second_factor

from .test_login_e2e import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_handles_an_export_request_end_to_end_and_downloads_the_zip(live_server, page, staff, store):
    customer = CustomerFactory(store=store, name="王芳", mobile="13700001234")
    VehicleFactory(owner=customer, store=store, plate="粤B67890")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "service_manager")
    page.fill("#id_password", "Secret-pass-2026")
    page.click("button[type=submit]")
    browser_second_factor(page, staff["service_manager"])
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/privacy/requests/new/?customer={customer.pk}")
    form = page.get_by_test_id("request-form")
    form.locator("select[name=kind]").select_option("export")
    form.locator("select[name=channel]").select_option("counter")
    form.locator("textarea[name=details]").fill("客户要求复制全部个人信息")
    form.locator("button[type=submit]").click()
    page.get_by_test_id("identity-form").wait_for()
    identity = page.get_by_test_id("identity-form")
    identity.locator("select[name=identity_check]").select_option("id_card")
    identity.locator("button[type=submit]").click()
    page.get_by_test_id("start").click()
    page.get_by_test_id("prepare-export").click()
    link = page.get_by_test_id("customer-link").input_value()
    assert "/privacy/d/" in link
    page.screenshot(path=str(SCREENSHOTS / "privacy-export-ready.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))
    data = json.loads(archive.read("data.json"))
    assert data["profile"][0]["name"] == "王芳" and data["vehicles"][0]["plate"] == "粤B67890"
    assert "summary.html" in archive.namelist()

    close = page.get_by_test_id("close-form")
    close.locator("textarea[name=reply]").fill("您的个人信息已导出，链接 7 天内有效。")
    page.get_by_test_id("close").click()
    page.get_by_test_id("reply").wait_for()
    request = RightsRequest.objects.get()
    assert request.status == "closed"
    assert AccessLog.objects.filter(kind="rights_export", user=staff["service_manager"]).exists()
