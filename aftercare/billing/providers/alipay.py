"""Alipay through the `python-alipay-sdk` SDK: 当面付 (face-to-face payment).

Micropay is `alipay.trade.pay` with scene `bar_code`; the QR flow is
`alipay.trade.precreate`. Every synchronous answer is verified by the SDK with
the Alipay public key; notifications are verified here with the same key."""

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.request import urlopen

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from alipay.utils import AliPayConfig

from . import base
from .base import Notification, Outcome, ProviderError, SignatureInvalid, StatementLine

PRODUCTION = "https://openapi.alipay.com/gateway.do"
TIMEOUT = 15
STATES = {
    "TRADE_SUCCESS": base.PAID,
    "TRADE_FINISHED": base.PAID,
    "WAIT_BUYER_PAY": base.PAYING,
    "TRADE_CLOSED": base.CLOSED,
}


def _money(value) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        return None


class AlipayAdapter:
    def __init__(self, account):
        self.account = account
        try:
            self.client = AliPay(
                appid=account.app_id,
                app_private_key_string=account.private_key,
                alipay_public_key_string=account.provider_public_key,
                sign_type="RSA2",
                config=AliPayConfig(timeout=TIMEOUT),
            )
        except Exception as error:  # bad key text
            raise ProviderError(f"Alipay account is not usable: {error}") from error
        # The SDK has no parameter for the gateway; a test server sets it here.
        self.client._gateway = account.api_base_url or PRODUCTION

    def _call(self, method, *args, **kwargs) -> dict:
        try:
            return method(*args, **kwargs)
        except AliPayValidationError as error:
            raise ProviderError("Alipay answer failed its signature check") from error
        except AliPayException as error:
            raise ProviderError(str(error)[:200]) from error
        except OSError as error:  # connection refused, timeout
            raise ProviderError(str(error)) from error

    @staticmethod
    def _outcome(data: dict, paid_without_status: bool = False) -> Outcome:
        code = data.get("code", "")
        message = (data.get("sub_msg") or data.get("msg") or "")[:200]
        if code == "10000":
            status = data.get("trade_status")
            state = STATES.get(status, base.UNKNOWN) if status else (base.PAID if paid_without_status else base.UNKNOWN)
            return Outcome(
                state=state, trade_no=data.get("trade_no", ""), amount=_money(data.get("total_amount")),
                message=message,
            )  # fmt: skip
        if code == "10003":  # waiting for the customer to confirm in the app
            return Outcome(state=base.PAYING, trade_no=data.get("trade_no", ""), message=message)
        if code == "20000":  # system busy: the outcome is unknown
            return Outcome(state=base.UNKNOWN, message=message)
        return Outcome(state=base.FAILED, message=message or code)

    def micropay(self, *, out_trade_no: str, amount: Decimal, auth_code: str, description: str, store_code: str):
        data = self._call(
            self.client.api_alipay_trade_pay, out_trade_no, "bar_code", auth_code, description,
            total_amount=str(amount), store_id=store_code,
        )  # fmt: skip
        return self._outcome(data, paid_without_status=True)

    def precreate(self, *, out_trade_no: str, amount: Decimal, description: str, notify_url: str) -> Outcome:
        data = self._call(
            self.client.api_alipay_trade_precreate, description, out_trade_no, str(amount), notify_url=notify_url
        )
        if data.get("code") == "10000" and data.get("qr_code"):
            return Outcome(state=base.PAYING, code_url=data["qr_code"])
        return self._outcome(data)

    def h5(self, *, out_trade_no: str, amount: Decimal, description: str, notify_url: str, return_url: str,
           client_ip: str) -> Outcome:  # fmt: skip
        """手机网站支付 (`alipay.trade.wap.pay`): a signed request the phone's browser opens at
        the gateway; no call is made here. The trade exists at Alipay once the customer opens it
        (a query before says "no such trade", which is read as still paying)."""
        try:
            signed = self.client.api_alipay_trade_wap_pay(
                description, out_trade_no, str(amount), return_url=return_url, notify_url=notify_url
            )
        except Exception as error:  # a key the SDK cannot sign with
            raise ProviderError(str(error)[:200]) from error
        return Outcome(state=base.PAYING, code_url=f"{self.client._gateway}?{signed}")

    def query(self, *, out_trade_no: str) -> Outcome:
        data = self._call(self.client.api_alipay_trade_query, out_trade_no=out_trade_no)
        if data.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            # A QR order exists at Alipay only once the customer has scanned it.
            return Outcome(state=base.PAYING, message=data.get("sub_msg", ""))
        return self._outcome(data)

    def cancel(self, *, out_trade_no: str, flow: str) -> Outcome:
        """撤销: closes an unpaid trade, and gives back money that did arrive."""
        data = self._call(self.client.api_alipay_trade_cancel, out_trade_no=out_trade_no)
        if data.get("code") == "10000":
            return Outcome(state=base.CLOSED, message=data.get("action", ""))
        return Outcome(state=base.UNKNOWN, message=(data.get("sub_msg") or data.get("msg") or "")[:200])

    def refund(self, *, out_refund_no: str, out_trade_no: str, amount: Decimal, total: Decimal, reason: str):
        data = self._call(
            self.client.api_alipay_trade_refund, str(amount), out_trade_no=out_trade_no,
            out_request_no=out_refund_no, refund_reason=reason[:80],
        )  # fmt: skip
        if data.get("code") == "10000":
            return Outcome(state=base.PAID, trade_no=data.get("trade_no", ""))
        return Outcome(state=base.FAILED, message=(data.get("sub_msg") or data.get("msg") or "")[:200])

    def statement(self, *, day: date) -> list[StatementLine]:
        """The day's trade statement (业务明细), a zip of GBK CSV files."""
        data = self._call(
            self.client.server_api, "alipay.data.dataservice.bill.downloadurl.query",
            {"bill_type": "trade", "bill_date": day.isoformat()},
        )  # fmt: skip
        url = data.get("bill_download_url")
        if data.get("code") != "10000" or not url:
            raise ProviderError(data.get("sub_msg") or data.get("msg") or "no statement")
        try:
            raw = urlopen(url, timeout=TIMEOUT).read()  # noqa: S310 - the URL Alipay's signed answer gave
        except OSError as error:
            raise ProviderError(str(error)) from error
        return parse_trade_statement(raw)

    def notification(self, *, data: dict) -> Notification:
        fields = {key: value for key, value in data.items()}
        signature = fields.pop("sign", "")
        fields.pop("sign_type", None)
        try:
            valid = bool(signature) and self.client.verify(fields, signature)
        except Exception as error:  # malformed base64 and the like
            raise SignatureInvalid(str(error)) from error
        if not valid or fields.get("app_id") != self.account.app_id:
            raise SignatureInvalid("signature does not verify")
        return Notification(
            out_trade_no=fields.get("out_trade_no", ""),
            state=STATES.get(fields.get("trade_status", ""), base.UNKNOWN),
            trade_no=fields.get("trade_no", ""),
            amount=_money(fields.get("total_amount")),
        )


