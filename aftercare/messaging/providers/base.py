"""The contract between the messaging door (aftercare.messaging.services) and the
adapters that talk to each provider. An adapter knows one provider's API and
nothing of customers, consent or the outbox: the door decides whether and
when a message goes; the adapter only sends it, and reads the provider's
receipts and inbound replies. docs/DOMAIN.md §15.1."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


class ProviderError(Exception):
    """The provider could not be reached or answered something unusable."""


class SignatureInvalid(ProviderError):
    """A receipt or inbound call whose signature does not verify: refused."""


@dataclass(frozen=True)
class OutboundMessage:
    to: str  # mobile (E.164 without +86 is fine), WeChat openid, or e-mail address
    text: str  # the rendered text (email body, or what an SMS template renders to)
    template_code: str = ""  # the provider's approved template code / template id
    params: Mapping[str, str] = field(default_factory=dict)  # the template's variables
    sign_name: str = ""  # SMS signature (签名) approved for the store's account
    subject: str = ""  # email only
    link: str = ""  # WeChat template message: the page it opens
    idempotency_key: str = ""  # the outbox row's key, passed where the provider accepts one


@dataclass(frozen=True)
class SendResult:
    ok: bool
    provider_message_id: str = ""
    retryable: bool = False  # False with ok=False: a permanent failure (bad number, template refused)
    error: str = ""


@dataclass(frozen=True)
class Receipt:
    provider_message_id: str
    delivered: bool
    error: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class Inbound:
    sender: str  # mobile or openid
    text: str
    unsubscribe: bool  # "TD" / "退订" reply, or a WeChat unsubscribe event


class ProviderAdapter:
    """One provider. `config` is the store's account settings for it (keys documented
    by each adapter: access keys, endpoint, sign name, app id...)."""

    channel: str = ""  # customers.choices.ContactChannel value: sms, wechat, email
    code: str = ""  # provider code stored on the account, e.g. "aliyun_sms"

    def __init__(self, config: Mapping[str, str]):
        self.config = config

    def send(self, message: OutboundMessage) -> SendResult:
        raise NotImplementedError

    def parse_receipts(self, body: bytes, headers: Mapping[str, str]) -> list[Receipt]:
        """Delivery receipts pushed by the provider; raises SignatureInvalid."""
        return []

    def parse_inbound(self, body: bytes, headers: Mapping[str, str]) -> list[Inbound]:
        """Replies and unsubscribes pushed by the provider; raises SignatureInvalid."""
        return []
