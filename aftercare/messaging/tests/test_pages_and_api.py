"""The message log, the customer's panel with the send form, the admin's screens,
the API and the providers' webhooks."""

import json

import pytest
import time_machine

from aftercare.customers.services import consent_record
from aftercare.messaging.models import Message, ProviderAccount
from aftercare.messaging.providers import (
    ADAPTERS,
    Inbound,
    ProviderAdapter,
    Receipt,
    SignatureInvalid,
    register_adapter,
)
from aftercare.messaging.services import message_send, messages_send_due

DAY = "2026-12-07 10:00 +08:00"


class SignedFake(ProviderAdapter):
    """Receipts and replies as JSON, 'signed' with the account's token header."""

    channel = "sms"
    code = "signedfake"

    def _check(self, headers):
        if headers.get("X-Token") != self.config.get("token"):
            raise SignatureInvalid("bad token")

    def parse_receipts(self, body, headers):
        self._check(headers)
        return [
            Receipt(provider_message_id=r["id"], delivered=r["ok"], error=r.get("error", "")) for r in json.loads(body)
        ]

    def parse_inbound(self, body, headers):
        self._check(headers)
        return [Inbound(sender=r["from"], text=r["text"], unsubscribe=r["text"].strip().upper() in {"TD", "退订"})
                for r in json.loads(body)]  # fmt: skip


@pytest.fixture
def fake(store):
    register_adapter(SignedFake)
    ProviderAccount.objects.create(store=store, channel="sms", provider="signedfake", config={"token": "s3cret"})
    yield
    ADAPTERS.pop("signedfake", None)


def _sent(store, customer, key="k1"):
    message = message_send(store=store, customer=customer, purpose="service", template_code="car_ready", context={},
                           dedupe_key=key)  # fmt: skip
    Message.objects.filter(pk=message.pk).update(state="sent", provider="signedfake", provider_message_id=f"P-{key}")
    return message


@time_machine.travel(DAY)
def test_a_receipt_marks_the_message_delivered_and_a_bad_signature_is_refused(client, store, customer, fake):
    message = _sent(store, customer)
    url = "/api/v1/messages/receipts/signedfake/"
    body = json.dumps([{"id": "P-k1", "ok": True}])
    assert client.post(url, body, content_type="application/json", headers={"X-Token": "wrong"}).status_code == 403
    response = client.post(url, body, content_type="application/json", headers={"X-Token": "s3cret"})
    assert response.json() == {"accepted": 1}
    message.refresh_from_db()
    assert message.state == "delivered" and message.delivered_at is not None


@time_machine.travel(DAY)
def test_a_td_reply_withdraws_marketing_by_sms_at_once(client, store, customer, fake):
    consent_record(actor=None, customer=customer, purpose="marketing_sms", granted=True, channel="in_store")
    queued = message_send(store=store, customer=customer, purpose="marketing", template_code="portal_link",
                          context={}, dedupe_key="m1")  # fmt: skip
    body = json.dumps([{"from": "8613800138000", "text": "TD"}])
    response = client.post("/api/v1/messages/inbound/signedfake/", body, content_type="application/json",
                           headers={"X-Token": "s3cret"})  # fmt: skip
    assert response.json() == {"accepted": 1}
    queued.refresh_from_db()
    assert (queued.state, queued.reason) == ("cancelled", "consent withdrawn")
    assert customer.consents.order_by("-id").first().granted is False


@time_machine.travel(DAY)
def test_the_log_filters_by_state_and_masks_the_number_for_a_technician(client_for, staff, store, customer):
    _sent(store, customer, "a")
    message_send(store=store, customer=customer, purpose="marketing", template_code="portal_link", context={},
                 dedupe_key="b")  # fmt: skip
    page = client_for(staff["technician"]).get("/messages/?state=sent")
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count('data-testid="message-row"') == 1
    assert "138****8000" in text and "13800138000" not in text


