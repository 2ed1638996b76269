"""A local stand-in for the WeChat official-account API on 127.0.0.1 at a random port, so the
real adapter runs against it and nothing goes to the internet. Importable by any test and by
the benchmark:

    with FakeWeChat() as fake:                   # or the `fake_wechat` fixture
        adapter = adapter_for("wechat_mp", fake.config())

It checks requests as WeChat does: /cgi-bin/token wants the account's appid and secret;
every message call wants a current `access_token` (an unknown one answers 40001, one made
stale by `expire_tokens()` answers 42001) and its required fields. `fail_next(errcode)` makes
the next sends fail. It builds the pushes WeChat sends to the account's server URL, signed
with the account's Token (or forged): `template_finish_push`, `unsubscribe_push`, `text_push`."""

import hashlib
import itertools
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest


@dataclass
class SentWeChat:
    kind: str  # "template" / "subscribe"
    openid: str
    template_id: str
    data: dict
    link: str
    msgid: int


@dataclass
class Account:
    app_id: str = "wx1234567890abcdef"
    app_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    token: str = field(default_factory=lambda: secrets.token_hex(8))  # 服务器配置 Token
    original_id: str = "gh_0123456789ab"


class FakeWeChat:
    def __init__(self, account: Account | None = None, expires_in: int = 7200):
        self.account = account or Account()
        self.expires_in = expires_in
        self.tokens: dict[str, bool] = {}  # access token -> still valid
        self.tokens_issued = 0
        self.sent: list[SentWeChat] = []
        self.refused: list[str] = []
        self._outcomes: deque[int] = deque()
        self._client_msg_ids: dict[tuple[str, str], int] = {}
        self._ids = itertools.count(1000000001)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> "FakeWeChat":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "FakeWeChat":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- what a test configures -------------------------------------------------------------

    def config(self, **overrides) -> dict:
        a = self.account
        return {"app_id": a.app_id, "app_secret": a.app_secret, "token": a.token, "api_base": self.url, **overrides}

    def expire_tokens(self) -> None:
        """Every access token issued so far now answers 42001 (expired)."""
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, False)

    def fail_next(self, errcode: int, times: int = 1) -> None:
        with self.lock:
            self._outcomes.extend([errcode] * times)

    # --- the pushes WeChat makes --------------------------------------------------------------

    def signed_query(self, *, forged: bool = False, **extra) -> str:
        """The query string WeChat adds to the server URL: signature = sha1 of the sorted
        (token, timestamp, nonce)."""
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        token = secrets.token_hex(8) if forged else self.account.token
        signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
        return urlencode({"signature": signature, "timestamp": timestamp, "nonce": nonce, **extra})

    def _push(self, openid: str, fields: str, *, forged: bool) -> tuple[bytes, str]:
        body = (
            f"<xml><ToUserName><![CDATA[{self.account.original_id}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>"
            f"{fields}</xml>"
        )
        return body.encode(), self.signed_query(forged=forged, openid=openid)

    def template_finish_push(
        self, msgid: int | str, *, openid: str = "oCustomer0001", status: str = "success", forged: bool = False
    ) -> tuple[bytes, str]:
        """TEMPLATESENDJOBFINISH: (body, query string)."""
        fields = (
            "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event>"
            f"<MsgID>{msgid}</MsgID><Status><![CDATA[{status}]]></Status>"
        )
        return self._push(openid, fields, forged=forged)

    def unsubscribe_push(self, openid: str, *, forged: bool = False) -> tuple[bytes, str]:
        fields = (
            "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[unsubscribe]]></Event>"
            "<EventKey><![CDATA[]]></EventKey>"
        )
        return self._push(openid, fields, forged=forged)

    def text_push(self, openid: str, content: str, *, forged: bool = False) -> tuple[bytes, str]:
        fields = (
            f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
            f"<MsgId>{next(self._ids)}</MsgId>"
        )
        return self._push(openid, fields, forged=forged)

    # --- the API ------------------------------------------------------------------------------

    def _token(self, query: dict) -> dict:
        if query.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if query.get("appid") != self.account.app_id:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if query.get("secret") != self.account.app_secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        token = secrets.token_urlsafe(48)
        with self.lock:
            self.tokens[token] = True
            self.tokens_issued += 1
        return {"access_token": token, "expires_in": self.expires_in}

    def _send(self, kind: str, query: dict, body: bytes) -> dict:
        token = query.get("access_token", "")
        with self.lock:
            valid = self.tokens.get(token)
        if valid is None:
            self.refused.append("access_token")
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        if valid is False:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        try:
            data = json.loads(body)
        except ValueError:
            return {"errcode": 47001, "errmsg": "data format error"}
        if not data.get("touser") or not data.get("template_id") or not isinstance(data.get("data"), dict):
            self.refused.append("fields")
            return {"errcode": 47001, "errmsg": "data format error"}
        with self.lock:
            if self._outcomes:
                errcode = self._outcomes.popleft()
                return {"errcode": errcode, "errmsg": f"fake error {errcode}"}
            # Template messages: the same openid + client_msg_id goes once (WeChat's 防重入).
            repeat_key = (data["touser"], data.get("client_msg_id", ""))
            if kind == "template" and repeat_key[1] and repeat_key in self._client_msg_ids:
                return {"errcode": 0, "errmsg": "ok", "msgid": self._client_msg_ids[repeat_key]}
            msgid = next(self._ids)
            if kind == "template" and repeat_key[1]:
                self._client_msg_ids[repeat_key] = msgid
            self.sent.append(
                SentWeChat(
                    kind,
                    data["touser"],
                    data["template_id"],
                    data["data"],
                    data.get("url") or data.get("page") or "",
                    msgid,
                )
            )
        return {"errcode": 0, "errmsg": "ok", "msgid": msgid}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs allow
            disable_nagle_algorithm = True

            def log_message(self, *args):  # keep test output quiet
                pass

            def _answer(self, answer: dict, status: int = 200) -> None:
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; encoding=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlsplit(self.path)
                if url.path == "/cgi-bin/token":
                    return self._answer(fake._token(dict(parse_qsl(url.query))))
                return self._answer({"errcode": 404, "errmsg": "not found"}, 404)

            def do_POST(self):
                url = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                kinds = {
                    "/cgi-bin/message/template/send": "template",
                    "/cgi-bin/message/subscribe/bizsend": "subscribe",
                }
                if url.path not in kinds:
                    return self._answer({"errcode": 404, "errmsg": "not found"}, 404)
                return self._answer(fake._send(kinds[url.path], dict(parse_qsl(url.query)), body))

        return Handler


@pytest.fixture
def fake_wechat():
    with FakeWeChat() as fake:
        yield fake
