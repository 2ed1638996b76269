"""A local stand-in for the WeChat Pay v3 and Alipay gateways, served on
127.0.0.1 at a random port, so the real adapters (and the providers' own SDKs
inside them) run against it and nothing goes to the internet.

It keeps real signatures both ways: requests must carry the merchant's
signature (WeChat's Authorization header, Alipay's `sign`), answers and
notifications are signed with the provider's key, and WeChat notifications are
encrypted with the API v3 key. Tests choose the customer's behaviour by the
last digit of the payment code: 1 pays at once, 2 is "user is paying" until
`confirm()`, 3 is refused (not enough balance)."""

import base64
import gzip
import io
import json
import secrets
import threading
import time
import zipfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from aftercare.billing.providers.alipay import STATEMENT_HEADER
from aftercare.billing.providers.wechat import TRADE_BILL_HEADER


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def sign(key, message: str) -> str:
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def verify(public_key, message: str, signature: str) -> bool:
    try:
        public_key.verify(base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256())
        return True
    except (InvalidSignature, ValueError):
        return False


@dataclass
class Keys:
    """Every key pair a test store needs, made once per test session."""

    wechat_merchant: rsa.RSAPrivateKey = field(default_factory=new_key)
    wechat_platform: rsa.RSAPrivateKey = field(default_factory=new_key)
    alipay_app: rsa.RSAPrivateKey = field(default_factory=new_key)
    alipay_platform: rsa.RSAPrivateKey = field(default_factory=new_key)
    forger: rsa.RSAPrivateKey = field(default_factory=new_key)
    apiv3_key: str = "0123456789abcdef0123456789abcdef"
    public_key_id: str = "PUB_KEY_ID_0114000000000000000000000001"
    mchid: str = "1900000109"
    wechat_appid: str = "wx8888888888888888"
    alipay_appid: str = "2021000000000001"
    serial_no: str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"


@dataclass
class Trade:
    provider: str
    out_trade_no: str
    amount: Decimal
    state: str  # SUCCESS / USERPAYING / NOTPAY / CLOSED / REVOKED / PAYERROR
    trade_no: str
    flow: str
    refunds: list = field(default_factory=list)  # (out_refund_no, amount)


