"""WeChat official account (微信公众号) template messages and subscribe notices through the
documented HTTP API; pushes are checked and parsed with `wechatpy` (docs/DOMAIN.md §15.1,
Providers).

Config keys (the store's account): app_id, app_secret, token (the Token of the account's
server configuration, 服务器配置, which signs every push; plaintext mode), api_base (default
https://api.weixin.qq.com).

The message's `to` is the customer's openid and its `template_code` the template id; a code
written "subscribe:<template id>" sends a subscribe notice (订阅通知, /cgi-bin/message/subscribe/
bizsend) instead of a template message. Params become the template's fields
({"name": {"value": ...}}); `link` is the page the message opens.

The access token is fetched from /cgi-bin/token and kept in Django's cache until shortly
before it expires (shared by the workers when the cache is shared); an answer
that says it is invalid or expired (40001, 40014, 42001) drops it, fetches a new one and
tries once more."""

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cached_property

import requests
from django.core.cache import cache
from wechatpy import parse_message
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from . import register_adapter
from .base import Inbound, OutboundMessage, ProviderAdapter, ProviderError, Receipt, SendResult, SignatureInvalid
from .callbacks import is_unsubscribe, missing_config, query_param

DEFAULT_API_BASE = "https://api.weixin.qq.com"
SUBSCRIBE_PREFIX = "subscribe:"
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
# Worth another try later: WeChat busy, rate limits. Anything else (unknown openid, the
# follower left, template id wrong or not granted, fields wrong) fails for good.
RETRYABLE_ERRORS = frozenset({-1, 45009, 45011, 45047})
# Kept this many seconds less than WeChat says, so a token is never used in its last minutes.
TOKEN_MARGIN = 300


class _WeChatError(Exception):
    def __init__(self, errcode: int, errmsg: str):
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode


