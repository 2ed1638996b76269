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
from aftercare.core.querysets import StoreScopedQuerySet
from aftercare.core.services import MoneyDocumentMixin
from aftercare.service.models import RepairOrder

from .choices import PaymentKind, PaymentMethod

ZERO = Decimal("0.00")


class PaymentQuerySet(StoreScopedQuerySet):
    # Posted money records are never changed in bulk either: a mistake is
    # corrected by a reversing record, so the day's takings can be re-added.
    def delete(self):
        raise PermissionDenied("Payments are never deleted; reverse them instead.")

    def update(self, **kwargs):
        raise PermissionDenied("Payments are never edited; reverse them instead.")


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
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("cashier")
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
