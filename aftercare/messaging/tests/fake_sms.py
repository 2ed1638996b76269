"""A local stand-in for the Alibaba Cloud SMS and Tencent Cloud SMS APIs on 127.0.0.1 at a
random port, so the real adapters (and the providers' SDKs inside them) run against it and
nothing goes to the internet. Importable by any test and by the benchmark:

    with FakeSms() as fake:                      # or the `fake_sms` fixture
        adapter = adapter_for("aliyun_sms", fake.aliyun_config())

It checks each request the way the real API does: Alibaba's V3 signature (ACS3-HMAC-SHA256
over the canonical request, with the access key secret) and SendSms's required parameters;
Tencent's TC3-HMAC-SHA256 Authorization header recomputed with the secret key, its action,
version and required fields. A request that fails the check is refused as the provider
refuses it (SignatureDoesNotMatch / AuthFailure.SignatureFailure).

A test tells it what to answer next: `fail_next("isv.MOBILE_NUMBER_ILLEGAL")`,
`fail_next("Throttling.User", times=2)`, ... then it answers success again. It builds the
pushes the providers send back (delivery reports and replies) with `*_report` / `*_reply`."""

import hashlib
import hmac
import itertools
import json
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

import pytest


@dataclass
class SentSms:
    provider: str  # "aliyun" / "tencent"
    phone: str
    sign_name: str
    template_code: str
    params: dict | list
    idempotency_key: str  # OutId / SessionContext
    message_id: str  # BizId / SerialNo


@dataclass
class Credentials:
    access_key_id: str = "LTAI5tFakeAccessKeyId"
    access_key_secret: str = field(default_factory=lambda: secrets.token_hex(15))
    secret_id: str = "AKIDfakeSecretId0000000000000000"
    secret_key: str = field(default_factory=lambda: secrets.token_hex(16))
    sdk_app_id: str = "1400000001"
    sign_name: str = "天河汽修"
    callback_token: str = field(default_factory=lambda: secrets.token_urlsafe(16))


# Tencent answers these per number (in SendStatusSet); other codes fail the whole request.
TENCENT_PER_NUMBER = ("LimitExceeded", "InvalidParameterValue.IncorrectPhoneNumber", "FailedOperation.PhoneNumber")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


