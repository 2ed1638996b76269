"""In a real browser: the cashier covers the oil change with one use of the
customer's package card (套餐卡抵扣) and takes the rest by bank card; the order settles."""

from datetime import date, timedelta

import pytest

from aftercare.billing.selectors import order_balance
from aftercare.billing.tests.conftest import catalogue, make_order, vehicle  # noqa: F401
from aftercare.loyalty import services
from aftercare.loyalty.models import PackageUse
from aftercare.service.choices import Status

from .test_login_e2e import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_cashier_settles_with_a_package_card_use_and_a_bank_card_for_the_rest(
    live_server,
    browser,
    staff,
    store,
    make_order,  # noqa: F811 (the fixture imported above)
):
    order = make_order()
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
    assert rest == order.customer_total - line.amount

    page.get_by_test_id("back-to-billing").click()
    page.locator("label[for^=pay-method]", has_text="银行卡").click()
    page.fill("[data-testid=pay-form] input[name=amount]", str(rest))
    page.get_by_test_id("pay-form").locator("button[type=submit]").click()
    page.wait_for_load_state()
    page.screenshot(path=str(SCREENSHOTS / "loyalty-settled.png"), full_page=True)
    order.refresh_from_db()
    assert order.status == Status.SETTLED
    assert package.items.get().balance == 4
    context.close()
