"""Battery and telematics history, fault codes, software versions and the battery
forecast of each electric or plug-in vehicle (docs/DOMAIN.md §17)."""

import re
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.core.models import Store
from aftercare.core.querysets import StoreScopedQuerySet
from aftercare.customers.models import Vehicle
from aftercare.service.models import RepairOrder

from .choices import Controller, DtcStatus, ForecastStatus, ReadingSource, UpdateChannel

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class BatteryReading(models.Model):
    """One reading of the traction battery and the car's charging habits, as the carmaker's
    telematics export or the diagnostic tool gave it. Every reading is kept: the SOH trend and
    the forecast are read from this history. One reading per vehicle and moment."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="battery_readings")
    read_at = models.DateTimeField(_("read at"))
    soh = models.DecimalField(_("state of health (%)"), max_digits=5, decimal_places=2, validators=PERCENT)
    soc = models.DecimalField(
        _("state of charge (%)"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    cycle_count = models.PositiveIntegerField(
        _("cycle count"), null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    cell_spread_mv = models.PositiveIntegerField(
        _("cell voltage spread (mV)"), null=True, blank=True, validators=[MaxValueValidator(5_000)]
    )
    max_cell_temp = models.DecimalField(
        _("max cell temperature (°C)"), max_digits=4, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(Decimal("-50")), MaxValueValidator(Decimal("150"))],
    )  # fmt: skip
    dc_share = models.DecimalField(
        _("DC fast charging share (%)"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    depth_of_discharge = models.DecimalField(
        _("typical depth of discharge (%)"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    sessions_per_week = models.DecimalField(
        _("charging sessions per week"), max_digits=4, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )  # fmt: skip
    source = models.CharField(_("source"), max_length=10, choices=ReadingSource.choices, default=ReadingSource.IMPORT)
    order = models.ForeignKey(
        RepairOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("repair order")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("battery reading")
        verbose_name_plural = _("battery readings")
        ordering = ["vehicle", "read_at"]
        constraints = [models.UniqueConstraint(fields=["vehicle", "read_at"], name="ev_reading_once_per_moment")]
        indexes = [models.Index(fields=["store", "vehicle", "read_at"], name="ev_reading_store_vehicle")]

    def __str__(self) -> str:
        return f"{self.vehicle_id} {self.read_at:%Y-%m-%d} {self.soh}%"


class TroubleCode(models.Model):
    """A diagnostic trouble code (DTC) of a vehicle: one occurrence from first to last seen,
    open until the car reports it cleared. The same code seen again later is a new occurrence."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="trouble_codes")
    code = models.CharField(_("code"), max_length=12)
    description = models.CharField(_("description"), max_length=200, blank=True)
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"))
    status = models.CharField(_("status"), max_length=10, choices=DtcStatus.choices, default=DtcStatus.OPEN)
    source = models.CharField(_("source"), max_length=10, choices=ReadingSource.choices, default=ReadingSource.IMPORT)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("trouble code")
        verbose_name_plural = _("trouble codes")
        ordering = ["vehicle", "-last_seen"]
        constraints = [
            models.UniqueConstraint(fields=["vehicle", "code", "first_seen"], name="ev_dtc_one_occurrence"),
            models.CheckConstraint(condition=models.Q(last_seen__gte=models.F("first_seen")), name="ev_dtc_seen_order"),
        ]
        indexes = [models.Index(fields=["store", "status"], name="ev_dtc_store_status")]

    def __str__(self) -> str:
        return self.code


def version_key(version: str) -> str:
    """A version as text that sorts like the version: every number zero-padded to 6 digits
    (3.10.2 > 3.9.15; docs/DOMAIN.md §17.3)."""
    return ".".join(part.zfill(6) if part.isdigit() else part for part in re.split(r"[.\-_ ]+", version.strip()))[:120]


class SoftwareVersion(models.Model):
    """The software version a controller of a vehicle ran from a moment on, and where it was
    installed (over the air, or in the store on a repair order). `is_current` marks each
    controller's latest version, which the campaign segment "below version X" reads."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="software_versions")
    controller = models.CharField(_("controller"), max_length=4, choices=Controller.choices)
    version = models.CharField(_("version"), max_length=40)
    version_key = models.CharField(max_length=120, editable=False)
    installed_at = models.DateTimeField(_("installed at"))
    channel = models.CharField(_("where"), max_length=5, choices=UpdateChannel.choices, default=UpdateChannel.OTA)
    order = models.ForeignKey(
        RepairOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("repair order")
    )
    is_current = models.BooleanField(default=False)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("software version")
        verbose_name_plural = _("software versions")
        ordering = ["vehicle", "controller", "-installed_at"]
        constraints = [
            models.UniqueConstraint(fields=["vehicle", "controller", "installed_at"], name="ev_version_once")
        ]
        indexes = [models.Index(fields=["controller", "is_current", "version_key"], name="ev_version_current")]

    def __str__(self) -> str:
        return f"{self.controller} {self.version}"

    def save(self, *args, **kwargs):
        self.version_key = version_key(self.version)
        if kwargs.get("update_fields") is not None and "version" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "version_key"}
        super().save(*args, **kwargs)


class BatteryForecast(models.Model):
    """The battery forecast of one vehicle, kept by the nightly job (docs/DOMAIN.md §17.4): when
    SOH is expected to cross the service and warranty thresholds, each with its band."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    vehicle = models.OneToOneField(Vehicle, on_delete=models.CASCADE, related_name="battery_forecast")
    computed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=ForecastStatus.choices)
    readings = models.PositiveIntegerField(_("readings"), default=0)
    last_soh = models.DecimalField(_("last SOH (%)"), max_digits=5, decimal_places=2, null=True)
    slope_per_year = models.DecimalField(_("SOH change per year"), max_digits=7, decimal_places=2, null=True)
    service_on = models.DateField(_("service threshold on"), null=True)
    service_early = models.DateField(null=True)
    service_late = models.DateField(null=True)
    warranty_on = models.DateField(_("warranty threshold on"), null=True)
    warranty_early = models.DateField(null=True)
    warranty_late = models.DateField(null=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("battery forecast")
        verbose_name_plural = _("battery forecasts")
        indexes = [models.Index(fields=["store", "service_on"], name="ev_forecast_store_service")]

    def __str__(self) -> str:
        return f"{self.vehicle_id} {self.status}"