class FakeSms:
    def __init__(self, credentials: Credentials | None = None):
        self.credentials = credentials or Credentials()
        self.sent: list[SentSms] = []
        self.refused: list[str] = []  # why requests were refused (signature, parameters)
        self.requests = 0
        self._outcomes: deque[str] = deque()
        self._ids = itertools.count(1)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> "FakeSms":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "FakeSms":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- what a test configures -------------------------------------------------------------

    def aliyun_config(self, **overrides) -> dict:
        c = self.credentials
        return {
            "access_key_id": c.access_key_id, "access_key_secret": c.access_key_secret, "sign_name": c.sign_name,
            "endpoint": self.url, "callback_token": c.callback_token, **overrides,
        }  # fmt: skip

    def tencent_config(self, **overrides) -> dict:
        c = self.credentials
        return {
            "secret_id": c.secret_id, "secret_key": c.secret_key, "sdk_app_id": c.sdk_app_id,
            "sign_name": c.sign_name, "region": "ap-guangzhou", "endpoint": self.url,
            "callback_token": c.callback_token, **overrides,
        }  # fmt: skip

    def fail_next(self, code: str, times: int = 1) -> None:
        """The next `times` sends (either provider) fail with this provider error code."""
        with self.lock:
            self._outcomes.extend([code] * times)

    def callback_query(self, token: str | None = None) -> str:
        """The query string of the callback URL set in the provider's console."""
        return f"token={quote(self.credentials.callback_token if token is None else token)}"

    # --- the pushes the providers make ---------------------------------------------------------

    @staticmethod
    def aliyun_report(message_id: str, *, success: bool = True, phone: str = "13800000000", out_id: str = "") -> bytes:
        now = datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S")
        return json.dumps([{
            "phone_number": phone, "send_time": now, "report_time": "2026-12-06 10:00:05", "success": success,
            "err_code": "DELIVERED" if success else "MK:0001", "err_msg": "用户接收成功" if success else "空号",
            "sms_size": "1", "biz_id": message_id, "out_id": out_id,
        }], ensure_ascii=False).encode()  # fmt: skip

    @staticmethod
    def aliyun_reply(phone: str, content: str) -> bytes:
        return json.dumps([{
            "phone_number": phone, "send_time": "2026-12-06 10:01:00", "content": content,
            "sign_name": "天河汽修", "dest_code": "1234", "sequence_id": 1234567890,
        }], ensure_ascii=False).encode()  # fmt: skip

    @staticmethod
    def tencent_report(message_id: str, *, success: bool = True, mobile: str = "13800000000") -> bytes:
        return json.dumps([{
            "user_receive_time": "2026-12-06 10:00:05", "nationcode": "86", "mobile": mobile,
            "report_status": "SUCCESS" if success else "FAIL", "errmsg": "DELIVRD" if success else "MN:0001",
            "description": "用户短信送达成功" if success else "空号", "sid": message_id,
        }], ensure_ascii=False).encode()  # fmt: skip

    @staticmethod
    def tencent_reply(mobile: str, text: str) -> bytes:
        return json.dumps({
            "extend": "", "mobile": mobile, "nationcode": "86", "sign": "天河汽修", "text": text,
            "time": 1796522460,
        }, ensure_ascii=False).encode()  # fmt: skip

    # --- the APIs ---------------------------------------------------------------------------

    def _next_outcome(self) -> str:
        with self.lock:
            self.requests += 1
            return self._outcomes.popleft() if self._outcomes else "OK"

    def _record(self, **fields) -> str:
        with self.lock:
            message_id = f"{next(self._ids):012d}^0"
            self.sent.append(SentSms(message_id=message_id, **fields))
            return message_id

    def _refuse(self, why: str) -> None:
        with self.lock:
            self.refused.append(why)

    def _aliyun(self, method: str, path: str, headers: dict, body: bytes) -> tuple[int, dict]:
        url = urlsplit(path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        request_id = secrets.token_hex(8).upper()

        def error(status: int, code: str, message: str) -> tuple[int, dict]:
            return status, {"RequestId": request_id, "Code": code, "Message": message}

        # The V3 signature: Authorization = ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=...,Signature=...
        auth = headers.get("authorization", "")
        algorithm, _, rest = auth.partition(" ")
        parts = dict(part.split("=", 1) for part in rest.split(",") if "=" in part)
        if algorithm != "ACS3-HMAC-SHA256" or parts.get("Credential") != self.credentials.access_key_id:
            self._refuse("aliyun: algorithm or access key")
            return error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        signed = parts.get("SignedHeaders", "").split(";")
        if not {"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce"} <= set(signed):
            self._refuse("aliyun: signed headers")
            return error(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.")
        if headers.get("x-acs-content-sha256") != _sha256(body):
            self._refuse("aliyun: payload hash")
            return error(400, "SignatureDoesNotMatch", "payload hash")
        canonical_query = "&".join(f"{key}={quote(query[key], safe='~')}" for key in sorted(query))
        canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed)
        canonical = "\n".join(
            [method, url.path or "/", canonical_query, canonical_headers, ";".join(signed), _sha256(body)]
        )
        expected = hmac.new(
            self.credentials.access_key_secret.encode(),
            f"ACS3-HMAC-SHA256\n{_sha256(canonical.encode())}".encode(),
            hashlib.sha256,
        ).hexdigest()
        if not hmac.compare_digest(expected, parts.get("Signature", "")):
            self._refuse("aliyun: signature")
            return error(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
        if headers.get("x-acs-action") != "SendSms" or headers.get("x-acs-version") != "2017-05-25":
            return error(404, "InvalidAction.NotFound", "Specified api is not found")
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not query.get(name):
                self._refuse(f"aliyun: {name} missing")
                return error(400, "MissingParameter", f"{name} is mandatory for this action.")
        if "TemplateParam" in query:
            try:
                params = json.loads(query["TemplateParam"])
            except ValueError:
                return error(200, "isv.INVALID_JSON_PARAM", "JSON参数不合法")
        else:
            params = {}
        outcome = self._next_outcome()
        if outcome.startswith("Throttling"):
            return error(400, outcome, "Request was denied due to user flow control.")
        if outcome == "ServiceUnavailable":
            return error(503, outcome, "The request has failed due to a temporary failure of the server.")
        if outcome != "OK":
            return error(200, outcome, outcome)
        biz_id = self._record(
            provider="aliyun", phone=query["PhoneNumbers"], sign_name=query["SignName"],
            template_code=query["TemplateCode"], params=params, idempotency_key=query.get("OutId", ""),
        )  # fmt: skip
        return 200, {"RequestId": request_id, "Code": "OK", "Message": "OK", "BizId": biz_id}

    def _tencent(self, method: str, path: str, headers: dict, body: bytes) -> tuple[int, dict]:
        request_id = secrets.token_hex(16)

        def error(code: str, message: str) -> tuple[int, dict]:
            return 200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}}

        # Authorization: TC3-HMAC-SHA256 Credential=<id>/<date>/sms/tc3_request,
        #                SignedHeaders=content-type;host, Signature=<hex>
        auth = headers.get("authorization", "")
        algorithm, _, rest = auth.partition(" ")
        parts = dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part)
        scope = parts.get("Credential", "").split("/")
        timestamp = headers.get("x-tc-timestamp", "")
        if (
            algorithm != "TC3-HMAC-SHA256"
            or len(scope) != 4
            or scope[0] != self.credentials.secret_id
            or scope[2:] != ["sms", "tc3_request"]
            or not timestamp.isdigit()
            or scope[1] != datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d")
        ):
            self._refuse("tencent: malformed Authorization")
            return error("AuthFailure.SecretIdNotFound", "The SecretId is not found")
        signed = parts.get("SignedHeaders", "").split(";")
        canonical_headers = "".join(f"{name}:{headers.get(name, '')}\n" for name in signed)
        canonical = f"{method}\n{urlsplit(path).path}\n\n{canonical_headers}\n{';'.join(signed)}\n{_sha256(body)}"
        string_to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope[1]}/sms/tc3_request\n{_sha256(canonical.encode())}"
        key = _hmac(_hmac(_hmac(("TC3" + self.credentials.secret_key).encode(), scope[1]), "sms"), "tc3_request")
        expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        if "host" not in signed or not hmac.compare_digest(expected, parts.get("Signature", "")):
            self._refuse("tencent: signature")
            return error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
        if headers.get("x-tc-action") != "SendSms" or headers.get("x-tc-version") != "2021-01-11":
            return error("InvalidAction", "The action does not exist.")
        data = json.loads(body or b"{}")
        for name in ("PhoneNumberSet", "SmsSdkAppId", "TemplateId"):
            if not data.get(name):
                self._refuse(f"tencent: {name} missing")
                return error("MissingParameter", f"The parameter `{name}` is missing.")
        if data["SmsSdkAppId"] != self.credentials.sdk_app_id:
            return error("FailedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId 校验失败")
        phone = data["PhoneNumberSet"][0]
        context = data.get("SessionContext", "")
        outcome = self._next_outcome()
        if outcome != "OK" and not outcome.startswith(TENCENT_PER_NUMBER):
            return error(outcome, outcome)
        if outcome != "OK":
            status = {"SerialNo": "", "PhoneNumber": phone, "Fee": 0, "SessionContext": context, "Code": outcome,
                      "Message": outcome, "IsoCode": "CN"}  # fmt: skip
        else:
            serial = self._record(
                provider="tencent", phone=phone, sign_name=data.get("SignName", ""),
                template_code=data["TemplateId"], params=data.get("TemplateParamSet") or [], idempotency_key=context,
            )  # fmt: skip
            status = {"SerialNo": serial, "PhoneNumber": phone, "Fee": 1, "SessionContext": context, "Code": "Ok",
                      "Message": "send success", "IsoCode": "CN"}  # fmt: skip
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": request_id}}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs allow
            disable_nagle_algorithm = True

            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {key.lower(): value for key, value in self.headers.items()}
                if "x-tc-action" in headers:
                    status, answer = fake._tencent("POST", self.path, headers, body)
                    content_type = "application/json"  # exactly: the Tencent SDK reads errors only then
                else:
                    status, answer = fake._aliyun("POST", self.path, headers, body)
                    content_type = "application/json;charset=utf-8"
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


@pytest.fixture
def fake_sms():
    with FakeSms() as fake:
        yield fake
