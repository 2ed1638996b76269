"""WeChat Pay API v3 through the `wechatpayv3` SDK (直连商户).

Micropay (付款码) is v3's codepay (`/v3/pay/transactions/codepay`), which the
SDK supports with `pay_type=CODEPAY`, so no v2 XML call is needed. The QR
flow is native (`code_url`). Responses and notifications are verified with
the platform public key (`public_key` / `public_key_id`), so no certificate
download happens when the client is built."""

import gzip
import json
from datetime import date
from decimal import Decimal
from urllib.parse import quote

from wechatpayv3 import WeChatPay, WeChatPayType

from . import base
from .base import Notification, Outcome, ProviderError, SignatureInvalid, StatementLine, fen, yuan

PRODUCTION = "https://api.mch.weixin.qq.com"
TIMEOUT = (5, 15)
STATES = {
    "SUCCESS": base.PAID,
    "REFUND": base.PAID,  # paid, then (part) refunded: the charge itself stands
    "USERPAYING": base.PAYING,
    "NOTPAY": base.PAYING,
    "ACCEPT": base.PAYING,
    "CLOSED": base.CLOSED,
    "REVOKED": base.CLOSED,
    "PAYERROR": base.FAILED,
}
# Error codes that leave the outcome open: ask again by query.
RETRY_CODES = {"USERPAYING", "SYSTEMERROR", "SYSTEM_ERROR", "BANKERROR", "FREQUENCY_LIMITED"}


