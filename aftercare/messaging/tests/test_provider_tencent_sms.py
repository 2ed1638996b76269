"""The Tencent Cloud SMS adapter, through the real SDK, against the local fake (§15.1)."""

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
    return adapter_for("tencent_sms", fake.tencent_config())


def reminder(**overrides) -> OutboundMessage:
    fields = {
        "to": "13800000000", "text": "张先生，您的爱车明天该保养了。", "template_code": "1987654",
        "params": {"2": "12月7日", "1": "张先生"}, "idempotency_key": "msg-42",
    }  # fmt: skip
    return OutboundMessage(**{**fields, **overrides})


def test_a_message_is_sent_with_the_app_the_template_its_ordered_params_and_the_outbox_key(fake, adapter):
    result = adapter.send(reminder())

    assert result.ok and result.provider_message_id == fake.sent[0].message_id
    sent = fake.sent[0]
    assert (sent.phone, sent.sign_name, sent.template_code) == ("+8613800000000", "天河汽修", "1987654")
    assert sent.params == ["张先生", "12月7日"]
    assert sent.idempotency_key == "msg-42"
    assert fake.refused == []


@pytest.mark.parametrize(
    "code",
    ["InvalidParameterValue.IncorrectPhoneNumber", "FailedOperation.TemplateIncorrectOrUnapproved",
     "FailedOperation.PhoneNumberInBlacklist"],
)  # fmt: skip
def test_a_refused_number_or_template_is_a_permanent_failure(fake, adapter, code):
    fake.fail_next(code)

    result = adapter.send(reminder())

    assert not result.ok and not result.retryable and code in result.error


@pytest.mark.parametrize(
    "code", ["RequestLimitExceeded", "InternalError.Timeout", "LimitExceeded.PhoneNumberOneHourLimit"]
)
def test_throttling_and_system_errors_are_retryable_and_the_retry_goes_through(fake, adapter, code):
    fake.fail_next(code)

    first = adapter.send(reminder())
    second = adapter.send(reminder())

    assert not first.ok and first.retryable
    assert second.ok and len(fake.sent) == 1


def test_an_unreachable_endpoint_is_retryable(fake):
    fake.stop()

    result = adapter_for("tencent_sms", fake.tencent_config()).send(reminder())

    assert not result.ok and result.retryable


def test_the_fake_refuses_a_request_signed_with_another_key(fake):
    result = adapter_for("tencent_sms", fake.tencent_config(secret_key="not-the-key")).send(reminder())

    assert not result.ok and not result.retryable
    assert "AuthFailure.SignatureFailure" in result.error and fake.refused == ["tencent: signature"]


def test_a_status_report_is_parsed_into_receipts(fake, adapter):
    message_id = adapter.send(reminder()).provider_message_id
    headers = callback_headers({}, fake.callback_query())

    delivered = adapter.parse_receipts(fake.tencent_report(message_id), headers)
    failed = adapter.parse_receipts(fake.tencent_report("2^0", success=False), headers)

    assert [(r.provider_message_id, r.delivered) for r in delivered] == [(message_id, True)]
    assert delivered[0].at.isoformat() == "2026-12-06T10:00:05+08:00"
    assert not failed[0].delivered and "MN:0001" in failed[0].error


def test_a_forged_status_report_is_refused(fake, adapter):
    with pytest.raises(SignatureInvalid):
        adapter.parse_receipts(fake.tencent_report("1^0"), callback_headers({}, fake.callback_query("guess")))


@pytest.mark.parametrize(("text", "unsubscribe"), [("退订", True), ("TD。", True), ("明天下午到", False)])
def test_a_reply_is_parsed_and_td_withdraws(fake, adapter, text, unsubscribe):
    headers = callback_headers({}, fake.callback_query())

    inbound = adapter.parse_inbound(fake.tencent_reply("13800000000", text), headers)

    assert [(i.sender, i.text, i.unsubscribe) for i in inbound] == [("13800000000", text, unsubscribe)]
    assert adapter.parse_receipts(fake.tencent_reply("13800000000", text), headers) == []


def test_a_forged_reply_is_refused(fake, adapter):
    with pytest.raises(SignatureInvalid):
        adapter.parse_inbound(fake.tencent_reply("13800000000", "TD"), {})
