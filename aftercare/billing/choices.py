"""Choices of settlement and payment."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")
    REVERSAL = "reversal", _("Reversal")


# Repair types whose delivery counts as the vehicle's periodic maintenance.
MAINTENANCE_REPAIR_TYPES = ("periodic", "first_free")
