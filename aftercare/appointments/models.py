"""Appointments (预约, docs/DOMAIN.md §5): a customer's vehicle booked
into a time, a bay and a technician, with the work wanted and its estimate;
plus the store's booking settings and the technicians' shifts that capacity
is computed from (selectors.free_slots)."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.catalog.choices import SiteKind
from aftercare.catalog.models import Bay, LabourOperation, RepairType, Van
from aftercare.core.models import Store, TimeStampedModel
from aftercare.core.querysets import StoreScopedQuerySet
from aftercare.customers.models import Customer, Vehicle

from .choices import CHANGEABLE_STATUSES, HOLDING_STATUSES, STATUS_COLOURS, TRANSITIONS, Channel
from .choices import AppointmentStatus as Status

ZERO = Decimal("0.00")
DEFAULT_SLOT_MINUTES = 30
# The arrival window a customer of site work is given (docs/DOMAIN.md §17.9).
ARRIVAL_WINDOW = timedelta(hours=1)
DEFAULT_REMINDER = _("Please bring your driving licence (行驶证) and the maintenance booklet (保养手册).")


class StoreSchedule(models.Model):
    """A store's booking rules. Opening hours are the store's (core); a store
    without a row books with the defaults (`for_store`)."""

    store = models.OneToOneField(
        Store, on_delete=models.CASCADE, related_name="appointment_schedule", verbose_name=_("store")
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot size (minutes)"),
        default=DEFAULT_SLOT_MINUTES,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text=_("Booked durations are rounded up to whole slots."),
    )
    bring_reminder = models.CharField(
        _("what to bring"), max_length=200, blank=True, help_text=_("Printed on every new appointment.")
    )

    class Meta:
        verbose_name = _("booking settings")
        verbose_name_plural = _("booking settings")

    def __str__(self) -> str:
        return f"{self.store} · {self.slot_minutes} min"

    @classmethod
    def for_store(cls, store: Store) -> "StoreSchedule":
        return cls.objects.filter(store=store).first() or cls(store=store)

    @property
    def reminder(self) -> str:
        return self.bring_reminder or str(DEFAULT_REMINDER)


class TechnicianShiftQuerySet(StoreScopedQuerySet):
    pass


class TechnicianShift(models.Model):
    """One technician's hours on one day in a store, when they differ from the
    store's opening hours; `is_absent` (leave, training, sick) takes the whole day off."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("technician")
    )
    day = models.DateField(_("day"))
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    ends_at = models.TimeField(_("ends at"), null=True, blank=True)
    is_absent = models.BooleanField(_("absent"), default=False)
    note = models.CharField(_("note"), max_length=100, blank=True)

    objects = TechnicianShiftQuerySet.as_manager()

    class Meta:
        verbose_name = _("technician shift")
        verbose_name_plural = _("technician shifts")
        constraints = [
            models.UniqueConstraint(fields=["store", "technician", "day"], name="appt_shift_one_per_day"),
            models.CheckConstraint(
                condition=Q(is_absent=True)
                | Q(starts_at__isnull=False, ends_at__isnull=False, starts_at__lt=F("ends_at")),
                name="appt_shift_hours_or_absent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.technician} {self.day}"

    def clean(self):
        super().clean()
        if not self.is_absent and (self.starts_at is None or self.ends_at is None or self.starts_at >= self.ends_at):
            raise ValidationError({"ends_at": _("Enter a start before the end, or mark the day as absent.")})


class AppointmentQuerySet(StoreScopedQuerySet):
    def holding(self):
        """Appointments that occupy their bay and technician."""
        return self.filter(status__in=HOLDING_STATUSES)

    def overlapping(self, start, end):
        return self.filter(start_at__lt=end, end_at__gt=start)

    def on_day(self, day_start, day_end):
        return self.filter(start_at__lt=day_end, end_at__gt=day_start)


class Appointment(TimeStampedModel):
    """A booking: who comes with which vehicle, when, for what work, into
    which bay and to which technician, and what it will roughly cost.

    The estimate (hours, duration, price) is computed by the services from the
    booked operations and kept here, so lists and the day grid read it without
    summing lines. A booking never overlaps another holding appointment of the
    same bay or technician: services.appointment_book checks that under a lock."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("store"))
    number = models.CharField(_("appointment number"), max_length=20)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.BOOKED)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("customer")
    )
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("vehicle")
    )
    contact_phone = models.CharField(_("contact phone"), max_length=11, blank=True)
    complaint = models.TextField(_("complaint or service wanted"), blank=True)
    repair_type = models.ForeignKey(
        RepairType, on_delete=models.PROTECT, related_name="+", verbose_name=_("repair type")
    )
    estimated_hours = models.DecimalField(_("FRT hours"), max_digits=6, decimal_places=2, default=ZERO)
    # Bounded explicitly: the API schema would otherwise take the bound from the database backend.
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), validators=[MaxValueValidator(7 * 24 * 60)])
    estimated_price = models.DecimalField(_("estimated labour"), max_digits=12, decimal_places=2, default=ZERO)
    start_at = models.DateTimeField(_("starts at"))
    end_at = models.DateTimeField(_("ends at"))
    bay = models.ForeignKey(
        Bay, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("bay")
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("technician"),
    )
    # Site work (docs/DOMAIN.md §17.9): done at the customer's address with a van instead of a bay;
    # start_at..end_at then runs from leaving the store to coming back (travel both ways included).
    site_kind = models.CharField(_("site work"), max_length=20, choices=SiteKind.choices, blank=True)
    site_address = models.CharField(_("address"), max_length=200, blank=True)
    travel_minutes = models.PositiveSmallIntegerField(
        _("travel time one way (minutes)"), default=0, validators=[MaxValueValidator(480)]
    )
    van = models.ForeignKey(
        Van, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("service van")
    )
    bring_reminder = models.CharField(_("what to bring"), max_length=200, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("booked by")
    )
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    repair_order = models.OneToOneField(
        "service.RepairOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointment",
        verbose_name=_("repair order"),
    )

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["start_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="appt_number_unique_per_store"),
            models.CheckConstraint(condition=Q(end_at__gt=F("start_at")), name="appt_ends_after_start"),
            models.CheckConstraint(condition=Q(duration_minutes__gt=0), name="appt_duration_positive"),
        ]
        indexes = [
            models.Index(fields=["store", "start_at"], name="appt_store_start"),
            models.Index(fields=["bay", "start_at"], name="appt_bay_start"),
            models.Index(fields=["technician", "start_at"], name="appt_technician_start"),
            models.Index(fields=["vehicle", "-start_at"], name="appt_vehicle_history"),
            models.Index(fields=["van", "start_at"], name="appt_van_start"),
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
    def is_changeable(self) -> bool:
        return self.status in CHANGEABLE_STATUSES

    @property
    def is_holding(self) -> bool:
        return self.status in HOLDING_STATUSES

    @property
    def is_site_work(self) -> bool:
        return bool(self.site_kind)

    @property
    def arrival_window(self) -> tuple:
        """When the technician arrives at the customer's: from leaving plus the travel time,
        for one hour (docs/DOMAIN.md §17.9)."""
        arrives = self.start_at + timedelta(minutes=self.travel_minutes)
        return arrives, arrives + ARRIVAL_WINDOW


class AppointmentOperation(models.Model):
    """One catalogue operation booked, with its FRT hours and labour price as
    estimated at booking time (the estimate the customer was told)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="operations")
    operation = models.ForeignKey(
        LabourOperation, on_delete=models.PROTECT, related_name="+", verbose_name=_("operation")
    )
    hours = models.DecimalField(_("FRT hours"), max_digits=6, decimal_places=2)
    amount = models.DecimalField(_("estimated labour"), max_digits=12, decimal_places=2)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("booked operation")
        verbose_name_plural = _("booked operations")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.operation} {self.amount}"


class AppointmentStatusChange(models.Model):
    """One move of an appointment: from, to, who, when, why (append-only)."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("appointment")
    )
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    changed_at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("appointment status change")
        verbose_name_plural = _("appointment status changes")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.appointment_id}: {self.from_status} → {self.to_status}"
