"""Adapters to the payment providers (WeChat Pay API v3 through `wechatpayv3`,
Alipay through `python-alipay-sdk`). Each adapter turns the provider's
answers into `Outcome`s; the services in billing.online decide what they mean
for the order's money. `adapter_for(account)` picks the adapter."""

from django.conf import settings

from ..choices import Provider
from .base import Notification, Outcome, ProviderError, SignatureInvalid, StatementLine


def adapter_for(account):
    if account.sandbox:
        if not settings.DEMO_MODE:
            raise ProviderError("A sandbox account takes no money outside demo mode.")
        from .sandbox import SandboxAdapter

        return SandboxAdapter(account)
    if account.provider == Provider.WECHAT:
        from .wechat import WeChatAdapter

        return WeChatAdapter(account)
    from .alipay import AlipayAdapter

    return AlipayAdapter(account)


__all__ = ["Notification", "Outcome", "ProviderError", "SignatureInvalid", "StatementLine", "adapter_for"]
