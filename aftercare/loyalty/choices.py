"""Choices of the ledger, member cards and stored value."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Unit(models.TextChoices):
    """What an account counts: its postings balance to zero per unit."""

    MONEY = "money", _("Yuan")
    POINTS = "points", _("Points")
    USES = "uses", _("Uses")


class AccountKind(models.TextChoices):
    STORED_PRINCIPAL = "sv_principal", _("Stored value (principal)")
    STORED_BONUS = "sv_bonus", _("Stored value (bonus)")
    POINTS = "points", _("Points")
    PACKAGE = "package", _("Package-card uses")
    COUPON = "coupon", _("Coupon")
    # The store's side of every movement (double entry): what it received for
    # value it now owes, or the value it delivered. May go below zero.
    STORE = "store", _("Store counter-account")


# The unit each kind of account counts.
KIND_UNIT = {
    AccountKind.STORED_PRINCIPAL: Unit.MONEY,
    AccountKind.STORED_BONUS: Unit.MONEY,
    AccountKind.POINTS: Unit.POINTS,
    AccountKind.PACKAGE: Unit.USES,
    AccountKind.COUPON: Unit.USES,
}


class VoucherKind(models.TextChoices):
    TOP_UP = "top_up", _("Top-up")
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")
    REVERSAL = "reversal", _("Reversal")
    EXPIRY = "expiry", _("Expiry")
    ADJUSTMENT = "adjustment", pgettext_lazy("ledger", "Adjustment")
    SALE = "sale", _("Card sale")
    EARN = "earn", _("Points earned")
    REFERRAL = "referral", _("Referral credit")
    REDEEM = "redeem", _("Redemption")
    ISSUE = "issue", _("Coupon issued")


class Tier(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary")
    SILVER = "silver", _("Silver")
    GOLD = "gold", _("Gold")
    VIC = "vic", _("VIC")


# Lowest first: a review moves a card to the highest tier whose rule it meets.
TIER_ORDER = (Tier.ORDINARY, Tier.SILVER, Tier.GOLD, Tier.VIC)


class CouponKind(models.TextChoices):
    AMOUNT = "amount", _("Amount off")
    PERCENT = "percent", _("Percent off (with a cap)")
    FREE_SERVICE = "free_service", _("Free service")


class IssuedVia(models.TextChoices):
    STAFF = "staff", _("By staff")
    CAMPAIGN = "campaign", _("By a campaign")
    RULE = "rule", _("By an automatic rule")
