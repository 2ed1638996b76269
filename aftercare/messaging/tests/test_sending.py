"""The sender: claims with a lease, retries with backoff, fails after the limit,
and loses nothing when its worker is killed mid-send (docs/DOMAIN.md §15.1)."""

import time_machine

from aftercare.messaging import services
from aftercare.messaging.models import Message, StoreMessagingSettings
from aftercare.messaging.providers import SendResult
from aftercare.messaging.services import message_send, messages_claim, messages_send_due, register_call_handler

DAY = "2026-12-07 10:00 +08:00"


def queue(store, customer, n):
    return [
        message_send(store=store, customer=customer, purpose="service", template_code="car_ready", context={},
                     dedupe_key=f"k:{i}")
        for i in range(n)
    ]  # fmt: skip


@time_machine.travel(DAY, tick=False)
def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(store, customer, recording):
    queue(store, customer, 5)
    # The first worker claims everything, sends two, and dies before writing their outcome.
    claimed = messages_claim()
    assert len(claimed) == 5
    for message in Message.objects.filter(pk__in=claimed[:2]):
        recording.send(
            recording,
            services.OutboundMessage(to=message.to, text=message.text, idempotency_key=str(message.idempotency_key)),
        )
    assert messages_send_due() == 0  # leased: a second worker does not take them yet
    with time_machine.travel("2026-12-07 10:06 +08:00", tick=False):
        assert messages_send_due() == 5
    assert set(Message.objects.values_list("state", flat=True)) == {"sent"}
    assert len(recording.sent) == 5  # the two re-sent copies were dropped by their idempotency key
    assert sorted(m.idempotency_key for m in recording.sent) == sorted(
        str(k) for k in Message.objects.values_list("idempotency_key", flat=True)
    )
    assert set(Message.objects.values_list("attempts", flat=True)) == {2}


@time_machine.travel(DAY, tick=False)
def test_a_retryable_failure_is_retried_with_doubling_backoff(store, customer, recording):
    [message] = queue(store, customer, 1)
    recording.answers = [SendResult(ok=False, retryable=True, error="busy")] * 2
    messages_send_due()
    message.refresh_from_db()
    assert (message.state, message.reason, message.attempts) == ("queued", "busy", 1)
    assert message.next_attempt_at.isoformat() == "2026-12-07T02:01:00+00:00"
    with time_machine.travel("2026-12-07 10:01 +08:00", tick=False):
        messages_send_due()
    message.refresh_from_db()
    assert message.next_attempt_at.isoformat() == "2026-12-07T02:03:00+00:00"
    with time_machine.travel("2026-12-07 10:03 +08:00", tick=False):
        assert messages_send_due() == 1
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("sent", 3)


@time_machine.travel(DAY, tick=False)
def test_after_the_limit_a_message_fails_and_raises_a_staff_task(store, customer, recording):
    StoreMessagingSettings.objects.create(store=store, max_attempts=1)
    [message] = queue(store, customer, 1)
    recording.answers = [SendResult(ok=False, retryable=True, error="busy")]
    tasks = []
    register_call_handler(lambda m: tasks.append((m.pk, m.state)))
    try:
        messages_send_due()
    finally:
        register_call_handler(None)
    message.refresh_from_db()
    assert (message.state, message.reason) == ("failed", "busy")
    assert tasks == [(message.pk, "failed")]


@time_machine.travel(DAY, tick=False)
def test_a_permanent_failure_fails_at_once(store, customer, recording):
    [message] = queue(store, customer, 1)
    recording.answers = [SendResult(ok=False, retryable=False, error="bad number")]
    messages_send_due()
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("failed", 1)


@time_machine.travel(DAY, tick=False)
def test_a_store_without_a_provider_account_fails_with_that_reason(store, customer):
    [message] = queue(store, customer, 1)
    messages_send_due()
    message.refresh_from_db()
    assert (message.state, message.reason) == ("failed", "no provider account")
