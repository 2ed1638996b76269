"""Member cards, tiers and one append-only ledger of everything of value a
customer holds: stored value (principal and bonus kept apart), points,
package-card uses and coupons (docs/DOMAIN.md §13)."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.core.models import DealerGroup, Store
from aftercare.core.querysets import AppendOnlyQuerySetMixin, StoreScopedQuerySet
from aftercare.core.services import MoneyDocumentMixin
from aftercare.customers.models import Customer

from .choices import KIND_UNIT, AccountKind, CouponKind, IssuedVia, Tier, Unit, VoucherKind

ZERO = Decimal("0.00")


class GroupScopedQuerySet(StoreScopedQuerySet):
    """A member belongs to the whole dealer group: every store of the group
    sees the card and its balances, so rows are scoped by the group of the
    stores the user may act on (docs/DOMAIN.md §13.1)."""

    group_lookup = "group"

    def for_user(self, user, perm: str | None = None):
        if user is None or not user.is_authenticated:
            return self.none()
        groups = Store.objects.filter(pk__in=user.store_ids(perm)).values("group_id")
        return self.filter(**{f"{self.group_lookup}__in": groups})


class MemberCard(models.Model):
    """A member card (会员卡): one customer of the group, its tier and where it
    was issued. Stored value and points hang off it as ledger accounts."""

    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+", verbose_name=_("dealer group"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued at"))
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="member_cards", verbose_name=_("customer")
    )
    number = models.CharField(_("card number"), max_length=30)
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.ORDINARY)
    # VIC is granted by a manager, never by the spend rule alone, and a review
    # does not take it away.
    tier_locked = models.BooleanField(_("tier set by a manager"), default=False)
    referred_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals", verbose_name=_("referred by")
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = GroupScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("member card")
        verbose_name_plural = _("member cards")
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="member_card_number_unique_per_group"),
            models.UniqueConstraint(fields=["customer"], name="member_card_one_per_customer"),
        ]

    def __str__(self) -> str:
        return self.number


class TierRule(models.Model):
    """What a tier asks (spend and visits in the last 12 months) and gives
    (labour discount, points rate, priority, partner benefits with validity)."""

    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+")
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices)
    min_spend_12m = models.DecimalField(_("spend in 12 months from"), max_digits=12, decimal_places=2, default=ZERO)
    min_visits_12m = models.PositiveIntegerField(_("visits in 12 months from"), default=0)
    labour_discount_percent = models.DecimalField(_("labour discount %"), max_digits=5, decimal_places=2, default=ZERO)
    points_per_yuan = models.DecimalField(_("points per yuan"), max_digits=5, decimal_places=2, default=Decimal("1"))
    priority = models.BooleanField(_("priority reception"), default=False)
    benefits = models.TextField(_("partner benefits"), max_length=2000, blank=True)
    benefits_valid_until = models.DateField(_("benefits valid until"), null=True, blank=True)

    objects = GroupScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("tier rule")
        verbose_name_plural = _("tier rules")
        constraints = [models.UniqueConstraint(fields=["group", "tier"], name="tier_rule_once_per_group")]

    def __str__(self) -> str:
        return self.get_tier_display()


class TierChangeQuerySet(GroupScopedQuerySet):
    group_lookup = "card__group"


class TierChange(models.Model):
    """One move of a card between tiers: who or which review, when, why."""

    card = models.ForeignKey(MemberCard, on_delete=models.PROTECT, related_name="tier_changes")
    from_tier = models.CharField(_("from"), max_length=10, choices=Tier.choices, blank=True)
    to_tier = models.CharField(_("to"), max_length=10, choices=Tier.choices)
    spend_12m = models.DecimalField(_("spend in 12 months"), max_digits=12, decimal_places=2, default=ZERO)
    visits_12m = models.PositiveIntegerField(_("visits in 12 months"), default=0)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = TierChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.card_id} {self.from_tier}->{self.to_tier}"


class TopUpRule(models.Model):
    """A store's bonus for a top-up (充值赠送): pay at least `min_amount`,
    receive `bonus` on top, kept apart from the principal."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    min_amount = models.DecimalField(_("top-up from"), max_digits=12, decimal_places=2)
    bonus = models.DecimalField(_("bonus"), max_digits=12, decimal_places=2)
    active = models.BooleanField(_("active"), default=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("top-up bonus rule")
        verbose_name_plural = _("top-up bonus rules")
        ordering = ["store", "min_amount"]
        constraints = [
            models.CheckConstraint(condition=Q(min_amount__gt=0), name="top_up_rule_min_positive"),
            models.CheckConstraint(condition=Q(bonus__gte=0), name="top_up_rule_bonus_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.min_amount}+{self.bonus}"


class PackageCard(models.Model):
    """A sold package card (套餐卡 / 次卡): a bundle of services, each with a
    count (an Account of uses per item), bought for `price`, valid until `expires_on`."""

    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("sold at"))
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="package_cards", verbose_name=_("customer")
    )
    number = models.CharField(_("card number"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    expires_on = models.DateField(_("valid until"))
    sold_at = models.DateTimeField(_("sold at"), default=timezone.now)
    sold_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = GroupScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("package card")
        verbose_name_plural = _("package cards")
        constraints = [models.UniqueConstraint(fields=["group", "number"], name="package_card_number_unique_per_group")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Account(models.Model):
    """One balance of value: a customer's stored-value principal or bonus,
    points, the uses left of one package-card item, one coupon; or a store's
    counter-account for a unit (kind STORE, no customer).

    `balance` is the sum of the account's postings, kept on the row by the
    ledger service under the row's lock in the posting's transaction
    (loyalty.selectors.ledger_check recomputes it). A customer's account never
    goes below zero; a store's counter-account may."""

    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+")
    # Customer accounts: where the account was opened; counter-accounts: their store.
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    kind = models.CharField(_("kind"), max_length=15, choices=AccountKind.choices)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("customer")
    )
    card = models.ForeignKey(
        MemberCard, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts", verbose_name=_("card")
    )
    package_card = models.ForeignKey(
        PackageCard, on_delete=models.PROTECT, null=True, blank=True, related_name="items",
        verbose_name=_("package card"),
    )  # fmt: skip
    # A package item covers repair-order lines with this catalogue code.
    service_code = models.CharField(_("service code"), max_length=40, blank=True)
    label = models.CharField(_("label"), max_length=100, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    balance = models.DecimalField(_("balance"), max_digits=14, decimal_places=2, default=ZERO)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)

    objects = GroupScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["card", "kind"],
                condition=Q(kind__in=[AccountKind.STORED_PRINCIPAL, AccountKind.STORED_BONUS, AccountKind.POINTS]),
                name="account_one_stored_value_and_points_per_card",
            ),
            models.UniqueConstraint(
                fields=["store", "unit"], condition=Q(kind=AccountKind.STORE), name="account_one_store_side_per_unit"
            ),
            # The last line of defence behind the service's check.
            models.CheckConstraint(
                condition=Q(kind=AccountKind.STORE) | Q(balance__gte=0), name="account_customer_balance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label or self.card_id or self.store_id}"

    def save(self, *args, **kwargs):
        if not self.unit and self.kind in KIND_UNIT:
            self.unit = KIND_UNIT[self.kind]
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Ledger accounts are never deleted.")


class AppendOnlyQuerySet(AppendOnlyQuerySetMixin, GroupScopedQuerySet):
    # Posted value is never changed in bulk: a mistake is reversed by a new voucher.
    append_only_message = "Ledger records are never edited or deleted; reverse them instead."


class Voucher(MoneyDocumentMixin, models.Model):
    """One movement of value (记账凭证): the postings it made sum to zero per
    unit, the customer's side against the taking store's counter-account.
    It names the document that caused it, who posted it and in which store the
    value was taken or given. Never edited or deleted; a reversal is a new
    voucher of the opposite postings."""

    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    number = models.CharField(_("voucher number"), max_length=20)
    kind = models.CharField(_("kind"), max_length=15, choices=VoucherKind.choices)
    # The causing document: "billing.payment" 12 / "PAY0000012", a top-up's own voucher, …
    document_type = models.CharField(_("document type"), max_length=50, blank=True)
    document_id = models.CharField(_("document id"), max_length=64, blank=True)
    document_ref = models.CharField(_("document"), max_length=50, blank=True)
    # How the customer paid for a top-up or card sale (money the store took in).
    method = models.CharField(_("paid by"), max_length=20, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by", verbose_name=_("reverses")
    )
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    posted_at = models.DateTimeField(_("posted at"), default=timezone.now)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger voucher")
        verbose_name_plural = _("ledger vouchers")
        ordering = ["posted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="voucher_number_unique_per_store"),
            models.UniqueConstraint(
                fields=["group", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="voucher_idempotency_key_once_per_group",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "-posted_at"], name="voucher_store_day"),
            models.Index(fields=["document_type", "document_id"], name="voucher_document"),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Ledger records are never edited; reverse them instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Ledger records are never deleted; reverse them instead.")


class Posting(MoneyDocumentMixin, models.Model):
    """One line of a voucher: a signed amount on one account, and the
    account's balance after it (customer accounts). Never edited or deleted."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    balance_after = models.DecimalField(_("balance after"), max_digits=14, decimal_places=2, null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="posting_amount_not_zero")]
        indexes = [models.Index(fields=["account", "id"], name="posting_account_order")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Ledger records are never edited; reverse them instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Ledger records are never deleted; reverse them instead.")


class PackageUseQuerySet(GroupScopedQuerySet):
    group_lookup = "account__group"


class PackageUse(models.Model):
    """One package-card use covering one repair-order line, posted with the
    order's settlement payment; `released_at` is set when the payment is
    reversed (the use goes back, e.g. before the order is cancelled)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="uses")
    line = models.ForeignKey("service.RepairOrderLine", on_delete=models.PROTECT, related_name="+")
    payment = models.OneToOneField("billing.Payment", on_delete=models.PROTECT, related_name="package_use")
    voucher = models.OneToOneField(Voucher, on_delete=models.PROTECT, related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)

    objects = PackageUseQuerySet.as_manager()

    class Meta:
        verbose_name = _("package-card use")
        verbose_name_plural = _("package-card uses")
        constraints = [
            models.UniqueConstraint(
                fields=["line"], condition=Q(released_at__isnull=True), name="package_use_once_per_line"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.line_id}"


class CouponTemplate(models.Model):
    """What a coupon gives (an amount off, a percent off up to a cap, or one
    free service), for how long after issue, and on what conditions: a minimum
    spend, repair types, first visit only, and whether it stacks with others."""

    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=15, choices=CouponKind.choices)
    value = models.DecimalField(_("amount or percent"), max_digits=12, decimal_places=2, default=ZERO)
    cap = models.DecimalField(_("at most"), max_digits=12, decimal_places=2, null=True, blank=True)
    service_code = models.CharField(_("free service code"), max_length=40, blank=True)
    min_spend = models.DecimalField(_("minimum spend"), max_digits=12, decimal_places=2, default=ZERO)
    repair_types = models.CharField(
        _("repair types"), max_length=200, blank=True, help_text=_("Codes separated by commas; empty: any.")
    )
    first_visit_only = models.BooleanField(_("first visit only"), default=False)
    stackable = models.BooleanField(_("stacks with other coupons"), default=False)
    valid_days = models.PositiveIntegerField(_("valid for days"), default=30)
    # Members may exchange this many points for the coupon (积分兑换); empty: not offered for points.
    points_cost = models.PositiveIntegerField(_("points to exchange"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = GroupScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("coupon template")
        verbose_name_plural = _("coupon templates")

    def __str__(self) -> str:
        return self.name


class Coupon(models.Model):
    """One coupon issued to a customer (by staff, a campaign or a rule), with
    its own one-use account on the ledger: used once at settlement, released
    when that payment is reversed."""

    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued at"))
    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="coupons")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="coupons")
    code = models.CharField(_("coupon code"), max_length=30)
    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="coupon")
    issued_via = models.CharField(pgettext_lazy("coupon", "issued"), max_length=10, choices=IssuedVia.choices)
    source = models.CharField(_("campaign or rule"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = GroupScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        constraints = [models.UniqueConstraint(fields=["group", "code"], name="coupon_code_unique_per_group")]

    def __str__(self) -> str:
        return self.code


class CouponUseQuerySet(GroupScopedQuerySet):
    group_lookup = "coupon__group"


class CouponUse(models.Model):
    """A coupon used on an order: the discount recorded as a billing record of
    the `coupon` method, and the ledger voucher that spent the coupon."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="uses")
    payment = models.OneToOneField("billing.Payment", on_delete=models.PROTECT, related_name="coupon_use")
    voucher = models.OneToOneField(Voucher, on_delete=models.PROTECT, related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)

    objects = CouponUseQuerySet.as_manager()

    class Meta:
        verbose_name = _("coupon use")
        verbose_name_plural = _("coupon uses")
        constraints = [
            models.UniqueConstraint(fields=["coupon"], condition=Q(released_at__isnull=True), name="coupon_used_once")
        ]

    def __str__(self) -> str:
        return f"{self.coupon_id} {self.payment_id}"