class WeChatAdapter:
    def __init__(self, account):
        self.account = account
        try:
            self.client = WeChatPay(
                wechatpay_type=WeChatPayType.NATIVE,
                mchid=account.merchant_id,
                private_key=account.private_key,
                cert_serial_no=account.cert_serial_no,
                appid=account.app_id,
                apiv3_key=account.api_key,
                public_key=account.provider_public_key,
                public_key_id=account.provider_public_key_id,
                timeout=TIMEOUT,
            )
        except Exception as error:  # the SDK raises bare Exceptions on bad keys
            raise ProviderError(f"WeChat Pay account is not usable: {error}") from error
        # The SDK has no parameter for the gateway; a test server sets it here.
        self.client._core._gate_way = (account.api_base_url or PRODUCTION).rstrip("/")

    def _call(self, method, *args, **kwargs) -> tuple[int, dict]:
        try:
            code, text = method(*args, **kwargs)
        except Exception as error:  # connection errors and failed response signatures
            raise ProviderError(str(error)) from error
        try:
            data = json.loads(text) if text else {}
        except (TypeError, ValueError):
            data = {}
        return code, data

    def _outcome(self, code: int, data: dict) -> Outcome:
        if 200 <= code < 300:
            state = STATES.get(data.get("trade_state", ""), base.PAYING if code == 202 else base.UNKNOWN)
            total = (data.get("amount") or {}).get("total")
            return Outcome(
                state=state,
                trade_no=data.get("transaction_id", ""),
                amount=yuan(total) if total is not None else None,
                message=data.get("trade_state_desc", ""),
            )
        error = data.get("code", "")
        if error in RETRY_CODES or code >= 500:
            return Outcome(
                state=base.PAYING if error == "USERPAYING" else base.UNKNOWN, message=data.get("message", "")
            )
        return Outcome(state=base.FAILED, message=(data.get("message") or error)[:200])

    def micropay(self, *, out_trade_no: str, amount: Decimal, auth_code: str, description: str, store_code: str):
        code, data = self._call(
            self.client.pay, description=description, out_trade_no=out_trade_no,
            amount={"total": fen(amount), "currency": "CNY"}, payer={"auth_code": auth_code},
            scene_info={"store_info": {"out_id": store_code}}, pay_type=WeChatPayType.CODEPAY,
        )  # fmt: skip
        return self._outcome(code, data)

    def precreate(self, *, out_trade_no: str, amount: Decimal, description: str, notify_url: str) -> Outcome:
        code, data = self._call(
            self.client.pay, description=description, out_trade_no=out_trade_no,
            amount={"total": fen(amount), "currency": "CNY"}, notify_url=notify_url, pay_type=WeChatPayType.NATIVE,
        )  # fmt: skip
        if 200 <= code < 300 and data.get("code_url"):
            return Outcome(state=base.PAYING, code_url=data["code_url"])
        return self._outcome(code, data) if code >= 300 else Outcome(state=base.FAILED, message="no code_url")

    def h5(self, *, out_trade_no: str, amount: Decimal, description: str, notify_url: str, return_url: str,
           client_ip: str) -> Outcome:  # fmt: skip
        """H5 payment (/v3/pay/transactions/h5): WeChat answers an `h5_url` the phone's browser
        opens (valid 5 minutes); WeChat sends the customer back to `return_url` afterwards."""
        code, data = self._call(
            self.client.pay, description=description, out_trade_no=out_trade_no,
            amount={"total": fen(amount), "currency": "CNY"}, notify_url=notify_url, pay_type=WeChatPayType.H5,
            scene_info={"payer_client_ip": client_ip, "h5_info": {"type": "Wap"}},
        )  # fmt: skip
        if 200 <= code < 300 and data.get("h5_url"):
            return Outcome(state=base.PAYING, code_url=f"{data['h5_url']}&redirect_url={quote(return_url, safe='')}")
        return self._outcome(code, data) if code >= 300 else Outcome(state=base.FAILED, message="no h5_url")

    def query(self, *, out_trade_no: str) -> Outcome:
        code, data = self._call(self.client.query, out_trade_no=out_trade_no)
        if code == 404 or data.get("code") == "ORDER_NOT_EXIST":
            return Outcome(state=base.CLOSED, message=data.get("message", ""))
        return self._outcome(code, data)

    def cancel(self, *, out_trade_no: str, flow: str) -> Outcome:
        """Stop an unpaid order: a micropay is reversed (撤销, which also returns
        money that did arrive), a QR order is closed (refused when already paid)."""
        if flow == "micropay":
            code, data = self._call(self.client.codepay_reverse, out_trade_no=out_trade_no)
        else:
            code, data = self._call(self.client.close, out_trade_no=out_trade_no)
        if 200 <= code < 300:
            return Outcome(state=base.CLOSED)
        if data.get("code") == "ORDERPAID":
            return Outcome(state=base.PAID, message=data.get("message", ""))
        return Outcome(state=base.UNKNOWN, message=data.get("message", ""))

    def refund(self, *, out_refund_no: str, out_trade_no: str, amount: Decimal, total: Decimal, reason: str):
        code, data = self._call(
            self.client.refund, out_refund_no=out_refund_no, out_trade_no=out_trade_no, reason=reason[:80],
            amount={"refund": fen(amount), "total": fen(total), "currency": "CNY"},
        )  # fmt: skip
        if 200 <= code < 300 and data.get("status") in ("SUCCESS", "PROCESSING"):
            return Outcome(state=base.PAID, trade_no=data.get("refund_id", ""))
        return Outcome(state=base.FAILED, message=(data.get("message") or data.get("status") or "")[:200])

    def statement(self, *, day: date) -> list[StatementLine]:
        """The day's trade bill (交易账单): successful charges and refunds."""
        code, data = self._call(self.client.trade_bill, bill_date=day.isoformat(), bill_type="ALL", tar_type="GZIP")
        if code != 200 or not data.get("download_url"):
            raise ProviderError(data.get("message") or f"trade bill: HTTP {code}")
        try:
            code, content = self.client.download_bill(data["download_url"])
        except Exception as error:
            raise ProviderError(str(error)) from error
        if code != 200:
            raise ProviderError(f"bill download: HTTP {code}")
        raw = content if isinstance(content, bytes) else content.encode()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        return parse_trade_bill(raw.decode("utf-8-sig"))

    def notification(self, *, headers, body: bytes) -> Notification:
        try:
            data = self.client._core.callback(headers=headers, body=body)
        except Exception as error:
            raise SignatureInvalid(str(error)) from error
        if not data:
            raise SignatureInvalid("signature or decryption failed")
        resource = data.get("resource") or {}
        total = (resource.get("amount") or {}).get("total")
        return Notification(
            out_trade_no=resource.get("out_trade_no", ""),
            state=STATES.get(resource.get("trade_state", ""), base.UNKNOWN),
            trade_no=resource.get("transaction_id", ""),
            amount=yuan(total) if total is not None else None,
        )


def parse_trade_bill(text: str) -> list[StatementLine]:
    """WeChat's trade bill: a header row, then one row per trade with every
    field prefixed by a backquote, then a summary."""
    rows = [line for line in text.splitlines() if line.strip()]
    if not rows:
        return []
    header = [name.strip() for name in rows[0].split(",")]
    column = {name: index for index, name in enumerate(header)}
    lines = []
    for row in rows[1:]:
        if not row.startswith("`"):
            break  # the summary that closes the bill
        fields = [value.lstrip("`").strip() for value in row.split(",")]
        if len(fields) < len(header):
            continue
        if fields[column["交易状态"]] == "REFUND":
            lines.append(StatementLine(
                kind="refund", out_trade_no=fields[column["商户退款单号"]],
                amount=Decimal(fields[column["退款金额"]]), trade_no=fields[column["微信退款单号"]],
            ))  # fmt: skip
        elif fields[column["交易状态"]] == "SUCCESS":
            lines.append(StatementLine(
                kind="charge", out_trade_no=fields[column["商户订单号"]],
                amount=Decimal(fields[column["应结订单金额"]]), trade_no=fields[column["微信订单号"]],
            ))  # fmt: skip
    return lines


TRADE_BILL_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
    "应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
    "手续费,费率,订单金额,申请退款金额,费率备注"
)