STATEMENT_HEADER = [
    "支付宝交易号", "商户订单号", "业务类型", "商品名称", "创建时间", "完成时间", "门店编号", "门店名称", "操作员",
    "终端号", "对方账户", "订单金额（元）", "商家实收（元）", "支付宝红包（元）", "集分宝（元）", "支付宝优惠（元）",
    "商家优惠（元）", "券核销金额（元）", "券名称", "商家红包消费金额（元）", "卡消费金额（元）", "退款批次号/请求号",
    "服务费（元）", "分润（元）", "备注",
]  # fmt: skip


def parse_trade_statement(raw: bytes) -> list[StatementLine]:
    lines = []
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        for name in archive.namelist():
            if "汇总" in name:
                continue  # the summary file; the details are in 业务明细
            text = archive.read(name).decode("gbk")
            rows = [row for row in csv.reader(io.StringIO(text)) if row and not row[0].startswith("#")]
            if not rows:
                continue
            column = {title.strip(): index for index, title in enumerate(rows[0])}
            for row in rows[1:]:
                row = [value.strip() for value in row]
                amount = _money(row[column["订单金额（元）"]])
                if amount is None:
                    continue
                if row[column["业务类型"]] == "退款":
                    lines.append(StatementLine(
                        kind="refund", out_trade_no=row[column["退款批次号/请求号"]], amount=abs(amount),
                        trade_no=row[column["支付宝交易号"]],
                    ))  # fmt: skip
                else:
                    lines.append(StatementLine(
                        kind="charge", out_trade_no=row[column["商户订单号"]], amount=amount,
                        trade_no=row[column["支付宝交易号"]],
                    ))  # fmt: skip
    return lines
