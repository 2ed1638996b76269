"""The customer's phone (390×844) asks for a company invoice of a settled order through a
history link: a credit code with a wrong check character is refused on its field in Chinese
and nothing is saved, the right one is recorded as requested; the cashier marks it issued
with its number and day, and the phone then shows the invoice issued (docs/DOMAIN.md §15.2, §21.7)."""

import pytest
from django.utils import timezone

from aftercare.billing.models import InvoiceRequest
from aftercare.billing.tests.conftest import catalogue, make_order, vehicle  # noqa: F401 - fixtures
from aftercare.portal import services as portal
from aftercare.portal.choices import Purpose
from aftercare.service.choices import Status

from .test_login_e2e import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USCC = "91350100M000100Y43"  # a well-formed unified social credit code (check character right)
COMPANY = "厦门某某汽车服务有限公司"


def test_the_customer_asks_for_a_company_invoice_on_a_phone_and_sees_it_issued(
    live_server,
    browser,
    staff,
    make_order,  # noqa: F811
):
    order = make_order(status=Status.SETTLED)
    _link, token = portal.link_issue(actor=staff["advisor"], customer=order.customer, purpose=Purpose.HISTORY)
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, has_touch=True)
    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        page = phone.new_page()
        page.goto(f"{live_server.url}/p/{token}/")
        page.get_by_test_id("portal-statement-link").first.click()
        page.get_by_test_id("portal-statement").wait_for()
        page.get_by_test_id("portal-invoice-request").click()

        form = page.get_by_test_id("portal-invoice-form")
        form.locator("label", has_text="单位").click()
        form.locator("input[name=title]").fill(COMPANY)
        form.locator("input[name=tax_number]").fill(USCC[:-1] + "2")  # the check character is wrong
        form.locator("button").click()
        error = form.locator(".invalid-feedback")
        error.first.wait_for()
        assert form.locator("input[name=tax_number]").get_attribute("aria-invalid") == "true"
        assert "统一社会信用代码" in error.first.inner_text()
        assert not InvoiceRequest.objects.filter(repair_order=order).exists()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the phone
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "portal-invoice-wrong-code.png"), full_page=True)

        form.locator("input[name=tax_number]").fill(USCC)
        form.locator("button").click()
        status = page.get_by_test_id("portal-invoice")
        status.wait_for()
        assert "已申请" in status.inner_text() and USCC in status.inner_text()
        invoice = InvoiceRequest.objects.get(repair_order=order)
        assert (invoice.kind, invoice.title, invoice.status) == ("company", COMPANY, "requested")

        cashier = desk.new_page()
        cashier.goto(f"{live_server.url}/login/")
        cashier.fill("#id_username", "cashier")
        cashier.fill("#id_password", "Secret-pass-2026")
        cashier.click("button[type=submit]")
        cashier.wait_for_url(f"{live_server.url}/")
        cashier.goto(f"{live_server.url}/billing/invoices/")
        row = cashier.get_by_test_id("invoice-request").filter(has_text=COMPANY)
        row.locator("input[name$=invoice_number]").fill("12345678")
        row.locator("input[name$=invoice_date]").fill(timezone.localdate().isoformat())
        row.locator("button").click()
        cashier.wait_for_load_state()
        invoice.refresh_from_db()
        assert (invoice.status, invoice.invoice_number) == ("issued", "12345678")

        page.reload()
        shown = page.get_by_test_id("portal-invoice").inner_text()
        assert "已开具" in shown and "12345678" in shown and timezone.localdate().isoformat() in shown
    finally:
        desk.close()
        phone.close()