class FakeProvider:
    def __init__(self, keys: Keys):
        self.keys = keys
        self.trades: dict[str, Trade] = {}
        self.requests: list[str] = []
        self.statement_extra: list[tuple[str, str, Decimal]] = []  # (provider, out_trade_no, amount)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeProvider":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what a test does as the customer ------------------------------------------------

    def confirm(self, out_trade_no: str) -> None:
        """The customer confirms in the app (or scans the QR code and pays)."""
        with self.lock:
            self.trades[out_trade_no].state = "SUCCESS"

    def wechat_notification(self, out_trade_no: str, *, forged: bool = False) -> tuple[dict, bytes]:
        trade = self.trades[out_trade_no]
        resource = {
            "mchid": self.keys.mchid, "appid": self.keys.wechat_appid, "out_trade_no": out_trade_no,
            "transaction_id": trade.trade_no, "trade_type": "NATIVE", "trade_state": trade.state,
            "amount": {"total": int(trade.amount * 100), "payer_total": int(trade.amount * 100), "currency": "CNY"},
        }  # fmt: skip
        nonce = secrets.token_hex(6)
        ciphertext = AESGCM(self.keys.apiv3_key.encode()).encrypt(
            nonce.encode(), json.dumps(resource).encode(), b"transaction"
        )
        body = json.dumps({
            "id": secrets.token_hex(8), "create_time": "2026-12-06T10:00:00+08:00",
            "event_type": "TRANSACTION.SUCCESS", "resource_type": "encrypt-resource", "summary": "支付成功",
            "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                         "ciphertext": base64.b64encode(ciphertext).decode(), "associated_data": "transaction",
                         "nonce": nonce},
        })  # fmt: skip
        return self._wechat_headers(body, forged=forged), body.encode()

    def alipay_notification(self, out_trade_no: str, *, forged: bool = False) -> dict:
        trade = self.trades[out_trade_no]
        fields = {
            "notify_time": "2026-12-06 10:00:00", "notify_type": "trade_status_sync", "notify_id": secrets.token_hex(8),
            "app_id": self.keys.alipay_appid, "charset": "utf-8", "version": "1.0", "trade_no": trade.trade_no,
            "out_trade_no": out_trade_no,
            "trade_status": "TRADE_SUCCESS" if trade.state == "SUCCESS" else "WAIT_BUYER_PAY",
            "total_amount": str(trade.amount),
        }  # fmt: skip
        message = "&".join(f"{key}={value}" for key, value in sorted(fields.items()))
        key = self.keys.forger if forged else self.keys.alipay_platform
        return {**fields, "sign_type": "RSA2", "sign": sign(key, message)}

    # --- the gateways ------------------------------------------------------------------------

    def _wechat_headers(self, body: str, *, forged: bool = False) -> dict:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
        key = self.keys.forger if forged else self.keys.wechat_platform
        return {
            "Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": nonce, "Wechatpay-Serial": self.keys.public_key_id,
            "Wechatpay-Signature": sign(key, f"{timestamp}\n{nonce}\n{body}\n"),
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        }  # fmt: skip

    def _wechat(self, method: str, path: str, body: str, authorization: str) -> tuple[int, dict | bytes]:
        fields = dict(
            part.split("=", 1) for part in authorization.removeprefix("WECHATPAY2-SHA256-RSA2048 ").split(",")
        )
        fields = {k: v.strip('"') for k, v in fields.items()}
        message = f"{method}\n{path}\n{fields.get('timestamp')}\n{fields.get('nonce_str')}\n{body}\n"
        if fields.get("mchid") != self.keys.mchid or not verify(
            self.keys.wechat_merchant.public_key(), message, fields.get("signature", "")
        ):
            return 401, {"code": "SIGN_ERROR", "message": "签名错误"}
        url = urlsplit(path)
        data = json.loads(body) if body else {}
        with self.lock:
            if url.path == "/v3/pay/transactions/codepay":
                code = data["payer"]["auth_code"]
                total = Decimal(data["amount"]["total"]) / 100
                if code.endswith("3"):
                    return 403, {"code": "NOTENOUGH", "message": "余额不足"}
                trade = self._new("wechat", data["out_trade_no"], total, "micropay")
                if code.endswith("2"):
                    trade.state = "USERPAYING"
                    return 202, {"code": "USERPAYING", "message": "需要用户输入支付密码"}
                trade.state = "SUCCESS"
                return 200, self._wechat_trade(trade)
            if url.path == "/v3/pay/transactions/native":
                trade = self._new("wechat", data["out_trade_no"], Decimal(data["amount"]["total"]) / 100, "qr")
                trade.state = "NOTPAY"
                return 200, {"code_url": f"weixin://wxpay/bizpayurl?pr={secrets.token_hex(4)}"}
            if url.path == "/v3/pay/transactions/h5":
                if not (data.get("scene_info") or {}).get("payer_client_ip"):
                    return 400, {"code": "PARAM_ERROR", "message": "缺少payer_client_ip"}
                trade = self._new("wechat", data["out_trade_no"], Decimal(data["amount"]["total"]) / 100, "h5")
                trade.state = "NOTPAY"
                return 200, {"h5_url": f"{self.url}/checkmweb?prepay_id=wx{secrets.token_hex(8)}"}
            if url.path.startswith("/v3/pay/transactions/out-trade-no/"):
                number = url.path.split("/")[5]
                trade = self.trades.get(number)
                if trade is None:
                    return 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
                if url.path.endswith("/reverse"):
                    trade.state = "REVOKED"
                    return 200, {}
                if url.path.endswith("/close"):
                    if trade.state == "SUCCESS":
                        return 400, {"code": "ORDERPAID", "message": "订单已支付"}
                    trade.state = "CLOSED"
                    return 204, {}
                return 200, self._wechat_trade(trade)
            if url.path == "/v3/refund/domestic/refunds":
                trade = self.trades.get(data.get("out_trade_no"))
                if trade is None or trade.state != "SUCCESS":
                    return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"}
                trade.refunds.append((data["out_refund_no"], Decimal(data["amount"]["refund"]) / 100))
                return 200, {"refund_id": f"50{secrets.token_hex(8)}", "out_refund_no": data["out_refund_no"],
                             "status": "SUCCESS"}  # fmt: skip
            if url.path == "/v3/bill/tradebill":
                day = dict(parse_qsl(url.query))["bill_date"]
                return 200, {"download_url": f"{self.url}/v3/billdownload/file?day={day}", "hash_type": "SHA1"}
            if url.path == "/v3/billdownload/file":
                return 200, gzip.compress(self._wechat_bill().encode())
        return 404, {"code": "NOT_FOUND", "message": path}

    def _new(self, provider: str, number: str, amount: Decimal, flow: str) -> Trade:
        trade = Trade(provider, number, amount.quantize(Decimal("0.01")), "NOTPAY", f"42{secrets.token_hex(10)}", flow)
        self.trades[number] = trade
        return trade

    def _wechat_trade(self, trade: Trade) -> dict:
        return {
            "appid": self.keys.wechat_appid, "mchid": self.keys.mchid, "out_trade_no": trade.out_trade_no,
            "transaction_id": trade.trade_no, "trade_state": trade.state, "trade_state_desc": trade.state,
            "amount": {"total": int(trade.amount * 100), "currency": "CNY"},
        }  # fmt: skip

    def _paid_lines(self, provider: str):
        for trade in self.trades.values():
            if trade.provider == provider and trade.state == "SUCCESS":
                yield "charge", trade, trade.out_trade_no, trade.amount
                for number, amount in trade.refunds:
                    yield "refund", trade, number, amount
        for extra_provider, number, amount in self.statement_extra:
            if extra_provider == provider:
                yield "charge", Trade(provider, number, amount, "SUCCESS", "42EXTRA", "qr"), number, amount

    def _wechat_bill(self) -> str:
        rows = [TRADE_BILL_HEADER]
        for kind, trade, number, amount in self._paid_lines("wechat"):
            fields = [""] * len(TRADE_BILL_HEADER.split(","))
            fields[5], fields[6], fields[9] = trade.trade_no, trade.out_trade_no, "SUCCESS"
            fields[12] = str(trade.amount)
            if kind == "refund":
                fields[9], fields[12], fields[14], fields[15], fields[16] = "REFUND", "0.00", "50X", number, str(amount)
            rows.append(",".join(f"`{value}" for value in fields))
        rows += [
            "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额",
            "`0,`0,`0,`0,`0,`0,`0",
        ]
        return "\n".join(rows)

    def _alipay_bill(self) -> bytes:
        out = io.StringIO()
        out.write("#支付宝业务明细查询\n#账号：[20880000000000000156]\n")
        out.write(",".join(STATEMENT_HEADER) + "\n")
        for kind, trade, number, amount in self._paid_lines("alipay"):
            fields = [""] * len(STATEMENT_HEADER)
            fields[0], fields[1], fields[2], fields[11] = trade.trade_no, trade.out_trade_no, "交易", str(amount)
            if kind == "refund":
                fields[2], fields[11], fields[21] = "退款", str(-amount), number
            out.write(",".join(fields) + "\n")
        out.write("#-----业务明细列表结束-----\n")
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as bundle:
            bundle.writestr("20880000000000000156_业务明细.csv", out.getvalue().encode("gbk"))
            bundle.writestr("20880000000000000156_业务明细(汇总).csv", "#汇总\n".encode("gbk"))
        return archive.getvalue()

    def _alipay(self, query: str) -> tuple[int, str]:
        params = dict(parse_qsl(query, keep_blank_values=True))
        signature = params.pop("sign", "")
        message = "&".join(f"{key}={value}" for key, value in sorted(params.items()))
        method = params.get("method", "")
        response_type = method.replace(".", "_") + "_response"
        if params.get("app_id") != self.keys.alipay_appid or not verify(
            self.keys.alipay_app.public_key(), message, signature
        ):
            content = {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature"}
            return 200, json.dumps({"error_response": content})
        biz = json.loads(params.get("biz_content") or "{}")
        if method == "alipay.trade.wap.pay":
            # The phone's browser opens the cashier page: the trade exists at Alipay from now on.
            with self.lock:
                if biz["out_trade_no"] not in self.trades:
                    self._new("alipay", biz["out_trade_no"], Decimal(biz["total_amount"]), "h5")
            return 200, "<html><body>支付宝收银台</body></html>"
        with self.lock:
            content = self._alipay_method(method, biz)
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        return 200, f'{{"{response_type}":{text},"sign":"{sign(self.keys.alipay_platform, text)}"}}'

    def _alipay_method(self, method: str, biz: dict) -> dict:
        ok = {"code": "10000", "msg": "Success"}
        if method == "alipay.trade.pay":
            code = biz["auth_code"]
            if code.endswith("3"):
                return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.BUYER_BALANCE_NOT_ENOUGH",
                        "sub_msg": "买家余额不足"}  # fmt: skip
            trade = self._new("alipay", biz["out_trade_no"], Decimal(biz["total_amount"]), "micropay")
            if code.endswith("2"):
                trade.state = "USERPAYING"
                return {"code": "10003", "msg": "order success pay inprocess", "trade_no": trade.trade_no,
                        "out_trade_no": trade.out_trade_no}  # fmt: skip
            trade.state = "SUCCESS"
            return {**ok, "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no,
                    "total_amount": str(trade.amount)}  # fmt: skip
        if method == "alipay.trade.precreate":
            trade = self._new("alipay", biz["out_trade_no"], Decimal(biz["total_amount"]), "qr")
            return {
                **ok,
                "out_trade_no": trade.out_trade_no,
                "qr_code": f"https://qr.alipay.com/bax{secrets.token_hex(6)}",
            }
        trade = self.trades.get(biz.get("out_trade_no", ""))
        if method == "alipay.data.dataservice.bill.downloadurl.query":
            return {**ok, "bill_download_url": f"{self.url}/alipay-bill?day={biz['bill_date']}"}
        if trade is None:
            return {
                "code": "40004",
                "msg": "Business Failed",
                "sub_code": "ACQ.TRADE_NOT_EXIST",
                "sub_msg": "交易不存在",
            }
        if method == "alipay.trade.query":
            status = {"SUCCESS": "TRADE_SUCCESS", "USERPAYING": "WAIT_BUYER_PAY", "NOTPAY": "WAIT_BUYER_PAY"}.get(
                trade.state, "TRADE_CLOSED"
            )
            return {**ok, "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no, "trade_status": status,
                    "total_amount": str(trade.amount)}  # fmt: skip
        if method == "alipay.trade.cancel":
            action = "refund" if trade.state == "SUCCESS" else "close"
            trade.state = "CLOSED"
            return {**ok, "out_trade_no": trade.out_trade_no, "retry_flag": "N", "action": action}
        if method == "alipay.trade.refund":
            if trade.state != "SUCCESS":
                return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_STATUS_ERROR"}
            trade.refunds.append((biz["out_request_no"], Decimal(biz["refund_amount"])))
            return {**ok, "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no, "fund_change": "Y",
                    "refund_fee": biz["refund_amount"]}  # fmt: skip
        return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.UNSUPPORTED"}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, code: int, payload, content_type: str = "application/json") -> None:
                if isinstance(payload, bytes):
                    body, content_type = payload, "application/octet-stream"
                else:
                    body = (
                        payload
                        if isinstance(payload, str)
                        else json.dumps(payload)
                        if payload != {} or code != 204
                        else ""
                    ).encode()
                headers = {}
                if self.path.startswith("/v3/") and content_type == "application/json":
                    headers = fake._wechat_headers(body.decode())
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _route(self, method: str) -> None:
                fake.requests.append(f"{method} {self.path}")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                if self.path.startswith("/v3/"):
                    code, payload = fake._wechat(method, self.path, body, self.headers.get("Authorization", ""))
                    self._answer(code, payload)
                elif self.path.startswith("/gateway.do"):
                    code, text = fake._alipay(urlsplit(self.path).query)
                    self._answer(code, text, "text/html;charset=utf-8")
                elif self.path.startswith("/checkmweb"):  # WeChat's H5 cashier page the phone opens
                    self._answer(200, "<html><body>微信支付</body></html>", "text/html;charset=utf-8")
                elif self.path.startswith("/alipay-bill"):
                    self._answer(200, fake._alipay_bill())
                else:
                    self._answer(404, {"code": "NOT_FOUND"})

            def do_GET(self):
                self._route("GET")

            def do_POST(self):
                self._route("POST")

        return Handler


def today() -> date:
    return date.today()
