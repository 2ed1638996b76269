"""Repair orders (作业单 / 维修工单): the document that carries a car through the
13 steps, its lines (labour, parts, other charges), the customer's
authorisation, and the history of every status change."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import FileExtensionValidator, MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.catalog.choices import SiteKind
from aftercare.catalog.models import Bay, LabourOperation, OtherCharge, PackageJob, Part, RepairType, Van
from aftercare.core.bounds import SIGNATURE_MAX_LENGTH
from aftercare.core.models import Store, TimeStampedModel
from aftercare.core.money import QUANTITY_VALIDATORS
from aftercare.core.querysets import AppendOnlyQuerySetMixin, StoreScopedQuerySet
from aftercare.customers.models import Customer, Vehicle

from .choices import (
    EDITABLE_STATUSES,
    LINE_ADD_STATUSES,
    OPEN_STATUSES,
    STATUS_COLOURS,
    TRANSITIONS,
    UNFINISHED_STATUSES,
    ApprovalMethod,
    LineKind,
    LineStatus,
    Payer,
    Status,
    WaitingMode,
)

ZERO = Decimal("0.00")


class RepairOrderQuerySet(StoreScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def late(self, now):
        """Orders still being worked on past their promised time (docs/DOMAIN.md §22)."""
        return self.filter(status__in=UNFINISHED_STATUSES, promised_at__lt=now)

    def awaiting_decision(self):
        """Open orders with additional work proposed to the customer and not yet decided."""
        proposed = RepairOrderLine.objects.filter(repair_order=models.OuterRef("pk"), status=LineStatus.PROPOSED)
        return self.filter(status__in=OPEN_STATUSES).filter(models.Exists(proposed))


class RepairOrder(TimeStampedModel):
    """A repair order. Its status moves only through services.repair_order_transition,
    which follows TRANSITIONS and writes a StatusChange row per move.

    The money fields are totals of the lines, kept by services.repair_order_recalculate
    in the same transaction as every line change, so lists and the board read
    them without summing lines."""

    # No single-column index: ro_board and ro_store_recent start with the store
    # and serve every store filter; a bare store_id index lures SQLite's planner
    # into reading a store's whole history.
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="repair_orders", verbose_name=_("store"), db_index=False
    )
    number = models.CharField(_("RO number"), max_length=20)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEPTION)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="repair_orders", verbose_name=_("customer")
    )
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="repair_orders", verbose_name=_("vehicle")
    )
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("service advisor")
    )
    repair_type = models.ForeignKey(
        RepairType, on_delete=models.PROTECT, related_name="+", verbose_name=_("repair type")
    )
    # Reception (接待)
    contact_phone = models.CharField(_("contact phone"), max_length=11, blank=True)
    odometer_km = models.PositiveIntegerField(_("odometer (km)"), null=True, blank=True)
    fuel_level = models.PositiveSmallIntegerField(
        _("fuel / charge level (%)"), null=True, blank=True, help_text=_("0-100")
    )
    customer_statement = models.TextField(_("customer's own words"), blank=True)
    findings = models.TextField(_("technician's findings"), blank=True)
    # Estimate (估价)
    promised_at = models.DateTimeField(_("promised time"), null=True, blank=True)
    waiting_mode = models.CharField(
        _("customer waits"), max_length=10, choices=WaitingMode.choices, default=WaitingMode.WAITS
    )
    return_old_parts = models.BooleanField(_("old parts go back to the customer"), default=False)
    discount_level = models.CharField(_("discount level"), max_length=20, blank=True)
    # Authorisation (修理委托书): no work before it.
    authorised_at = models.DateTimeField(_("authorised at"), null=True, blank=True)
    authorisation_method = models.CharField(
        _("authorised by"), max_length=10, choices=ApprovalMethod.choices, blank=True
    )
    authorisation_signature = models.TextField(
        _("signature"), blank=True, max_length=SIGNATURE_MAX_LENGTH, help_text=_("PNG data URL of the signature.")
    )
    authorisation_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    authorisation_note = models.CharField(_("authorisation note"), max_length=200, blank=True)
    # Totals of the lines, by who pays (kept by the services).
    labour_total = models.DecimalField(_("labour"), max_digits=12, decimal_places=2, default=ZERO)
    parts_total = models.DecimalField(_("parts"), max_digits=12, decimal_places=2, default=ZERO)
    other_total = models.DecimalField(_("other charges"), max_digits=12, decimal_places=2, default=ZERO)
    discount_total = models.DecimalField(_("discount"), max_digits=12, decimal_places=2, default=ZERO)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=ZERO)
    customer_total = models.DecimalField(_("customer pays"), max_digits=12, decimal_places=2, default=ZERO)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = RepairOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("repair order")
        verbose_name_plural = _("repair orders")
        constraints = [models.UniqueConstraint(fields=["store", "number"], name="ro_number_unique_per_store")]
        indexes = [
            models.Index(fields=["store", "status", "promised_at"], name="ro_board"),
            models.Index(fields=["vehicle", "-opened_at"], name="ro_vehicle_history"),
            models.Index(fields=["customer", "-opened_at"], name="ro_customer_history"),
            models.Index(fields=["store", "-opened_at"], name="ro_store_recent"),
            # Deliveries of a day and the orders still open at a day's end (docs/DOMAIN.md §18.3).
            models.Index(fields=["store", "closed_at"], name="ro_store_closed"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS.get(self.status, "secondary")

    @property
    def allowed_transitions(self) -> tuple[str, ...]:
        return TRANSITIONS.get(self.status, ())

    @property
    def lines_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def accepts_lines(self) -> bool:
        """Lines can be added: to the estimate, or as additional work to propose."""
        return self.status in LINE_ADD_STATUSES

    @property
    def is_authorised(self) -> bool:
        return self.authorised_at is not None

    def is_overdue(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(self.promised_at and self.status in OPEN_STATUSES[:-1] and self.promised_at < now)


class RepairOrderLine(models.Model):
    """One line of a repair order: a labour operation (FRT hours × the labour
    rate of the repair type), a part, or another charge.

    `amount` = round(quantity × unit price) − discount, rounded to the cent by
    core.money.to_money. Lines added after authorisation are `proposed` until
    the customer approves or declines them; declined lines stay on the RO so a
    later follow-up can offer them again."""

    repair_order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=LineStatus.choices, default=LineStatus.APPROVED)
    is_additional = models.BooleanField(_("additional work"), default=False)
    operation = models.ForeignKey(LabourOperation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    other_charge = models.ForeignKey(OtherCharge, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    package = models.ForeignKey(PackageJob, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    code = models.CharField(_("code"), max_length=40, blank=True)
    description = models.CharField(_("description"), max_length=200)
    part_brand = models.CharField(_("brand"), max_length=50, blank=True)
    is_oem = models.BooleanField(_("OEM part"), default=True)
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=2, default=Decimal("1"), validators=QUANTITY_VALIDATORS
    )
    hours = models.DecimalField(_("FRT hours"), max_digits=8, decimal_places=2, default=ZERO)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    discount_rate = models.DecimalField(_("discount %"), max_digits=5, decimal_places=2, default=ZERO)
    discount_amount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2, default=ZERO)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    payer = models.CharField(_("paid by"), max_length=10, choices=Payer.choices, default=Payer.CUSTOMER)
    # Workshop (派工): a labour line is a job for one technician in one bay.
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    bay = models.ForeignKey(Bay, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("customer decided at"), null=True, blank=True)
    decided_via = models.CharField(_("decided via"), max_length=10, choices=ApprovalMethod.choices, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["technician", "repair_order"], name="roline_technician")]

    def __str__(self) -> str:
        return f"{self.description} ×{self.quantity}"

    @property
    def counts(self) -> bool:
        """Whether the line is part of the price (declined and proposed lines are not)."""
        return self.status == LineStatus.APPROVED


class StatusChange(models.Model):
    """One move of a repair order: who, when, from, to (append-only)."""

    repair_order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class CheckIn(models.Model):
    """The walk-around check-in sheet (接车单) signed by the customer."""

    repair_order = models.OneToOneField(RepairOrder, on_delete=models.CASCADE, related_name="check_in")
    # Marks on the car outline: [{"x": 0.31, "y": 0.52, "kind": "scratch", "note": "..."}]
    damage_marks = models.JSONField(_("damage"), default=list, blank=True)
    belongings = models.CharField(_("belongings in the car"), max_length=300, blank=True)
    covers_fitted = models.BooleanField(_("seat, wheel and floor covers fitted"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    customer_signature = models.TextField(_("customer signature"), blank=True, max_length=SIGNATURE_MAX_LENGTH)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    def __str__(self) -> str:
        return f"check-in {self.repair_order_id}"


class Photo(models.Model):
    """A photo attached to a repair order (check-in damage, findings for the customer)."""

    repair_order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="photos")
    # A finding's photo belongs to the line proposed for it: the customer sees it beside
    # the line's price, and the decision keeps which photos were shown (docs/DOMAIN.md §3.5).
    line = models.ForeignKey(
        RepairOrderLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="photos",
        verbose_name=_("line"),
    )  # fmt: skip
    image = models.FileField(
        _("photo"),
        upload_to="ro-photos/%Y/%m/",
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp", "heic"])],
    )
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    taken_at = models.DateTimeField(default=timezone.now)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    def __str__(self) -> str:
        return self.caption or self.image.name


class LineDecisionQuerySet(AppendOnlyQuerySetMixin, StoreScopedQuerySet):
    store_lookup = "repair_order__store"


class LineDecision(models.Model):
    """The evidence a customer's decision on one line was made on (docs/DOMAIN.md §3.4):
    approved or declined, how, when, by whom it was recorded, the signature image, the
    photos shown, and for a phone link the link, IP address and browser. Append-only:
    a line is decided once."""

    repair_order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="decisions")
    line = models.OneToOneField(RepairOrderLine, on_delete=models.CASCADE, related_name="decision")
    approved = models.BooleanField(_("approved"))
    method = models.CharField(_("decided via"), max_length=10, choices=ApprovalMethod.choices)
    decided_at = models.DateTimeField(_("customer decided at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    signature = models.TextField(_("signature"), blank=True, max_length=SIGNATURE_MAX_LENGTH)
    photos_shown = models.ManyToManyField(Photo, blank=True, related_name="+", verbose_name=_("photos shown"))
    link = models.CharField(_("link used"), max_length=40, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    objects = LineDecisionQuerySet.as_manager()

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.line_id} {'approved' if self.approved else 'declined'}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("A decision is never edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("A decision is never deleted.")


class SiteVisitQuerySet(StoreScopedQuerySet):
    store_lookup = "repair_order__store"


class SiteVisit(models.Model):
    """Where and when a repair order's work is done when it is not done in a bay: at the
    customer's home, or installing or repairing charging equipment (docs/DOMAIN.md §17.9).

    The order keeps its one workflow; this row adds what site work needs: the address, the
    time window promised, the one-way travel time, the van, the kit ticked at departure,
    and for a wall-box the site survey (with photos) before the estimate is authorised and
    the customer's signed acceptance before the order is ready."""

    repair_order = models.OneToOneField(RepairOrder, on_delete=models.CASCADE, related_name="site_visit")
    kind = models.CharField(_("site work"), max_length=20, choices=SiteKind.choices)
    address = models.CharField(_("address"), max_length=200)
    window_start = models.DateTimeField(_("arrival window from"), null=True, blank=True)
    window_end = models.DateTimeField(_("arrival window to"), null=True, blank=True)
    travel_minutes = models.PositiveSmallIntegerField(
        _("travel time one way (minutes)"), default=30, validators=[MaxValueValidator(480)]
    )
    van = models.ForeignKey(
        Van, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("service van")
    )
    # Departure (出车): every kit item of the kind ticked, by whom and when.
    kit_checked = models.JSONField(_("kit ticked"), default=list, blank=True)
    kit_confirmed_at = models.DateTimeField(_("kit confirmed at"), null=True, blank=True)
    kit_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Wall-box: the site survey (现场勘测) and the acceptance (验收) signed by the customer.
    survey_notes = models.TextField(_("site survey"), blank=True)
    surveyed_at = models.DateTimeField(_("surveyed at"), null=True, blank=True)
    surveyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    survey_photos = models.ManyToManyField(Photo, blank=True, related_name="+", verbose_name=_("survey photos"))
    acceptance_note = models.CharField(_("acceptance note"), max_length=200, blank=True)
    acceptance_signature = models.TextField(_("customer signature"), blank=True, max_length=SIGNATURE_MAX_LENGTH)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    objects = SiteVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("site visit")
        verbose_name_plural = _("site visits")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_start__isnull=True)
                | models.Q(window_end__isnull=True)
                | models.Q(window_end__gt=models.F("window_start")),
                name="service_sitevisit_window_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.repair_order_id}"

    @property
    def is_wallbox(self) -> bool:
        return self.kind == SiteKind.WALLBOX

    @property
    def kit_confirmed(self) -> bool:
        return self.kit_confirmed_at is not None

    @property
    def surveyed(self) -> bool:
        return self.surveyed_at is not None

    @property
    def accepted(self) -> bool:
        return self.accepted_at is not None
