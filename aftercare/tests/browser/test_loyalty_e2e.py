"""In a real browser: the cashier covers the oil change with one use of the
customer's package card (套餐卡抵扣) and takes the rest by WeChat Pay, scanning
the customer's payment code; the order settles. The WeChat adapter talks to the
local fake provider through the SDK."""

from datetime import date, timedelta

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
from aftercare.loyalty import services
from aftercare.loyalty.models import PackageUse
from aftercare.service.choices import Status

from .test_login_e2e import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_cashier_settles_with_a_package_card_use_and_wechat_pay_for_the_rest(
    live_server,
    browser,
    staff,
    store,
    make_order,  # noqa: F811
    provider_accounts,  # noqa: F811
    fake_provider,  # noqa: F811
):
    order = make_order(status=Status.READY)
    package, _created = services.package_card_sell(
        actor=staff["cashier"], customer=order.customer, store=store, name="保养套餐（5次）", price="1500",
        method="wechat", expires_on=date.today() + timedelta(days=365), items=[("M001", "更换机油机滤", 5)],
    )  # fmt: skip
    line = order.lines.get(code="M001")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    context = browser.new_context(locale="zh-CN", viewport={"width": 1180, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "cashier")
    page.fill("#id_password", "Secret-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/billing/orders/{order.pk}/")
    page.get_by_test_id("loyalty-link").click()
    page.get_by_test_id("package-matches").get_by_role("button").first.click()
    page.wait_for_load_state()
    page.screenshot(path=str(SCREENSHOTS / "loyalty-package-use.png"), full_page=True)
    assert PackageUse.objects.filter(line=line, released_at__isnull=True).exists()
    rest = order_balance(order)
    assert 0 < rest == order.customer_total - line.amount

    page.get_by_test_id("back-to-billing").click()
    form = page.get_by_test_id("online-pay-form")
    form.locator("label", has_text="微信支付").click()
    # The charge offers what is left after the package use, not the order's total.
    assert form.locator("input[name=amount]").input_value() == str(rest)
    form.locator("input[name=auth_code]").fill("134567890123456782")
    form.get_by_test_id("online-pay").click()
    page.locator("[data-testid=online-status][data-status=paying]").wait_for()
    (out_trade_no,) = fake_provider.trades
    fake_provider.confirm(out_trade_no)
    page.locator("[data-testid=online-status][data-status=paid]").wait_for(timeout=15_000)
    page.screenshot(path=str(SCREENSHOTS / "loyalty-package-and-wechat-settled.png"), full_page=True)

    methods = dict(Payment.objects.filter(repair_order=order).values_list("method", "amount"))
    assert methods == {"package_card": line.amount, "wechat": rest}
    order.refresh_from_db()
    assert order.status == Status.SETTLED and order_balance(order) == 0
    assert package.items.get().balance == 4
    context.close()
