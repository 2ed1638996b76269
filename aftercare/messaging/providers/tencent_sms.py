"""Tencent Cloud SMS (腾讯云短信, API 2021-01-11) through its SDK, `tencentcloud-sdk-python-sms`
(docs/DOMAIN.md §15.1, Providers).

Config keys (the store's account): secret_id, secret_key, sdk_app_id (SmsSdkAppId), sign_name
(the approved 签名, used when the message names none), region (default ap-guangzhou), endpoint
(default sms.tencentcloudapi.com; a URL such as http://127.0.0.1:8080 selects the scheme too),
callback_token (the shared token of the status and reply callbacks, see `callbacks`).

Tencent templates take positional variables ({1}, {2}...): the message's params are sent in
the order of their keys when the keys are numbers ("1", "2"...), else in the order given."""

import json
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models as sms_models
from tencentcloud.sms.v20210111.sms_client import SmsClient

from . import register_adapter
from .base import Inbound, OutboundMessage, ProviderAdapter, ProviderError, Receipt, SendResult
from .callbacks import check_callback_token, is_unsubscribe, missing_config, split_endpoint

DEFAULT_ENDPOINT = "sms.tencentcloudapi.com"
DEFAULT_REGION = "ap-guangzhou"
CHINA = ZoneInfo("Asia/Shanghai")

# Worth another try later: Tencent's own trouble, the network, and rate limits that lift
# within minutes. Everything else (bad number, sign or template not approved, blacklisted
# number, no package left, daily limit) fails for good.
RETRYABLE_CODES = frozenset(
    {
        "ClientNetworkError",
        "ServerNetworkError",
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        "LimitExceeded.PhoneNumberOneHourLimit",
        "LimitExceeded.DeliveryFrequencyLimit",
        "FailedOperation.JsonParseFail",
    }
)
RETRYABLE_PREFIXES = ("InternalError", "RequestLimitExceeded", "ResourceUnavailable")


def is_retryable(code: str) -> bool:
    return code in RETRYABLE_CODES or code.startswith(RETRYABLE_PREFIXES)


def _e164(to: str) -> str:
    to = to.strip().replace(" ", "")
    if to.startswith("+"):
        return to
    if to.startswith("00"):
        return "+" + to[2:]
    return "+86" + to


def _ordered(params: Mapping[str, str]) -> list[str]:
    keys = list(params)
    if keys and all(str(key).isdigit() for key in keys):
        keys.sort(key=int)
    return [str(params[key]) for key in keys]


def _items(body: bytes) -> list[dict]:
    try:
        data = json.loads(body or b"[]")
    except ValueError as error:
        raise ProviderError("callback body is not JSON") from error
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ProviderError("callback body is not a JSON list")
    return [item for item in data if isinstance(item, dict)]


def _china_time(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    except (TypeError, ValueError):
        return None


@register_adapter
class TencentSmsAdapter(ProviderAdapter):
    channel = "sms"
    code = "tencent_sms"
    config_keys = ("secret_id", "secret_key", "sdk_app_id", "sign_name", "region", "endpoint", "callback_token")
    required_keys = ("secret_id", "secret_key", "sdk_app_id")
    secret_keys = ("secret_key", "callback_token")
    timeout_seconds = 10

    @cached_property
    def _client(self) -> SmsClient:
        # One SDK client per adapter, keeping its connection alive across sends.
        scheme, host = split_endpoint(self.config.get("endpoint") or DEFAULT_ENDPOINT)
        http = HttpProfile(protocol=scheme, endpoint=host, reqTimeout=self.timeout_seconds, keepAlive=True)
        credential = Credential(self.config.get("secret_id", ""), self.config.get("secret_key", ""))
        return SmsClient(credential, self.config.get("region") or DEFAULT_REGION, ClientProfile(httpProfile=http))

    def send(self, message: OutboundMessage) -> SendResult:
        if problem := missing_config(self.config, self.required_keys):
            return SendResult(ok=False, retryable=False, error=problem)
        request = sms_models.SendSmsRequest()
        request.PhoneNumberSet = [_e164(message.to)]
        request.SmsSdkAppId = self.config.get("sdk_app_id", "")
        request.SignName = message.sign_name or self.config.get("sign_name", "")
        request.TemplateId = message.template_code
        request.TemplateParamSet = _ordered(message.params)
        # Tencent returns SessionContext with the status and in the report: the outbox
        # row's key, so a resend after a killed worker can be matched (§15.1).
        request.SessionContext = message.idempotency_key
        try:
            response = self._client.SendSms(request)
        except TencentCloudSDKException as error:
            code = error.get_code() or ""
            return SendResult(ok=False, retryable=is_retryable(code), error=f"{code}: {error.get_message()}"[:500])
        except Exception as error:  # anything below the SDK: the provider was not reached
            return SendResult(ok=False, retryable=True, error=f"{type(error).__name__}: {error}"[:500])
        statuses = response.SendStatusSet or []
        if not statuses:
            return SendResult(ok=False, retryable=True, error="empty SendStatusSet")
        status = statuses[0]
        if status.Code == "Ok":
            return SendResult(ok=True, provider_message_id=status.SerialNo or "")
        code = status.Code or ""
        return SendResult(ok=False, retryable=is_retryable(code), error=f"{code}: {status.Message or ''}"[:500])

    def parse_receipts(self, body: bytes, headers: Mapping[str, str]) -> list[Receipt]:
        """The status callback: a JSON list of {user_receive_time, nationcode, mobile,
        report_status SUCCESS|FAIL, errmsg, description, sid}. Replies are skipped."""
        check_callback_token(self.config, headers)
        receipts = []
        for item in _items(body):
            if not item.get("sid") or "report_status" not in item:
                continue
            delivered = item["report_status"] == "SUCCESS"
            error = "" if delivered else f"{item.get('errmsg', '')}: {item.get('description', '')}".strip(": ")
            receipts.append(
                Receipt(
                    provider_message_id=str(item["sid"]),
                    delivered=delivered,
                    error=error,
                    at=_china_time(item.get("user_receive_time", "")),
                )
            )
        return receipts

    def parse_inbound(self, body: bytes, headers: Mapping[str, str]) -> list[Inbound]:
        """The reply callback: {extend, mobile, nationcode, sign, text, time} (one object, or
        a list of them). Status reports are skipped."""
        check_callback_token(self.config, headers)
        inbound = []
        for item in _items(body):
            if not isinstance(item.get("text"), str) or not item.get("mobile"):
                continue
            # Mainland senders as the 11-digit number customers are stored with, like Alibaba's.
            nation = str(item.get("nationcode") or "86")
            sender = str(item["mobile"]) if nation == "86" else f"+{nation}{item['mobile']}"
            inbound.append(Inbound(sender=sender, text=item["text"], unsubscribe=is_unsubscribe(item["text"])))
        return inbound
