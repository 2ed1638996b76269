"""The customer's phone (390×844) pays the balance of a ready order by WeChat Pay: the
progress link shows the amount due, the pay button goes on to WeChat's page (the local
fake, through the WeChat Pay SDK), the signed notification posts the money once, and the
payment page back on the phone says it is paid (docs/DOMAIN.md §21.6)."""

import urllib.request

import pytest

from aftercare.billing.models import Payment, ProviderTransaction
from aftercare.billing.selectors import order_balance
from aftercare.billing.tests.conftest import (  # noqa: F401 - fixtures
    catalogue,
    fake_provider,
    make_order,
    provider_accounts,
    provider_keys,
    vehicle,
)
from aftercare.portal import services as portal
from aftercare.portal.choices import Purpose
from aftercare.service.choices import Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_customer_pays_the_balance_by_wechat_pay_on_a_phone(
    live_server,
    browser,
    staff,
    make_order,  # noqa: F811
    provider_accounts,  # noqa: F811
    fake_provider,  # noqa: F811
):
    order = make_order(status=Status.READY)
    due = order_balance(order)
    _link, token = portal.link_issue(
        actor=staff["advisor"], customer=order.customer, purpose=Purpose.PROGRESS, repair_order=order
    )
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, has_touch=True)
    page = phone.new_page()
    page.goto(f"{live_server.url}/p/{token}/")
    assert f"¥{due}" in page.inner_text("[data-testid=portal-due]")
    page.click("[data-testid=portal-pay-wechat]")
    page.wait_for_url(f"{fake_provider.url}/checkmweb**")  # WeChat's page, on the local fake
    txn = ProviderTransaction.objects.get(repair_order=order)
    assert (txn.flow, txn.amount) == ("h5", due)
    fake_provider.confirm(txn.out_trade_no)
    headers, body = fake_provider.wechat_notification(txn.out_trade_no)
    notify = f"{live_server.url}/billing/notify/wechat/{provider_accounts['wechat'].pk}/"
    for _ in range(2):  # notified twice, posted once
        request = urllib.request.Request(notify, data=body, headers={**headers, "Content-Type": "application/json"})
        assert urllib.request.urlopen(request, timeout=10).status == 204
    page.goto(f"{live_server.url}/p/{token}/orders/{order.pk}/payment/")  # WeChat sends the customer back
    page.wait_for_selector("[data-testid=portal-paid]")
    assert Payment.objects.filter(repair_order=order).count() == 1
    order.refresh_from_db()
    assert order.status == Status.SETTLED
    phone.close()
