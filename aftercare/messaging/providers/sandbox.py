"""The demo's stand-in for every channel: no network, nothing leaves the machine.
It accepts a message and answers an id derived from the outbox row's idempotency
key; it works in demo mode only (docs/DOMAIN.md §15.1)."""

from django.conf import settings

from . import register_adapter
from .base import OutboundMessage, ProviderAdapter, ProviderError, SendResult


@register_adapter
class SandboxAdapter(ProviderAdapter):
    channel = ""  # any channel
    code = "sandbox"

    def send(self, message: OutboundMessage) -> SendResult:
        if not settings.DEMO_MODE:
            raise ProviderError("The sandbox sends in demo mode only.")
        if self.config.get("fail"):
            return SendResult(ok=False, retryable=False, error="sandbox: refused")
        return SendResult(ok=True, provider_message_id=f"SANDBOX-{message.idempotency_key}")
