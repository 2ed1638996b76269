"""In a real browser: the cashier takes an order's balance by WeChat Pay,
scanning the customer's payment code; the customer confirms in the app a
moment later and the page, polling, shows it paid. The adapter talks to the
local fake provider through the WeChat Pay SDK."""

import pytest

from aftercare.billing.models import Payment
from aftercare.billing.selectors import order_balance
from aftercare.billing.tests.conftest import (  # noqa: F401 - fixtures
    catalogue,
    fake_provider,
    make_order,
    provider_accounts,
    provider_keys,
    vehicle,
)
from aftercare.service.choices import Status

from .test_login_e2e import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_cashier_takes_the_balance_by_wechat_pay_micropay(
    live_server,
    browser,
    staff,
    make_order,  # noqa: F811
    provider_accounts,  # noqa: F811
    fake_provider,  # noqa: F811
):
    order = make_order(status=Status.READY)
    due = order_balance(order)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1180, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "cashier")
    page.fill("#id_password", "Secret-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/billing/orders/{order.pk}/")
    form = page.get_by_test_id("online-pay-form")
    form.locator("label", has_text="微信支付").click()
    assert form.locator("input[name=amount]").input_value() == str(due)
    # The scanner types the 18 digits of the customer's code; 2: the customer confirms in the app.
    form.locator("input[name=auth_code]").fill("134567890123456782")
    form.get_by_test_id("online-pay").click()
    status = page.get_by_test_id("online-status")
    status.and_(page.locator("[data-status=paying]")).wait_for()
    page.screenshot(path=str(SCREENSHOTS / "wechat-pay-customer-paying.png"), full_page=True)

    (out_trade_no,) = fake_provider.trades
    fake_provider.confirm(out_trade_no)
    page.locator("[data-testid=online-status][data-status=paid]").wait_for(timeout=15_000)
    page.screenshot(path=str(SCREENSHOTS / "wechat-pay-paid.png"), full_page=True)

    payment = Payment.objects.get(repair_order=order)
    assert (payment.method, payment.amount) == ("wechat", due)
    order.refresh_from_db()
    assert order.status == Status.SETTLED and order_balance(order) == 0
    context.close()
