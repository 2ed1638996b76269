"""A local stand-in for a provincial health-record platform on 127.0.0.1.

It checks the signature, keeps every request, and answers per record by the
settlement number: `reject[number] = reason` rejects, `fail` set answers 503
(a server error: the uploader retries), anything else is accepted."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakePlatform:
    def __init__(self, *, app_key="k-test", app_secret="s-test"):
        self.app_key = app_key
        self.app_secret = app_secret
        self.received: list[dict] = []
        self.reject: dict[str, str] = {}
        self.fail = False
        self.server = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/api/repair/upload"

    def start(self) -> "FakePlatform":
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                expected = hmac.new(
                    platform.app_secret.encode(), self.headers["X-Timestamp"].encode() + body, hashlib.sha256
                ).hexdigest()
                if self.headers.get("X-App-Key") != platform.app_key or self.headers.get("X-Sign") != expected:
                    return self._answer(401, {"code": "401", "message": "签名错误"})
                payload = json.loads(body)
                platform.received.append(payload)
                if platform.fail:
                    return self._answer(503, {"code": "503", "message": "服务暂不可用"})
                reason = platform.reject.get(payload["costlistcode"])
                if reason:
                    return self._answer(200, {"code": "1", "message": reason})
                return self._answer(200, {"code": "0", "message": "成功"})

            def _answer(self, status, data):
                raw = json.dumps(data, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
