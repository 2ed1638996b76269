"""What every adapter answers with, whatever the provider."""

from dataclasses import dataclass
from decimal import Decimal

# Outcome states
PAID = "paid"
PAYING = "paying"  # the customer is confirming in the app (USERPAYING / WAIT_BUYER_PAY)
FAILED = "failed"
CLOSED = "closed"
UNKNOWN = "unknown"  # no clear answer (network, system error): ask again by query


class ProviderError(Exception):
    """The provider could not be reached or refused the request as a whole."""


class SignatureInvalid(Exception):
    """A notification whose signature does not verify with the provider's key."""


@dataclass(frozen=True)
class Outcome:
    state: str
    trade_no: str = ""
    amount: Decimal | None = None
    code_url: str = ""
    message: str = ""


@dataclass(frozen=True)
class Notification:
    out_trade_no: str
    state: str
    trade_no: str = ""
    amount: Decimal | None = None


@dataclass(frozen=True)
class StatementLine:
    kind: str  # TxnKind: charge / refund
    out_trade_no: str  # our out_trade_no, or out_refund_no for refunds
    amount: Decimal
    trade_no: str = ""


def fen(amount: Decimal) -> int:
    """Yuan (2 places) as the integer fen WeChat Pay counts in."""
    return int((amount * 100).to_integral_value())


def yuan(value) -> Decimal:
    return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))
