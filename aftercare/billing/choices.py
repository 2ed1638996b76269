"""Choices of settlement and payment."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Bank card")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    TRANSFER = "transfer", _("Bank transfer")
    # Accepted as a method; the stored-value balance itself belongs to loyalty.
    STORED_VALUE = "stored_value", _("Stored value")
    # One use of a package card (套餐卡抵扣) covering one line; the uses are loyalty's.
    PACKAGE_CARD = "package_card", _("Package card")
    # A coupon's discount, recorded against the order; the coupon is loyalty's.
    COUPON = "coupon", _("Coupon")


# Records that settle part of an order without money changing hands (抵扣): a
# package-card use and a coupon's discount. They reduce the balance like a
# payment, but are neither revenue received nor money to give back: the
# statement lists them as deductions, the cash desk's takings leave them out,
# and cancelling the order gives them back (docs/DOMAIN.md §13.2).
ALLOWANCE_METHODS = frozenset({PaymentMethod.PACKAGE_CARD, PaymentMethod.COUPON})


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")
    REVERSAL = "reversal", _("Reversal")


# Repair types whose delivery counts as the vehicle's periodic maintenance.
MAINTENANCE_REPAIR_TYPES = ("periodic", "first_free")


class Provider(models.TextChoices):
    """The payment providers a store can take money through at the counter."""

    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")


class PayFlow(models.TextChoices):
    # 付款码: the cashier scans the code in the customer's app.
    MICROPAY = "micropay", _("Scan the customer's payment code")
    # 扫码付: the customer scans the QR code the cashier shows.
    QR = "qr", _("Customer scans our QR code")
    # 手机网页支付: the customer pays from the phone link (WeChat Pay H5, Alipay 手机网站支付).
    H5 = "h5", _("Customer pays on the phone")


class TxnKind(models.TextChoices):
    CHARGE = "charge", _("Charge")
    REFUND = "refund", _("Refund")


class TxnStatus(models.TextChoices):
    CREATED = "created", _("Sent to the provider")
    PAYING = "paying", _("Customer is paying")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    CLOSED = "closed", _("Cancelled")


OPEN_TXN_STATUSES = (TxnStatus.CREATED, TxnStatus.PAYING)


class DifferenceKind(models.TextChoices):
    MISSING_HERE = "missing_here", _("On the provider's statement, not posted here")
    MISSING_THERE = "missing_there", _("Posted here, not on the provider's statement")
    AMOUNT = "amount", _("Amounts differ")


class InvoiceKind(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    COMPANY = "company", _("Company")


class InvoiceStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    # "Issued" alone is the parts store's 已发料; an invoice is 已开具.
    ISSUED = "issued", pgettext_lazy("invoice", "Issued")