@register_adapter
class WeChatMpAdapter(ProviderAdapter):
    channel = "wechat"
    code = "wechat_mp"
    config_keys = ("app_id", "app_secret", "token", "api_base")
    required_keys = ("app_id", "app_secret")
    secret_keys = ("app_secret", "token")
    timeout_seconds = 10

    # --- the access token ---------------------------------------------------------------

    @cached_property
    def _http(self) -> requests.Session:
        # One connection pool per adapter, reused across sends.
        return requests.Session()

    @property
    def _base(self) -> str:
        return (self.config.get("api_base") or DEFAULT_API_BASE).rstrip("/")

    @property
    def token_cache_key(self) -> str:
        return f"messaging:wechat_mp:access_token:{self._base}:{self.config.get('app_id', '')}"

    def access_token(self, *, refresh: bool = False) -> str:
        if not refresh:
            token = cache.get(self.token_cache_key)
            if token:
                return token
        # Two workers refreshing at once is harmless: WeChat keeps the previous token valid
        # for a few minutes after a new one is issued.
        data = self._json(
            self._http.get(
                f"{self._base}/cgi-bin/token",
                params={
                    "grant_type": "client_credential",
                    "appid": self.config.get("app_id", ""),
                    "secret": self.config.get("app_secret", ""),
                },
                timeout=self.timeout_seconds,
            )
        )
        token = data.get("access_token")
        if not token:
            raise ProviderError("no access_token in WeChat's answer")
        expires_in = int(data.get("expires_in") or 7200)
        cache.set(self.token_cache_key, token, max(expires_in - TOKEN_MARGIN, 60))
        return token

    @staticmethod
    def _json(response: requests.Response) -> dict:
        response.raise_for_status()
        data = response.json()
        if not isinstance(data, dict):
            raise ProviderError("WeChat answered something that is not a JSON object")
        if int(data.get("errcode") or 0) != 0:
            raise _WeChatError(int(data["errcode"]), str(data.get("errmsg", "")))
        return data

    def _post(self, path: str, payload: dict) -> dict:
        for attempt in (1, 2):
            token = self.access_token(refresh=attempt == 2)
            try:
                return self._json(
                    self._http.post(
                        f"{self._base}{path}",
                        params={"access_token": token},
                        json=payload,
                        timeout=self.timeout_seconds,
                    )
                )
            except _WeChatError as error:
                if error.errcode not in TOKEN_ERRORS or attempt == 2:
                    raise
                cache.delete(self.token_cache_key)
        raise AssertionError("unreachable")  # pragma: no cover

    # --- sending ------------------------------------------------------------------------

    def send(self, message: OutboundMessage) -> SendResult:
        if problem := missing_config(self.config, self.required_keys):
            return SendResult(ok=False, retryable=False, error=problem)
        data = {name: {"value": str(value)} for name, value in message.params.items()}
        if message.template_code.startswith(SUBSCRIBE_PREFIX):
            path = "/cgi-bin/message/subscribe/bizsend"
            payload = {"touser": message.to, "template_id": message.template_code.removeprefix(SUBSCRIBE_PREFIX)}
            if message.link:
                payload["page"] = message.link
        else:
            path = "/cgi-bin/message/template/send"
            payload = {"touser": message.to, "template_id": message.template_code}
            if message.link:
                payload["url"] = message.link
        payload["data"] = data
        # Template messages carry a client_msg_id that WeChat uses to drop a repeat of the
        # same send: the outbox row's key, so a resend after a killed worker goes once (§15.1).
        if message.idempotency_key and path.endswith("/template/send"):
            payload["client_msg_id"] = hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:32]
        try:
            answer = self._post(path, payload)
        except _WeChatError as error:
            retryable = error.errcode in RETRYABLE_ERRORS or error.errcode in TOKEN_ERRORS
            return SendResult(ok=False, retryable=retryable, error=str(error)[:500])
        except (requests.RequestException, ProviderError, ValueError) as error:
            return SendResult(ok=False, retryable=True, error=f"{type(error).__name__}: {error}"[:500])
        return SendResult(ok=True, provider_message_id=str(answer.get("msgid", "")))

    # --- pushes -------------------------------------------------------------------------

    def check_signature(self, headers: Mapping[str, str]) -> None:
        """signature = sha1 of the sorted (token, timestamp, nonce), from the push's query."""
        token = self.config.get("token", "")
        signature = query_param(headers, "signature")
        if not token or not signature:
            raise SignatureInvalid("WeChat push without signature, or no token configured")
        try:
            check_signature(token, signature, query_param(headers, "timestamp"), query_param(headers, "nonce"))
        except InvalidSignatureException as error:
            raise SignatureInvalid("WeChat push signature does not verify") from error

    def verify_server(self, headers: Mapping[str, str]) -> str:
        """WeChat's GET check of the server URL: the `echostr` to answer with, once signed."""
        self.check_signature(headers)
        return query_param(headers, "echostr")

    def _message(self, body: bytes, headers: Mapping[str, str]):
        self.check_signature(headers)
        try:
            return parse_message(body)
        except Exception as error:  # malformed XML from a signed push: unusable, not forged
            raise ProviderError("WeChat push is not a message XML") from error

    def parse_receipts(self, body: bytes, headers: Mapping[str, str]) -> list[Receipt]:
        """TEMPLATESENDJOBFINISH: Status "success", or "failed:user block" / "failed: system
        failed". Other pushes are skipped."""
        message = self._message(body, headers)
        if getattr(message, "type", "") != "event" or getattr(message, "event", "") != "templatesendjobfinish":
            return []
        status = (message.status or "").strip()
        delivered = status == "success"
        return [
            Receipt(
                provider_message_id=str(message.id),
                delivered=delivered,
                error="" if delivered else status,
                at=datetime.fromtimestamp(message.create_time.timestamp(), tz=UTC) if message.create_time else None,
            )
        ]

    def parse_inbound(self, body: bytes, headers: Mapping[str, str]) -> list[Inbound]:
        """An unfollow (unsubscribe event) withdraws consent; a text reply is kept, and a
        "TD" / "退订" text withdraws too. Other pushes are skipped."""
        message = self._message(body, headers)
        kind = getattr(message, "type", "")
        if kind == "event" and getattr(message, "event", "") == "unsubscribe":
            return [Inbound(sender=message.source, text="", unsubscribe=True)]
        if kind == "text":
            return [Inbound(sender=message.source, text=message.content, unsubscribe=is_unsubscribe(message.content))]
        return []
