"""Provider adapters for the messaging door; each module registers its class here.
`adapter_for(code, config)` picks one by the code stored on the store's account."""

from .base import Inbound, OutboundMessage, ProviderAdapter, ProviderError, Receipt, SendResult, SignatureInvalid

ADAPTERS: dict[str, type[ProviderAdapter]] = {}


def register_adapter(cls: type[ProviderAdapter]) -> type[ProviderAdapter]:
    ADAPTERS[cls.code] = cls
    return cls


def adapter_for(code: str, config) -> ProviderAdapter:
    try:
        cls = ADAPTERS[code]
    except KeyError:
        raise ProviderError(f"Unknown message provider {code!r}") from None
    return cls(config)


__all__ = [
    "ADAPTERS",
    "Inbound",
    "OutboundMessage",
    "ProviderAdapter",
    "ProviderError",
    "Receipt",
    "SendResult",
    "SignatureInvalid",
    "adapter_for",
    "register_adapter",
]

# The adapters register themselves on import (docs/DOMAIN.md §15.1, Providers).
from . import aliyun_sms, callbacks, tencent_sms, wechat_mp  # noqa: E402, F401
