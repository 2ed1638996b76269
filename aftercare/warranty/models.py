"""Warranty policies per brand and model, extended warranties, overrides of an
ineligible warranty line, claims to the carmaker with their lines and history,
and the lines of the carmaker's files already applied (docs/DOMAIN.md §14)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.core.models import Store, TimeStampedModel
from aftercare.core.money import PRICE_VALIDATORS
from aftercare.core.querysets import StoreScopedQuerySet
from aftercare.customers.models import Vehicle
from aftercare.service.models import Photo, RepairOrder, RepairOrderLine

from .choices import (
    CLAIM_STATUS_COLOURS,
    ClaimLineKind,
    ClaimStatus,
    Coverage,
    ExchangeKind,
    ExchangeOutcome,
    OverrideStatus,
)

ZERO = Decimal("0.00")


class PolicyQuerySet(StoreScopedQuerySet):
    def in_force(self, on):
        return self.filter(Q(valid_from__lte=on) | Q(valid_from__isnull=True)).filter(
            Q(valid_to__gte=on) | Q(valid_to__isnull=True)
        )


class WarrantyPolicy(TimeStampedModel):
    """One coverage the carmaker gives a brand's cars (or one model's), sold
    between two dates: so many months or so many km from the purchase date,
    whichever comes first. An empty model covers every model of the brand; a
    model's own row wins over the brand's (docs/DOMAIN.md §14.1)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    brand = models.CharField(_("brand"), max_length=30)
    model = models.CharField(_("model"), max_length=50, blank=True, help_text=_("Empty: every model of the brand."))
    coverage = models.CharField(_("coverage"), max_length=20, choices=Coverage.choices)
    months = models.PositiveSmallIntegerField(_("months"))
    km = models.PositiveIntegerField(_("km"))
    valid_from = models.DateField(_("cars sold from"), null=True, blank=True)
    valid_to = models.DateField(_("cars sold until"), null=True, blank=True)
    excluded_parts = models.CharField(
        _("wear parts excluded"), max_length=300, blank=True,
        help_text=_("Words of part names the coverage excludes, separated by commas, e.g. 刹车片,雨刮,轮胎."),
    )  # fmt: skip

    objects = PolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("warranty policy")
        verbose_name_plural = _("warranty policies")
        ordering = ["brand", "model", "coverage", "valid_from"]
        indexes = [models.Index(fields=["store", "brand"], name="warranty_policy_brand")]

    def __str__(self) -> str:
        return f"{self.brand} {self.model} {self.get_coverage_display()}".replace("  ", " ")

    @property
    def exclusions(self) -> list[str]:
        return [word.strip() for word in self.excluded_parts.replace("，", ",").split(",") if word.strip()]


class ExtendedWarranty(TimeStampedModel):
    """An extended warranty (延保) sold to one vehicle: it prolongs a coverage to
    a date and a km limit, whichever comes first (docs/DOMAIN.md §14.1)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="extended_warranties", verbose_name=_("vehicle")
    )
    coverage = models.CharField(_("coverage"), max_length=20, choices=Coverage.choices, default=Coverage.BASIC)
    contract_no = models.CharField(_("contract number"), max_length=40)
    ends_on = models.DateField(_("ends on"))
    km = models.PositiveIntegerField(_("km limit"))
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2, default=ZERO, validators=PRICE_VALIDATORS)
    sold_on = models.DateField(_("sold on"), default=timezone.localdate)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("extended warranty")
        verbose_name_plural = _("extended warranties")
        ordering = ["-sold_on", "-id"]

    def __str__(self) -> str:
        return self.contract_no


class WarrantySettings(models.Model):
    """A store's claim deadline: a claim reaches the carmaker within so many
    days of the repair, per brand (an empty brand is every other brand), and
    is flagged so many days before (docs/DOMAIN.md §14.3)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    brand = models.CharField(_("brand"), max_length=30, blank=True)
    deadline_days = models.PositiveSmallIntegerField(_("days to submit a claim"), default=30)
    warn_days = models.PositiveSmallIntegerField(_("flag a claim days before its deadline"), default=7)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("claim deadline")
        verbose_name_plural = _("claim deadlines")
        constraints = [models.UniqueConstraint(fields=["store", "brand"], name="warranty_settings_brand")]

    def __str__(self) -> str:
        return f"{self.brand or '*'}: {self.deadline_days}"


class OrderScopedQuerySet(StoreScopedQuerySet):
    store_lookup = "repair_order__store"


class EligibilityOverride(models.Model):
    """A warranty or first-free-maintenance line on a vehicle its policy does not
    cover: asked for with a reason, approved (or refused) by a manager. Until it
    is approved the order cannot be settled (docs/DOMAIN.md §14.2)."""

    repair_order = models.ForeignKey(
        RepairOrder, on_delete=models.CASCADE, related_name="+", verbose_name=_("repair order")
    )
    coverage = models.CharField(_("coverage"), max_length=20, choices=Coverage.choices)
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=OverrideStatus.choices, default=OverrideStatus.PENDING
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = OrderScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("eligibility override")
        verbose_name_plural = _("eligibility overrides")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_coverage_display()}: {self.reason}"


