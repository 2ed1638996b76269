"""The Alibaba Cloud SMS adapter, through the real SDK, against the local fake (§15.1)."""

import json

import pytest

from aftercare.messaging.providers import OutboundMessage, SignatureInvalid, adapter_for
from aftercare.messaging.providers.callbacks import callback_headers

from .fake_sms import FakeSms


@pytest.fixture
def fake():
    with FakeSms() as fake:
        yield fake


@pytest.fixture
def adapter(fake):
    return adapter_for("aliyun_sms", fake.aliyun_config())


def car_ready(**overrides) -> OutboundMessage:
    fields = {
        "to": "+8613800000000", "text": "张先生，您的爱车粤A12345已修好。", "template_code": "SMS_462000001",
        "params": {"name": "张先生", "plate": "粤A12345"}, "idempotency_key": "msg-41",
    }  # fmt: skip
    return OutboundMessage(**{**fields, **overrides})


def test_a_message_is_sent_with_the_sign_the_template_its_json_params_and_the_outbox_key(fake, adapter):
    result = adapter.send(car_ready())

    assert result.ok and result.provider_message_id == fake.sent[0].message_id
    sent = fake.sent[0]
    assert sent.phone == "13800000000"
    assert (sent.sign_name, sent.template_code) == ("天河汽修", "SMS_462000001")
    assert sent.params == {"name": "张先生", "plate": "粤A12345"}
    assert sent.idempotency_key == "msg-41"
    assert fake.refused == []


def test_a_refused_number_is_a_permanent_failure(fake, adapter):
    fake.fail_next("isv.MOBILE_NUMBER_ILLEGAL")

    result = adapter.send(car_ready(to="1380000"))

    assert not result.ok and not result.retryable
    assert "isv.MOBILE_NUMBER_ILLEGAL" in result.error


@pytest.mark.parametrize("code", ["isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL", "isv.AMOUNT_NOT_ENOUGH"])
def test_a_refused_template_sign_or_account_is_permanent(fake, adapter, code):
    fake.fail_next(code)

    assert not adapter.send(car_ready()).retryable


@pytest.mark.parametrize(
    "code", ["Throttling.User", "isp.SYSTEM_ERROR", "isv.BUSINESS_LIMIT_CONTROL", "ServiceUnavailable"]
)
def test_throttling_and_system_errors_are_retryable_and_the_retry_goes_through(fake, adapter, code):
    fake.fail_next(code)

    first = adapter.send(car_ready())
    second = adapter.send(car_ready())

    assert not first.ok and first.retryable
    assert second.ok and len(fake.sent) == 1


def test_an_unreachable_endpoint_is_retryable(fake):
    fake.stop()
    adapter = adapter_for("aliyun_sms", fake.aliyun_config())

    result = adapter.send(car_ready())

    assert not result.ok and result.retryable


def test_the_fake_refuses_a_request_signed_with_another_secret(fake):
    adapter = adapter_for("aliyun_sms", fake.aliyun_config(access_key_secret="not-the-secret"))

    result = adapter.send(car_ready())

    assert not result.ok and not result.retryable
    assert "SignatureDoesNotMatch" in result.error and fake.refused == ["aliyun: signature"]


def test_a_delivery_report_is_parsed_into_receipts(fake, adapter):
    message_id = adapter.send(car_ready()).provider_message_id
    body = json.dumps(
        json.loads(fake.aliyun_report(message_id)) + json.loads(fake.aliyun_report("999^0", success=False))
    ).encode()

    receipts = adapter.parse_receipts(body, callback_headers({}, fake.callback_query()))

    assert [(r.provider_message_id, r.delivered) for r in receipts] == [(message_id, True), ("999^0", False)]
    assert receipts[0].at.isoformat() == "2026-12-06T10:00:05+08:00"
    assert "MK:0001" in receipts[1].error


@pytest.mark.parametrize("query", ["token=forged", "", "tokens=x"])
def test_a_push_without_the_stores_token_is_refused(fake, adapter, query):
    with pytest.raises(SignatureInvalid):
        adapter.parse_receipts(fake.aliyun_report("1^0"), callback_headers({}, query))
    with pytest.raises(SignatureInvalid):
        adapter.parse_inbound(fake.aliyun_reply("13800000000", "TD"), callback_headers({}, query))


def test_a_push_is_refused_when_the_store_has_no_token_configured(fake):
    adapter = adapter_for("aliyun_sms", fake.aliyun_config(callback_token=""))

    with pytest.raises(SignatureInvalid):
        adapter.parse_receipts(fake.aliyun_report("1^0"), callback_headers({}, "token="))


def test_the_token_may_come_as_a_header_from_a_proxy(fake, adapter):
    headers = {"x-aftercare-token": fake.credentials.callback_token}

    assert len(adapter.parse_receipts(fake.aliyun_report("1^0"), headers)) == 1


@pytest.mark.parametrize(("content", "unsubscribe"), [("TD", True), ("退订", True), ("t", True), ("好的谢谢", False)])
def test_a_reply_is_parsed_and_td_withdraws(fake, adapter, content, unsubscribe):
    headers = callback_headers({}, fake.callback_query())

    inbound = adapter.parse_inbound(fake.aliyun_reply("13800000000", content), headers)

    assert [(i.sender, i.text, i.unsubscribe) for i in inbound] == [("13800000000", content, unsubscribe)]
    assert adapter.parse_receipts(fake.aliyun_reply("13800000000", content), headers) == []


def test_the_fake_refuses_a_message_without_a_sign_name_as_alibaba_does(fake):
    result = adapter_for("aliyun_sms", fake.aliyun_config(sign_name="")).send(car_ready())

    assert not result.ok and not result.retryable and "MissingParameter" in result.error
    assert fake.refused == ["aliyun: SignName missing"]
