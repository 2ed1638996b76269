"""Settlement and delivery (结账, 交车): posted payments, refunds and reversals,
the manager's approval to deliver on credit (挂账), and the signed delivery."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.core.bounds import SIGNATURE_MAX_LENGTH
from aftercare.core.models import Store
from aftercare.core.querysets import AppendOnlyQuerySetMixin, StoreScopedQuerySet
from aftercare.core.services import MoneyDocumentMixin
from aftercare.service.models import RepairOrder

from .choices import (
    DifferenceKind,
    InvoiceKind,
    InvoiceStatus,
    PayFlow,
    PaymentKind,
    PaymentMethod,
    Provider,
    TxnKind,
    TxnStatus,
)

ZERO = Decimal("0.00")


class PaymentQuerySet(AppendOnlyQuerySetMixin, StoreScopedQuerySet):
    # Posted money records are never changed in bulk either: a mistake is
    # corrected by a reversing record, so the day's takings can be re-added.
    append_only_message = "Payments are never edited or deleted; reverse them instead."


class Payment(MoneyDocumentMixin, models.Model):
    """One posted money movement on a repair order (收款 / 退款 / 冲正).

    `amount` is signed from the store's point of view: a payment is positive,
    a refund negative, a reversal the negation of the record it reverses. So
    the order's balance is always customer_total − Σ amount. Rows are never
    edited or deleted (save refuses updates, delete refuses)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    repair_order = models.ForeignKey(
        RepairOrder, on_delete=models.PROTECT, related_name="payments", verbose_name=_("repair order")
    )
    number = models.CharField(_("receipt number"), max_length=20)
    kind = models.CharField(_("kind"), max_length=10, choices=PaymentKind.choices, default=PaymentKind.PAYMENT)
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("Card slip, WeChat / Alipay or transfer number.")
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by", verbose_name=_("reverses")
    )
    # The client's key (Idempotency-Key header or the form's token): a retried
    # request finds the row it already posted instead of charging twice.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    balance_after = models.DecimalField(_("balance after"), max_digits=12, decimal_places=2)
    posted_at = models.DateTimeField(_("posted at"), default=timezone.now)
    # None: posted without a cashier, by the customer paying from the phone link (docs/DOMAIN.md §21.6).
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("cashier"), null=True
    )

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["posted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="payment_number_unique_per_store"),
            models.UniqueConstraint(
                fields=["store", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="payment_idempotency_key_once_per_store",
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="payment_amount_not_zero"),
        ]
        indexes = [models.Index(fields=["store", "-posted_at"], name="payment_store_day")]

    def __str__(self) -> str:
        return f"{self.number} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Payments are never edited; reverse them instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Payments are never deleted; reverse them instead.")

    @property
    def is_reversible(self) -> bool:
        return self.kind != PaymentKind.REVERSAL and not hasattr(self, "reversed_by")


class CreditApproval(models.Model):
    """A manager's approval to settle and deliver a repair order with a balance
    still due (挂账): who, when, why and how much was open at that moment."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    repair_order = models.ForeignKey(RepairOrder, on_delete=models.PROTECT, related_name="credit_approvals")
    balance_due = models.DecimalField(_("balance due"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=200)
    approved_at = models.DateTimeField(_("approved at"), default=timezone.now)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit approval")
        verbose_name_plural = _("credit approvals")
        ordering = ["approved_at", "id"]

    def __str__(self) -> str:
        return f"{self.repair_order_id} {self.balance_due}"


class Delivery(models.Model):
    """The handing back of the car (交车): the customer's signature on the
    delivery sheet and the next maintenance that was explained to them."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    repair_order = models.OneToOneField(RepairOrder, on_delete=models.PROTECT, related_name="delivery")
    signature = models.TextField(
        _("customer signature"), max_length=SIGNATURE_MAX_LENGTH, help_text=_("PNG data URL of the signature.")
    )
    next_service_date = models.DateField(_("next maintenance date"), null=True, blank=True)
    next_service_km = models.PositiveIntegerField(_("next maintenance km"), null=True, blank=True)
    balance_due = models.DecimalField(_("balance due at delivery"), max_digits=12, decimal_places=2, default=ZERO)
    delivered_at = models.DateTimeField(_("delivered at"), default=timezone.now)
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"delivery {self.repair_order_id}"