class Claim(TimeStampedModel):
    """A warranty claim (保修制作) to the carmaker, built from one order's
    warranty lines (docs/DOMAIN.md §14.3). Amounts: claimed (the lines'
    sum), approved by the carmaker, paid on its payment list."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    number = models.CharField(_("claim number"), max_length=20)
    repair_order = models.ForeignKey(
        RepairOrder, on_delete=models.PROTECT, related_name="+", verbose_name=_("repair order")
    )
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="+", verbose_name=_("vehicle"))
    coverage = models.CharField(_("coverage"), max_length=20, choices=Coverage.choices, default=Coverage.BASIC)
    status = models.CharField(_("status"), max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    causal_part_code = models.CharField(_("causal part number"), max_length=40, blank=True)
    causal_part_name = models.CharField(_("causal part"), max_length=100, blank=True)
    symptom_code = models.CharField(_("symptom code"), max_length=20, blank=True)
    cause_code = models.CharField(_("cause code"), max_length=20, blank=True)
    description = models.TextField(_("fault description"), blank=True)
    odometer_km = models.PositiveIntegerField(_("odometer (km)"), null=True, blank=True)
    repaired_on = models.DateField(_("repaired on"))
    deadline = models.DateField(_("submit by"))
    # From this day an unsubmitted claim is flagged: the deadline less the store's warning days.
    flag_from = models.DateField(_("flagged from"))
    claimed_amount = models.DecimalField(_("claimed"), max_digits=12, decimal_places=2, default=ZERO)
    approved_amount = models.DecimalField(_("approved"), max_digits=12, decimal_places=2, null=True, blank=True)
    paid_amount = models.DecimalField(_("paid"), max_digits=12, decimal_places=2, default=ZERO)
    rejection_reason = models.CharField(_("carmaker's reason"), max_length=200, blank=True)
    submissions = models.PositiveSmallIntegerField(_("submissions"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    photos = models.ManyToManyField(Photo, blank=True, related_name="+", verbose_name=_("photos"))

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("warranty claim")
        verbose_name_plural = _("warranty claims")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="warranty_claim_number"),
            models.UniqueConstraint(fields=["repair_order", "coverage"], name="warranty_claim_order_coverage"),
        ]
        indexes = [models.Index(fields=["store", "status", "deadline"], name="warranty_claim_status")]

    def __str__(self) -> str:
        return self.number

    @property
    def colour(self) -> str:
        return CLAIM_STATUS_COLOURS.get(self.status, "secondary")

    @property
    def short_amount(self) -> Decimal:
        """What the carmaker still owes of what it approved (of the claim, while none was approved)."""
        owed = self.approved_amount if self.approved_amount is not None else self.claimed_amount
        return max(owed - self.paid_amount, ZERO)


class ClaimLine(models.Model):
    """One line of a claim: a labour operation with its FRT hours, a part with
    quantity and price (and its old part's return tag), another charge, or a
    rescue caused by a quality defect."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=10, choices=ClaimLineKind.choices)
    order_line = models.ForeignKey(RepairOrderLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    code = models.CharField(_("code"), max_length=40, blank=True)
    description = models.CharField(_("description"), max_length=200)
    hours = models.DecimalField(_("FRT hours"), max_digits=8, decimal_places=2, default=ZERO)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2, default=Decimal("1"))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2, default=ZERO)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, default=ZERO)
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    return_tag = models.CharField(_("old-part return tag"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("claim line")
        verbose_name_plural = _("claim lines")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description


class ClaimStatusChange(models.Model):
    """One move of a claim (core.workflow's history row)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=ClaimStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=ClaimStatus.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"


class ExchangeLine(models.Model):
    """One line of a carmaker's answer file or payment list, applied once: the
    file's SHA-256 and the row number make it unique, so a file imported again
    changes nothing (docs/DOMAIN.md §14.4)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("file"), max_length=10, choices=ExchangeKind.choices)
    file_hash = models.CharField(max_length=64)
    row = models.PositiveIntegerField(_("row"))
    claim_number = models.CharField(_("claim number"), max_length=40)
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="exchange_lines")
    outcome = models.CharField(_("outcome"), max_length=10, choices=ExchangeOutcome.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    difference = models.DecimalField(_("difference"), max_digits=12, decimal_places=2, default=ZERO)
    note = models.CharField(_("note"), max_length=200, blank=True)
    imported_at = models.DateTimeField(default=timezone.now)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("carmaker file line")
        verbose_name_plural = _("carmaker file lines")
        ordering = ["-imported_at", "row"]
        constraints = [
            models.UniqueConstraint(fields=["store", "kind", "file_hash", "row"], name="warranty_exchange_once")
        ]

    def __str__(self) -> str:
        return f"{self.claim_number} ({self.row})"
