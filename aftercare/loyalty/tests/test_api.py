"""/api/v1/loyalty/ and the repair-order payment endpoint with stored value."""

import pytest
from rest_framework.test import APIClient

from aftercare.loyalty.choices import CouponKind
from aftercare.loyalty.models import CouponTemplate, Voucher

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(staff):
    def make(role="cashier") -> APIClient:
        client = APIClient()
        client.force_authenticate(staff[role])
        return client

    return make


def test_a_card_is_issued_topped_up_once_per_key_and_its_postings_listed(api, member):
    client = api()
    card = client.post("/api/v1/loyalty/cards/", {"customer": member.pk}, format="json")
    assert card.status_code == 201
    card_id = card.json()["id"]
    body = {"amount": "300.00", "method": "wechat"}
    url = f"/api/v1/loyalty/cards/{card_id}/top-up/"
    assert client.post(url, body, format="json").status_code == 400  # no Idempotency-Key
    first = client.post(url, body, format="json", headers={"Idempotency-Key": "k1"})
    again = client.post(url, body, format="json", headers={"Idempotency-Key": "k1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    assert (
        client.post(url, {**body, "amount": "301"}, format="json", headers={"Idempotency-Key": "k1"}).status_code == 409
    )
    assert client.post(url, {**body, "unknown": 1}, format="json", headers={"Idempotency-Key": "k2"}).status_code == 400
    accounts = client.get(f"/api/v1/loyalty/cards/{card_id}/").json()["accounts"]
    principal = next(a for a in accounts if a["kind"] == "sv_principal")
    assert principal["balance"] == "300.00"
    postings = client.get(f"/api/v1/loyalty/accounts/{principal['id']}/postings/").json()
    assert [p["amount"] for p in postings] == ["300.00"] and postings[0]["kind"] == "top_up"


def test_the_repair_order_payment_endpoint_takes_stored_value_with_a_key(api, staff, card, store, order):
    from aftercare.loyalty import services

    services.stored_value_top_up(actor=staff["cashier"], card=card, store=store, amount="100", method="cash")
    client = api()
    url = f"/api/v1/repair-orders/{order.pk}/payments/"
    body = {"method": "stored_value", "amount": "60.00", "reference": card.number}
    assert client.post(url, body, format="json", headers={"Idempotency-Key": "p1"}).status_code == 201
    assert client.post(url, body, format="json", headers={"Idempotency-Key": "p1"}).status_code == 200
    too_much = client.post(url, {**body, "amount": "41.00"}, format="json", headers={"Idempotency-Key": "p2"})
    assert too_much.status_code == 400
    assert Voucher.objects.filter(kind="payment").count() == 1


def test_coupons_are_issued_and_listed_per_customer(api, store, member):
    template = CouponTemplate.objects.create(group=store.group, name="生日券", kind=CouponKind.AMOUNT, value=50)
    client = api()
    issued = client.post("/api/v1/loyalty/coupons/", {"customer": member.pk, "template": template.pk}, format="json")
    assert issued.status_code == 201 and issued.json()["used"] is False
    listed = client.get(f"/api/v1/loyalty/coupons/?customer={member.pk}").json()
    assert [c["code"] for c in listed] == [issued.json()["code"]]
    assert (
        api("technician")
        .post("/api/v1/loyalty/coupons/", {"customer": member.pk, "template": template.pk}, format="json")
        .status_code
        == 403
    )
