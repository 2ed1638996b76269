import pytest

from aftercare.messaging.models import ProviderAccount
from aftercare.messaging.providers import ADAPTERS, ProviderAdapter, SendResult, register_adapter
from aftercare.tests.factories import CustomerFactory, VehicleFactory


class RecordingAdapter(ProviderAdapter):
    """A provider in memory: it keeps what it was asked to send and, like the real
    ones, drops a second send with the same idempotency key."""

    channel = ""
    code = "recording"
    sent: list = []
    seen_keys: set = set()
    answers: list = []  # SendResults to answer before succeeding

    def send(self, message):
        if RecordingAdapter.answers:
            return RecordingAdapter.answers.pop(0)
        if message.idempotency_key in RecordingAdapter.seen_keys:
            return SendResult(ok=True, provider_message_id=f"R-{message.idempotency_key}")
        RecordingAdapter.seen_keys.add(message.idempotency_key)
        RecordingAdapter.sent.append(message)
        return SendResult(ok=True, provider_message_id=f"R-{message.idempotency_key}")


@pytest.fixture
def recording(store):
    register_adapter(RecordingAdapter)
    RecordingAdapter.sent, RecordingAdapter.seen_keys, RecordingAdapter.answers = [], set(), []
    for channel in ("sms", "wechat", "email"):
        ProviderAccount.objects.create(store=store, channel=channel, provider="recording")
    yield RecordingAdapter
    ADAPTERS.pop("recording", None)


@pytest.fixture
def customer(store):
    return CustomerFactory(store=store, name="王芳", mobile="13800138000", preferred_channel="phone")


@pytest.fixture
def vehicle(customer):
    return VehicleFactory(owner=customer, plate="粤A12345")


@pytest.fixture(autouse=True)
def _call_handler_restored():
    """Tests that register their own call handler leave followups' one in place after them."""
    from aftercare.messaging.services import call_handler, register_call_handler

    registered = call_handler()
    yield
    register_call_handler(registered)
