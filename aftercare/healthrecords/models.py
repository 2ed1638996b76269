"""The national electronic vehicle health record (汽车维修电子健康档案, docs/DOMAIN.md §23)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.core.models import Store
from aftercare.core.querysets import AppendOnlyQuerySetMixin, StoreScopedQuerySet
from aftercare.customers.models import Vehicle
from aftercare.service.models import RepairOrder

from .choices import STATE_BADGES, UploadState


class HealthRecordSettings(models.Model):
    """A store's connection to its provincial platform and its settlement check.
    A store without this row is not connected: its records are kept and exported,
    nothing is uploaded and settlement is not checked (docs/DOMAIN.md §23.2)."""

    store = models.OneToOneField(
        Store, on_delete=models.CASCADE, related_name="health_record_settings", verbose_name=_("store")
    )
    check_on_settlement = models.BooleanField(_("block settlement when an element is missing"), default=True)
    upload_enabled = models.BooleanField(_("upload to the platform"), default=False)
    endpoint_url = models.URLField(_("platform endpoint"), max_length=300, blank=True)
    company_code = models.CharField(
        _("company code"), max_length=40, blank=True, help_text=_("The repair business's code on the platform.")
    )
    app_key = models.CharField(_("key"), max_length=100, blank=True)
    app_secret = models.CharField(_("secret"), max_length=200, blank=True)
    sandbox = models.BooleanField(
        _("sandbox"), default=False, help_text=_("Demo only: answer locally, never reach the platform.")
    )

    class Meta:
        verbose_name = _("health record settings")
        verbose_name_plural = _("health record settings")

    def __str__(self) -> str:
        return f"{self.store_id}"


class HealthRecordQuerySet(StoreScopedQuerySet):
    def in_period(self, start, end):
        return self.filter(settle_date__gte=start, settle_date__lte=end)


class HealthRecord(models.Model):
    """One settled repair order's record: the 13 elements as they stood at
    settlement (a snapshot: a later change to the order does not alter it; a
    correction is its own audited change), with its upload state."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    repair_order = models.OneToOneField(
        RepairOrder, on_delete=models.PROTECT, related_name="health_record", verbose_name=_("repair order")
    )
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="+", verbose_name=_("vehicle"))
    # The 13 elements (docs/DOMAIN.md §23.1).
    company_name = models.CharField(_("repair business"), max_length=100)
    vin = models.CharField(_("VIN"), max_length=17)
    plate = models.CharField(_("plate"), max_length=12, blank=True)
    repair_date = models.DateField(_("date brought in"))
    repair_mileage = models.PositiveIntegerField(_("odometer when brought in (km)"), null=True, blank=True)
    settle_date = models.DateField(_("settlement date"))
    settle_number = models.CharField(_("settlement document number"), max_length=20)
    fault_description = models.TextField(_("fault description"), blank=True)
    # [{"name", "code", "hours"}]: repair items with their labour hours.
    repair_items = models.JSONField(_("repair items"), default=list)
    labour_hours = models.DecimalField(_("labour hours"), max_digits=8, decimal_places=2, default=0)
    # [{"name", "code", "quantity"}]: part names, part codes and part quantities.
    parts = models.JSONField(_("parts"), default=list, blank=True)

    status = models.CharField(
        _("upload state"), max_length=10, choices=UploadState.choices, default=UploadState.PENDING
    )
    reject_reason = models.CharField(_("rejection reason"), max_length=300, blank=True)
    last_error = models.CharField(_("last upload error"), max_length=300, blank=True)
    attempts = models.PositiveIntegerField(_("upload attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("taken at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HealthRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("health record")
        verbose_name_plural = _("health records")
        ordering = ["-settle_date", "-id"]
        indexes = [
            models.Index(fields=["store", "settle_date"], name="health_record_store_day"),
            models.Index(fields=["store", "status"], name="health_record_store_state"),
            models.Index(fields=["vehicle", "settle_date"], name="health_record_vehicle_day"),
        ]

    def __str__(self) -> str:
        return self.settle_number

    @property
    def badge(self) -> str:
        return STATE_BADGES.get(self.status, "secondary")


class HealthRecordStatusChangeQuerySet(AppendOnlyQuerySetMixin, models.QuerySet):
    pass


class HealthRecordStatusChange(models.Model):
    """One move of a record's upload state (append-only): from, to, who, when,
    and the platform's reason for a rejection."""

    record = models.ForeignKey(
        HealthRecord, on_delete=models.PROTECT, related_name="status_changes", verbose_name=_("health record")
    )
    from_status = models.CharField(_("from"), max_length=10, choices=UploadState.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=UploadState.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    changed_at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = HealthRecordStatusChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("health record upload change")
        verbose_name_plural = _("health record upload changes")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.record_id}: {self.from_status} → {self.to_status}"