class ProviderAccount(models.Model):
    """A store's merchant account with WeChat Pay or Alipay, set up by the admin.

    The keys are secrets: pages and the API show them masked and never send
    them back; saving a blank secret keeps the one on file. `api_base_url`
    points the adapter at another gateway (a test server); blank is the
    provider's production gateway. A sandbox account calls no one: it only
    works in demo mode, where it simulates the customer paying."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    provider = models.CharField(_("provider"), max_length=10, choices=Provider.choices)
    is_active = models.BooleanField(_("active"), default=True)
    sandbox = models.BooleanField(
        _("sandbox"), default=False, help_text=_("Demo only: no provider is called and no real money moves.")
    )
    merchant_id = models.CharField(_("merchant id"), max_length=32, blank=True, help_text=_("WeChat Pay mchid."))
    app_id = models.CharField(_("app id"), max_length=64)
    cert_serial_no = models.CharField(
        _("certificate serial number"), max_length=64, blank=True, help_text=_("WeChat Pay merchant certificate.")
    )
    api_key = models.CharField(_("API v3 key"), max_length=64, blank=True)
    private_key = models.TextField(_("merchant private key"), max_length=8000, blank=True)
    provider_public_key = models.TextField(_("provider public key"), max_length=4000, blank=True)
    provider_public_key_id = models.CharField(
        _("provider public key id"), max_length=64, blank=True, help_text=_("WeChat Pay PUB_KEY_ID_….")
    )
    api_base_url = models.URLField(_("API base URL"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    SECRET_FIELDS = ("api_key", "private_key")

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment provider account")
        verbose_name_plural = _("payment provider accounts")
        ordering = ["store_id", "provider"]
        constraints = [models.UniqueConstraint(fields=["store", "provider"], name="provider_account_once_per_store")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.provider}"


class ProviderTransaction(models.Model):
    """One charge or refund sent to a payment provider for a repair order.

    Its status follows what the provider says (created → paying → paid, or
    failed / closed); the money itself is the `payment` it posted, once, in
    the order's append-only records. `needs_refund` marks money that arrived
    when the order could no longer take it (docs/DOMAIN.md §21)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    repair_order = models.ForeignKey(RepairOrder, on_delete=models.PROTECT, related_name="provider_transactions")
    account = models.ForeignKey(ProviderAccount, on_delete=models.PROTECT, related_name="transactions")
    provider = models.CharField(_("provider"), max_length=10, choices=Provider.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=TxnKind.choices, default=TxnKind.CHARGE)
    flow = models.CharField(_("flow"), max_length=10, choices=PayFlow.choices, blank=True)
    # Our number at the provider (out_trade_no / out_refund_no): 32 characters at most for both.
    out_trade_no = models.CharField(_("our trade number"), max_length=32, unique=True)
    provider_trade_no = models.CharField(_("provider trade number"), max_length=64, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    status = models.CharField(_("status"), max_length=10, choices=TxnStatus.choices, default=TxnStatus.CREATED)
    # The QR code's content, or for the phone's flow the provider page it opens (a signed Alipay
    # request is over 1,000 characters).
    code_url = models.CharField(_("QR code content"), max_length=2000, blank=True)
    message = models.CharField(_("provider message"), max_length=200, blank=True)
    refund_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="refunds", verbose_name=_("refund of")
    )
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="provider_transaction"
    )
    needs_refund = models.BooleanField(_("to refund"), default=False)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # None: started by the customer from the phone link; `origin` then names the link ("portal:<id>").
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    origin = models.CharField(_("started from"), max_length=40, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("provider transaction")
        verbose_name_plural = _("provider transactions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="provider_txn_idempotency_key_once_per_store",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="provider_txn_amount_positive"),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="provider_txn_open")]

    def __str__(self) -> str:
        return f"{self.out_trade_no} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status in (TxnStatus.CREATED, TxnStatus.PAYING)


class Reconciliation(models.Model):
    """One day's provider statement compared with what was posted here."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    provider = models.CharField(_("provider"), max_length=10, choices=Provider.choices)
    day = models.DateField(_("day"))
    statement_lines = models.PositiveIntegerField(_("statement lines"), default=0)
    matched = models.PositiveIntegerField(_("matched"), default=0)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        ordering = ["-day", "provider"]
        constraints = [models.UniqueConstraint(fields=["store", "provider", "day"], name="reconciliation_once_per_day")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.provider} {self.day}"


class ReconciliationDifference(models.Model):
    """A line where the provider's statement and our records disagree."""

    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.CASCADE, related_name="differences")
    kind = models.CharField(_("difference"), max_length=15, choices=DifferenceKind.choices)
    txn_kind = models.CharField(_("kind"), max_length=10, choices=TxnKind.choices)
    out_trade_no = models.CharField(_("our trade number"), max_length=64)
    provider_amount = models.DecimalField(_("provider amount"), max_digits=12, decimal_places=2, null=True)
    our_amount = models.DecimalField(_("our amount"), max_digits=12, decimal_places=2, null=True)

    class StoreQuerySet(StoreScopedQuerySet):
        store_lookup = "reconciliation__store"

    objects = StoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("reconciliation difference")
        verbose_name_plural = _("reconciliation differences")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.out_trade_no} {self.kind}"


class InvoiceRequest(models.Model):
    """The customer's request for the invoice (发票) of one settled order, and, once the
    cashier has issued it, its number, date and PDF (docs/DOMAIN.md §21.7). One per order;
    the customer may correct it until it is issued."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    repair_order = models.OneToOneField(
        RepairOrder, on_delete=models.PROTECT, related_name="invoice_request", verbose_name=_("repair order")
    )
    kind = models.CharField(_("invoice for"), max_length=10, choices=InvoiceKind.choices, default=InvoiceKind.PERSONAL)
    title = models.CharField(_("invoice title"), max_length=100)
    tax_number = models.CharField(_("tax number"), max_length=18, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.REQUESTED
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    requested_via = models.CharField(_("requested through"), max_length=40, blank=True)
    invoice_number = models.CharField(_("invoice number"), max_length=20, blank=True)
    invoice_date = models.DateField(_("invoice date"), null=True, blank=True)
    pdf = models.FileField(_("invoice PDF"), upload_to="invoices/%Y/%m/", max_length=200, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice request")
        verbose_name_plural = _("invoice requests")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["store", "status", "-requested_at"], name="invoice_request_queue")]

    def __str__(self) -> str:
        return f"{self.repair_order_id} {self.title}"
