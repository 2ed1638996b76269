"""The repair order's payment endpoint charging through WeChat Pay / Alipay."""

import pytest

from aftercare.billing.models import Payment, ProviderTransaction

from .test_online import PAYS, WAITS

pytestmark = pytest.mark.django_db


def _url(order) -> str:
    return f"/api/v1/repair-orders/{order.pk}/payments/"


def test_a_micropay_through_the_api_is_accepted_paid_and_replayed_once(staff, order, api_client_for, provider_accounts):
    client = api_client_for(staff["cashier"])
    body = {"method": "wechat", "amount": "100.00", "flow": "micropay", "auth_code": PAYS}
    first = client.post(_url(order), body, format="json", HTTP_IDEMPOTENCY_KEY="api-1")
    assert first.status_code == 202, first.content
    assert first.json()["status"] == "paid" and first.json()["payment"]
    again = client.post(_url(order), body, format="json", HTTP_IDEMPOTENCY_KEY="api-1")
    assert again.status_code == 202 and again.json()["id"] == first.json()["id"]
    assert Payment.objects.count() == 1 and ProviderTransaction.objects.count() == 1


def test_a_customer_still_paying_is_followed_by_get_until_paid(
    staff, order, api_client_for, provider_accounts, fake_provider
):
    client = api_client_for(staff["cashier"])
    body = {"method": "alipay", "amount": "50.00", "flow": "micropay", "auth_code": WAITS}
    started = client.post(_url(order), body, format="json", HTTP_IDEMPOTENCY_KEY="api-2").json()
    assert started["status"] == "paying"
    fake_provider.confirm(started["out_trade_no"])
    followed = client.get(f"/api/v1/provider-transactions/{started['id']}/")
    assert followed.status_code == 200 and followed.json()["status"] == "paid"


def test_a_qr_charge_answers_the_code_to_show(staff, order, api_client_for, provider_accounts):
    answer = api_client_for(staff["cashier"]).post(
        _url(order), {"method": "wechat", "amount": "20.00", "flow": "qr"}, format="json", HTTP_IDEMPOTENCY_KEY="q"
    )
    assert answer.status_code == 202 and answer.json()["code_url"].startswith("weixin://")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"method": "cash", "amount": "1.00", "flow": "micropay", "auth_code": PAYS}, "flow"),
        ({"method": "wechat", "amount": "1.00", "flow": "micropay"}, "auth_code"),
        ({"method": "wechat", "amount": "1.00", "flow": "micropay", "auth_code": "12ab"}, "auth_code"),
        ({"method": "wechat", "amount": "1.00", "flow": "card"}, "flow"),
    ],
)
def test_bad_provider_charges_are_field_errors(staff, order, api_client_for, provider_accounts, body, field):
    answer = api_client_for(staff["cashier"]).post(_url(order), body, format="json", HTTP_IDEMPOTENCY_KEY="bad")
    assert answer.status_code == 400 and field in answer.json()
    assert not ProviderTransaction.objects.exists()


def test_a_refund_through_the_api_needs_a_key_and_posts_once(staff, order, api_client_for, provider_accounts):
    client = api_client_for(staff["service_manager"])
    body = {"method": "wechat", "amount": "100.00", "flow": "micropay", "auth_code": PAYS}
    txn = client.post(_url(order), body, format="json", HTTP_IDEMPOTENCY_KEY="api-3").json()
    url = f"/api/v1/provider-transactions/{txn['id']}/refund/"
    assert client.post(url, {"amount": "10.00", "reason": "优惠"}, format="json").status_code == 400
    first = client.post(url, {"amount": "10.00", "reason": "优惠"}, format="json", HTTP_IDEMPOTENCY_KEY="rf-1")
    again = client.post(url, {"amount": "10.00", "reason": "优惠"}, format="json", HTTP_IDEMPOTENCY_KEY="rf-1")
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    assert Payment.objects.filter(kind="refund").count() == 1
