"""The demo's stand-in for a provider: no network, no real money. It only runs
in demo mode (adapter_for refuses it otherwise). A charge is "paying" at
first and paid on the next query, so the demo shows the whole counter flow."""

from datetime import date

from . import base
from .base import Notification, Outcome, SignatureInvalid, StatementLine


class SandboxAdapter:
    def __init__(self, account):
        self.account = account

    def micropay(self, *, out_trade_no, amount, auth_code, description, store_code) -> Outcome:
        return Outcome(state=base.PAYING)

    def precreate(self, *, out_trade_no, amount, description, notify_url) -> Outcome:
        return Outcome(state=base.PAYING, code_url=f"sandbox://{self.account.provider}/{out_trade_no}")

    def h5(self, *, out_trade_no, amount, description, notify_url, return_url, client_ip) -> Outcome:
        # No provider page to go to: the phone comes straight back, and the next query says paid.
        return Outcome(state=base.PAYING, code_url=return_url)

    def query(self, *, out_trade_no) -> Outcome:
        return Outcome(state=base.PAID, trade_no=f"SANDBOX{out_trade_no}")

    def cancel(self, *, out_trade_no, flow) -> Outcome:
        return Outcome(state=base.CLOSED)

    def refund(self, *, out_refund_no, out_trade_no, amount, total, reason) -> Outcome:
        return Outcome(state=base.PAID, trade_no=f"SANDBOX{out_refund_no}")

    def statement(self, *, day: date) -> list[StatementLine]:
        return []

    def notification(self, **kwargs) -> Notification:
        raise SignatureInvalid("the sandbox sends no notifications")
