"""Alibaba Cloud SMS (阿里云短信服务) through its SDK, `alibabacloud-dysmsapi20170525`
(docs/DOMAIN.md §15.1, Providers).

Config keys (the store's account): access_key_id, access_key_secret, sign_name (the approved
签名, used when the message names none), endpoint (default dysmsapi.aliyuncs.com; a URL such as
http://127.0.0.1:8080 selects the scheme too), callback_token (the shared token of the report
and reply pushes, see `callbacks`)."""

import json
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from alibabacloud_dysmsapi20170525 import models as dysms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.runtime import RuntimeOptions

from . import register_adapter
from .base import Inbound, OutboundMessage, ProviderAdapter, ProviderError, Receipt, SendResult
from .callbacks import check_callback_token, is_unsubscribe, missing_config, split_endpoint

DEFAULT_ENDPOINT = "dysmsapi.aliyuncs.com"
CHINA = ZoneInfo("Asia/Shanghai")

# Codes worth another try later: the platform's own trouble and rate limits. Anything else
# from the caller's side (isv.*: bad number, sign or template refused, missing parameter,
# no balance) fails for good, so the outbox does not spend its retries on it.
RETRYABLE_CODES = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",  # per-number minute/hour limit
        "ServiceUnavailable",
        "InternalError",
        "SignatureNonceUsed",
    }
)
RETRYABLE_PREFIXES = ("isp.", "Throttling")


def is_retryable(code: str, status: int | None = None) -> bool:
    if status is not None and status >= 500:
        return True
    return code in RETRYABLE_CODES or code.startswith(RETRYABLE_PREFIXES)


def _mobile(to: str) -> str:
    """Alibaba takes mainland numbers without the country code."""
    to = to.strip().replace(" ", "")
    for prefix in ("+86", "0086"):
        if to.startswith(prefix):
            return to[len(prefix) :]
    return to


def _china_time(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    except (TypeError, ValueError):
        return None


def _items(body: bytes) -> list[dict]:
    try:
        data = json.loads(body or b"[]")
    except ValueError as error:
        raise ProviderError("push body is not JSON") from error
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ProviderError("push body is not a JSON list")
    return [item for item in data if isinstance(item, dict)]


@register_adapter
class AliyunSmsAdapter(ProviderAdapter):
    channel = "sms"
    code = "aliyun_sms"
    config_keys = ("access_key_id", "access_key_secret", "sign_name", "endpoint", "callback_token")
    required_keys = ("access_key_id", "access_key_secret")
    secret_keys = ("access_key_secret", "callback_token")
    timeout_ms = 10_000

    @cached_property
    def _client(self) -> Client:
        # One SDK client per adapter, so its connection pool is reused across sends.
        scheme, host = split_endpoint(self.config.get("endpoint") or DEFAULT_ENDPOINT)
        return Client(
            Config(
                access_key_id=self.config.get("access_key_id", ""),
                access_key_secret=self.config.get("access_key_secret", ""),
                endpoint=host,
                protocol=scheme,
                connect_timeout=self.timeout_ms,
                read_timeout=self.timeout_ms,
            )
        )

    def send(self, message: OutboundMessage) -> SendResult:
        if problem := missing_config(self.config, self.required_keys):
            return SendResult(ok=False, retryable=False, error=problem)
        request = dysms_models.SendSmsRequest(
            phone_numbers=_mobile(message.to),
            sign_name=message.sign_name or self.config.get("sign_name", ""),
            template_code=message.template_code,
            template_param=json.dumps(dict(message.params), ensure_ascii=False) if message.params else None,
            # Alibaba keeps OutId with the message and returns it in the report: the outbox
            # row's key, so a resend after a killed worker can be matched (§15.1).
            out_id=message.idempotency_key or None,
        )
        # The outbox owns retries (with its backoff); the SDK must not retry on its own.
        runtime = RuntimeOptions(autoretry=False, max_attempts=0)
        try:
            body = self._client.send_sms_with_options(request, runtime).body
        except AlibabaCloudException as error:
            code = str(getattr(error, "code", "") or "")
            status = getattr(error, "status_code", None)
            return SendResult(ok=False, retryable=is_retryable(code, status), error=f"{code}: {error}"[:500])
        except Exception as error:  # connection refused, timeout, TLS: the provider was not reached
            return SendResult(ok=False, retryable=True, error=f"{type(error).__name__}: {error}"[:500])
        if body.code == "OK":
            return SendResult(ok=True, provider_message_id=body.biz_id or "")
        code = body.code or ""
        return SendResult(ok=False, retryable=is_retryable(code), error=f"{code}: {body.message or ''}"[:500])

    def parse_receipts(self, body: bytes, headers: Mapping[str, str]) -> list[Receipt]:
        """The SmsReport push: a JSON list of {phone_number, success, biz_id, err_code,
        err_msg, report_time, out_id, ...}. Items of another kind (SmsUp) are skipped."""
        check_callback_token(self.config, headers)
        receipts = []
        for item in _items(body):
            if not item.get("biz_id") or "success" not in item:
                continue
            delivered = item["success"] in (True, "true", "True", 1, "1")
            error = "" if delivered else f"{item.get('err_code', '')}: {item.get('err_msg', '')}".strip(": ")
            receipts.append(
                Receipt(
                    provider_message_id=str(item["biz_id"]),
                    delivered=delivered,
                    error=error,
                    at=_china_time(item.get("report_time", "")),
                )
            )
        return receipts

    def parse_inbound(self, body: bytes, headers: Mapping[str, str]) -> list[Inbound]:
        """The SmsUp push: a JSON list of {phone_number, content, send_time, sign_name,
        dest_code, sequence_id}. Items without content (reports) are skipped."""
        check_callback_token(self.config, headers)
        return [
            Inbound(sender=str(item["phone_number"]), text=item["content"], unsubscribe=is_unsubscribe(item["content"]))
            for item in _items(body)
            if isinstance(item.get("content"), str) and item.get("phone_number")
        ]