@time_machine.travel(DAY)
def test_staff_send_from_the_customer_panel_and_see_the_refusal(client_for, staff, store, customer):
    advisor = client_for(staff["advisor"])
    response = advisor.post(f"/messages/customers/{customer.pk}/send/", {
        "template_code": "portal_link", "purpose": "service", "channel": "", "note": "", "nonce": "n1",
    }, headers={"HX-Request": "true"})  # fmt: skip
    assert response.status_code == 200
    assert Message.objects.get().state == "queued"
    consent_record(actor=None, customer=customer, purpose="service", granted=False, channel="in_store")
    panel = advisor.get(f"/messages/customers/{customer.pk}/").content.decode()
    assert 'data-testid="customer-refused"' in panel


def test_the_admin_screens_show_secrets_masked_and_keep_them_when_left(client_for, staff, store, settings):
    settings.DEMO_MODE = True
    admin = client_for(staff["admin"])
    response = admin.post(f"/messages/accounts/new/?store={store.pk}", {
        "channel": "sms", "provider": "sandbox", "priority": 1, "is_active": "on",
        "config": "sign_name=天河店\naccess_key_secret=abc123",
    })  # fmt: skip
    assert response.status_code == 302
    account = ProviderAccount.objects.get()
    page = admin.get("/messages/accounts/").content.decode()
    assert "abc123" not in page and "access_key_secret=••••••" in page
    admin.post(f"/messages/accounts/{account.pk}/", {
        "channel": "sms", "provider": "sandbox", "priority": 1, "is_active": "on",
        "config": "sign_name=天河店\naccess_key_secret=••••••",
    })  # fmt: skip
    account.refresh_from_db()
    assert account.config == {"sign_name": "天河店", "access_key_secret": "abc123"}


def test_the_template_screen_previews_length_and_segments(client_for, staff, store):
    admin = client_for(staff["admin"])
    assert admin.get("/messages/templates/").status_code == 200
    preview = admin.post("/messages/templates/preview/", {"text": "字" * 71}, headers={"HX-Request": "true"})
    assert "71" in preview.content.decode() and 'data-testid="preview-length"' in preview.content.decode()
    response = admin.post(f"/messages/templates/new/?store={store.pk}", {
        "code": "car_ready", "channel": "sms", "purpose": "service", "text": "{customer_name}，车好了",
        "is_active": "on",
    })  # fmt: skip
    assert response.status_code == 302


@time_machine.travel(DAY)
def test_the_api_lists_sends_through_the_door_and_cancels(api_client_for, staff, store, customer):
    api = api_client_for(staff["advisor"])
    created = api.post("/api/v1/messages/", {"customer": customer.pk, "purpose": "service",
                                             "template_code": "car_ready", "dedupe_key": "api:1",
                                             "context": {"advisor": "李明"}}, format="json")  # fmt: skip
    assert created.status_code == 201 and created.json()["state"] == "queued"
    again = api.post("/api/v1/messages/", {"customer": customer.pk, "purpose": "service",
                                           "template_code": "car_ready", "dedupe_key": "api:1"},
                     format="json")  # fmt: skip
    assert again.json()["reason"] == "duplicate"
    assert api.post("/api/v1/messages/", {"customer": customer.pk, "purpose": "service", "template_code": "x",
                                          "dedupe_key": "k", "bogus": 1}, format="json").status_code == 400  # fmt: skip
    listed = api.get("/api/v1/messages/?state=queued").json()
    assert [row["id"] for row in listed] == [created.json()["id"]]
    cancelled = api.post(f"/api/v1/messages/{created.json()['id']}/cancel/")
    assert cancelled.json()["state"] == "cancelled"
    assert api.post(f"/api/v1/messages/{created.json()['id']}/cancel/").status_code == 409


@time_machine.travel(DAY)
def test_the_sandbox_sends_in_demo_mode(store, customer, settings):
    settings.DEMO_MODE = True
    ProviderAccount.objects.create(store=store, channel="sms", provider="sandbox")
    message = message_send(store=store, customer=customer, purpose="service", template_code="car_ready", context={},
                           dedupe_key="d")  # fmt: skip
    assert messages_send_due() == 1
    message.refresh_from_db()
    assert message.provider_message_id.startswith("SANDBOX-")
