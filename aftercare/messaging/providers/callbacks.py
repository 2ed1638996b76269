"""What the SMS adapters share for the provider's pushes (docs/DOMAIN.md §15.1, Providers).

Alibaba Cloud and Tencent Cloud push delivery reports and replies over plain HTTP with no
signature, so each store's account holds a random `callback_token` and the callback URL set
in the provider's console carries it (`.../receipts/<provider>/?token=...`), or a proxy in
front sends it as the `X-Aftercare-Token` header; a push without the store's token is refused.

Adapters only see the body and the headers, so the receipts view hands them
`callback_headers(request.headers, request.META["QUERY_STRING"])`: the headers plus the raw
query string as `X-Aftercare-Query` (WeChat's signature, timestamp and nonce travel there too)."""

import hmac
import re
from collections.abc import Mapping
from urllib.parse import parse_qs

from .base import SignatureInvalid

TOKEN_HEADER = "X-Aftercare-Token"
TOKEN_QUERY = "token"
QUERY_HEADER = "X-Aftercare-Query"

# Replies that withdraw consent (docs/DOMAIN.md §15.1): "TD", "T", "退订", with any spacing,
# case or trailing punctuation ("td。", "退订!").
UNSUBSCRIBE_WORDS = frozenset({"TD", "T", "退订"})
_NOISE = re.compile(r"[\s\.,;:!?。，；：！？、\"'“”‘’()（）]+")


def is_unsubscribe(text: str) -> bool:
    return _NOISE.sub("", text or "").upper() in UNSUBSCRIBE_WORDS


def header(headers: Mapping[str, str], name: str) -> str:
    """A header by name, whatever the case of the mapping's keys."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""


def callback_headers(headers: Mapping[str, str], query_string: str) -> dict[str, str]:
    """The request's headers plus its raw query string, for `parse_receipts` / `parse_inbound`
    (whatever `X-Aftercare-Query` the caller sent is replaced by the real query)."""
    merged = {key: value for key, value in headers.items() if key.lower() != QUERY_HEADER.lower()}
    merged[QUERY_HEADER] = query_string
    return merged


def query_param(headers: Mapping[str, str], name: str) -> str:
    values = parse_qs(header(headers, QUERY_HEADER), keep_blank_values=True).get(name)
    return values[0] if values else ""


def check_callback_token(config: Mapping[str, str], headers: Mapping[str, str]) -> None:
    """Refuse a push that does not carry the store's callback token; with no token
    configured every push is refused (a missing setting must not open the door)."""
    expected = (config.get("callback_token") or "").encode()
    given = (header(headers, TOKEN_HEADER) or query_param(headers, TOKEN_QUERY)).encode()
    if not expected or not hmac.compare_digest(expected, given):
        raise SignatureInvalid("callback token missing or wrong")


def split_endpoint(endpoint: str, default_scheme: str = "https") -> tuple[str, str]:
    """("http", "127.0.0.1:8080") from "http://127.0.0.1:8080"; a bare host keeps HTTPS."""
    endpoint = endpoint.strip().rstrip("/")
    if "://" in endpoint:
        scheme, host = endpoint.split("://", 1)
        return scheme.lower(), host
    return default_scheme, endpoint


def missing_config(config: Mapping[str, str], required: tuple[str, ...]) -> str:
    """The required keys the store's account leaves empty, as one error text ("" when none):
    a send without them fails for good instead of reaching the provider."""
    missing = [key for key in required if not str(config.get(key) or "").strip()]
    return f"missing config: {', '.join(missing)}" if missing else ""
