"""The WeChat official-account adapter against the local fake (§15.1): template and
subscribe messages, the access token cached and refreshed, pushes signed with the Token."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache

from aftercare.messaging.providers import OutboundMessage, SignatureInvalid, adapter_for
from aftercare.messaging.providers.callbacks import callback_headers

from .fake_wechat import FakeWeChat


@pytest.fixture
def fake():
    cache.clear()
    with FakeWeChat() as fake:
        yield fake
    cache.clear()


@pytest.fixture
def adapter(fake):
    return adapter_for("wechat_mp", fake.config())


def car_ready(**overrides) -> OutboundMessage:
    fields = {
        "to": "oCustomer0001", "text": "您的爱车已修好", "template_code": "TPL_car_ready_0001",
        "params": {"thing1": "粤A12345", "time2": "2026-12-06 17:00"}, "link": "https://example.test/p/abc",
        "idempotency_key": "msg-43",
    }  # fmt: skip
    return OutboundMessage(**{**fields, **overrides})


def test_a_template_message_is_sent_with_its_fields_and_link(fake, adapter):
    result = adapter.send(car_ready())

    assert result.ok and result.provider_message_id == str(fake.sent[0].msgid)
    sent = fake.sent[0]
    assert (sent.kind, sent.openid, sent.template_id) == ("template", "oCustomer0001", "TPL_car_ready_0001")
    assert sent.data == {"thing1": {"value": "粤A12345"}, "time2": {"value": "2026-12-06 17:00"}}
    assert sent.link == "https://example.test/p/abc"


def test_a_subscribe_code_sends_a_subscribe_notice(fake, adapter):
    assert adapter.send(car_ready(template_code="subscribe:SUB_0001")).ok

    assert (fake.sent[0].kind, fake.sent[0].template_id) == ("subscribe", "SUB_0001")


def test_the_same_outbox_key_sent_twice_is_delivered_once(fake, adapter):
    first, second = adapter.send(car_ready()), adapter.send(car_ready())

    assert first.provider_message_id == second.provider_message_id and len(fake.sent) == 1


def test_the_access_token_is_fetched_once_and_kept_in_the_cache(fake, adapter):
    for _ in range(3):
        assert adapter.send(car_ready(idempotency_key="")).ok
    assert adapter_for("wechat_mp", fake.config()).send(car_ready(idempotency_key="")).ok  # another worker

    assert fake.tokens_issued == 1 and len(fake.sent) == 4


def test_the_cached_token_is_replaced_shortly_before_it_expires(fake, adapter):
    assert adapter.send(car_ready()).ok

    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=7200 - 299)):
        assert adapter.send(car_ready(idempotency_key="msg-44")).ok

    assert fake.tokens_issued == 2


@pytest.mark.parametrize("errcode", [42001, 40001])
def test_a_token_refused_by_wechat_is_refreshed_and_the_send_retried_once(fake, adapter, errcode):
    assert adapter.send(car_ready()).ok
    if errcode == 42001:
        fake.expire_tokens()
    else:
        fake.fail_next(40001)

    result = adapter.send(car_ready(idempotency_key="msg-44"))

    assert result.ok and fake.tokens_issued == 2 and len(fake.sent) == 2


def test_a_token_refused_twice_is_not_retried_a_third_time(fake, adapter):
    fake.fail_next(40001, times=2)

    result = adapter.send(car_ready())

    assert not result.ok and result.retryable and fake.tokens_issued == 2 and fake.sent == []


def test_a_wrong_app_secret_fails_for_good(fake):
    result = adapter_for("wechat_mp", fake.config(app_secret="wrong")).send(car_ready())

    assert not result.ok and not result.retryable and "40125" in result.error


@pytest.mark.parametrize(("errcode", "retryable"), [(43004, False), (40037, False), (-1, True), (45009, True)])
def test_wechat_errors_are_permanent_or_retryable_and_a_retry_goes_through(fake, adapter, errcode, retryable):
    fake.fail_next(errcode)

    first = adapter.send(car_ready())

    assert not first.ok and first.retryable is retryable and str(errcode) in first.error
    assert adapter.send(car_ready()).ok


def test_an_unreachable_api_is_retryable(fake, adapter):
    fake.stop()

    result = adapter.send(car_ready())

    assert not result.ok and result.retryable


def test_a_template_job_finished_push_is_parsed_into_a_receipt(fake, adapter):
    message_id = adapter.send(car_ready()).provider_message_id
    body, query = fake.template_finish_push(message_id)
    failed_body, failed_query = fake.template_finish_push(7, status="failed:user block")

    [delivered] = adapter.parse_receipts(body, callback_headers({}, query))
    [failed] = adapter.parse_receipts(failed_body, callback_headers({}, failed_query))

    assert (delivered.provider_message_id, delivered.delivered, delivered.error) == (message_id, True, "")
    assert delivered.at is not None
    assert (failed.provider_message_id, failed.delivered, failed.error) == ("7", False, "failed:user block")


def test_a_forged_or_unsigned_push_is_refused(fake, adapter):
    body, query = fake.template_finish_push(1, forged=True)

    with pytest.raises(SignatureInvalid):
        adapter.parse_receipts(body, callback_headers({}, query))
    with pytest.raises(SignatureInvalid):
        adapter.parse_receipts(body, {})
    unfollow, forged_query = fake.unsubscribe_push("oCustomer0001", forged=True)
    with pytest.raises(SignatureInvalid):
        adapter.parse_inbound(unfollow, callback_headers({}, forged_query))


def test_an_unfollow_is_an_unsubscribe(fake, adapter):
    body, query = fake.unsubscribe_push("oCustomer0001")
    headers = callback_headers({}, query)

    assert [(i.sender, i.unsubscribe) for i in adapter.parse_inbound(body, headers)] == [("oCustomer0001", True)]
    assert adapter.parse_receipts(body, headers) == []


@pytest.mark.parametrize(("content", "unsubscribe"), [("退订", True), ("几点能取车？", False)])
def test_a_text_reply_is_inbound_and_td_withdraws(fake, adapter, content, unsubscribe):
    body, query = fake.text_push("oCustomer0001", content)

    [inbound] = adapter.parse_inbound(body, callback_headers({}, query))

    assert (inbound.sender, inbound.text, inbound.unsubscribe) == ("oCustomer0001", content, unsubscribe)


def test_the_server_url_check_echoes_only_when_signed(fake, adapter):
    assert adapter.verify_server(callback_headers({}, fake.signed_query(echostr="12345"))) == "12345"
    with pytest.raises(SignatureInvalid):
        adapter.verify_server(callback_headers({}, fake.signed_query(forged=True, echostr="12345")))
