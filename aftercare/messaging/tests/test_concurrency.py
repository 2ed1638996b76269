"""Two senders at once on PostgreSQL: each message is claimed by one of them
(SKIP LOCKED), so nothing goes twice and nothing is left behind."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.utils import timezone

from aftercare.messaging import services
from aftercare.messaging.models import Message, ProviderAccount
from aftercare.messaging.providers import ADAPTERS, ProviderAdapter, SendResult, register_adapter
from aftercare.messaging.services import message_send, messages_send_due
from aftercare.tests.factories import CustomerFactory

CALLS: Counter = Counter()
LOCK = threading.Lock()


class CountingAdapter(ProviderAdapter):
    channel = ""
    code = "counting"

    def send(self, message):
        with LOCK:
            CALLS[message.idempotency_key] += 1
        return SendResult(ok=True, provider_message_id=f"C-{message.idempotency_key}")


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_message_exactly_once(store, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between threads need PostgreSQL (SQLite serialises writers anyway)")
    monkeypatch.setattr(services, "_enqueue_send", lambda pk: None)  # the senders below do the sending
    register_adapter(CountingAdapter)
    CALLS.clear()
    try:
        ProviderAccount.objects.create(store=store, channel="sms", provider="counting")
        customer = CustomerFactory(store=store)
        for n in range(60):
            message_send(store=store, customer=customer, purpose="service", template_code="car_ready", context={},
                         dedupe_key=f"race:{n}")  # fmt: skip
        Message.objects.update(state="queued", next_attempt_at=timezone.now())  # whatever the hour it runs at
        barrier = threading.Barrier(2)

        def sender():
            try:
                barrier.wait()
                messages_send_due(batch=7)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=sender) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(CALLS) == 60 and set(CALLS.values()) == {1}
        assert set(Message.objects.values_list("state", flat=True)) == {"sent"}
    finally:
        ADAPTERS.pop("counting", None)
