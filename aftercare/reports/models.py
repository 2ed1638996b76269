"""The manager's KPI targets per store (docs/DOMAIN.md §10.2), defaults in code; the daily figures
(§18.3) and the targets per store and month (§18.4)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.core.models import Store
from aftercare.core.querysets import StoreScopedQuerySet

PCT = [MaxValueValidator(100)]


class KpiTargets(models.Model):
    """A store's targets, in percent. A store without a row uses the defaults."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    followup_coverage_pct = models.PositiveSmallIntegerField(
        _("follow-up coverage target %"), default=95, validators=PCT
    )
    satisfaction_pct = models.PositiveSmallIntegerField(_("satisfaction target %"), default=90, validators=PCT)
    complaint_resolution_pct = models.PositiveSmallIntegerField(
        _("complaint resolution target %"), default=98, validators=PCT
    )
    complaint_on_time_pct = models.PositiveSmallIntegerField(
        _("complaint deadlines met target %"), default=95, validators=PCT
    )

    class Meta:
        verbose_name = _("KPI targets")
        verbose_name_plural = _("KPI targets")

    def __str__(self) -> str:
        return f"KPI targets · {self.store_id}"

    @classmethod
    def for_stores(cls, store_ids) -> "KpiTargets":
        """One store's own targets; several stores are measured against the defaults."""
        store_ids = list(store_ids)
        if len(store_ids) == 1:
            row = cls.objects.filter(store_id=store_ids[0]).first()
            if row is not None:
                return row
        return cls()


MONEY = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0.00")}
HOURS = {"max_digits": 10, "decimal_places": 2, "default": Decimal("0.00")}


class DailyFigureQuerySet(StoreScopedQuerySet):
    pass


class DailyFigure(models.Model):
    """One store's figures of one local day (docs/DOMAIN.md §18.3), materialised from the source rows by
    reports.figures: the daily, monthly and group reports read these, never years of orders."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    day = models.DateField(_("day"))
    arrivals = models.PositiveIntegerField(_("arrivals"), default=0)
    deliveries = models.PositiveIntegerField(_("deliveries"), default=0)
    same_day_deliveries = models.PositiveIntegerField(_("delivered the same day"), default=0)
    open_orders = models.PositiveIntegerField(_("not yet delivered"), default=0)
    revenue_labour = models.DecimalField(_("labour revenue"), **MONEY)
    revenue_parts = models.DecimalField(_("parts revenue"), **MONEY)
    revenue_other = models.DecimalField(_("other revenue"), **MONEY)
    revenue_discount = models.DecimalField(_("discount"), **MONEY)
    revenue = models.DecimalField(_("revenue"), **MONEY)
    additional_sold = models.DecimalField(_("additional work sold"), **MONEY)
    payments = models.JSONField(_("payments by method"), default=dict, blank=True)
    payments_total = models.DecimalField(_("money received"), **MONEY)
    clocked_hours = models.DecimalField(_("clocked hours"), **HOURS)
    frt_hours = models.DecimalField(_("FRT hours"), **HOURS)
    available_hours = models.DecimalField(_("available hours"), **HOURS)
    jobs_finished = models.PositiveIntegerField(_("jobs finished"), default=0)
    new_customers = models.PositiveIntegerField(_("new customers"), default=0)
    surveyed = models.PositiveIntegerField(_("surveyed"), default=0)
    satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    objects = DailyFigureQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily figure")
        verbose_name_plural = _("daily figures")
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="dailyfigure_store_day")]
        indexes = [models.Index(fields=["day", "store"], name="dailyfigure_day_store")]

    def __str__(self) -> str:
        return f"{self.store_id} · {self.day}"


class DailyPersonFigure(models.Model):
    """One advisor's or technician's figures of one store and day (docs/DOMAIN.md §18.3)."""

    class Role(models.TextChoices):
        ADVISOR = "advisor", _("Service advisor")
        TECHNICIAN = "technician", _("Technician")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    day = models.DateField(_("day"))
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    arrivals = models.PositiveIntegerField(_("orders opened"), default=0)
    deliveries = models.PositiveIntegerField(_("deliveries"), default=0)
    revenue = models.DecimalField(_("revenue"), **MONEY)
    additional_sold = models.DecimalField(_("additional work sold"), **MONEY)
    surveyed = models.PositiveIntegerField(_("surveyed"), default=0)
    satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    clocked_hours = models.DecimalField(_("clocked hours"), **HOURS)
    frt_hours = models.DecimalField(_("FRT hours"), **HOURS)
    available_hours = models.DecimalField(_("available hours"), **HOURS)
    jobs_finished = models.PositiveIntegerField(_("jobs finished"), default=0)

    objects = DailyFigureQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily figure of a person")
        verbose_name_plural = _("daily figures of people")
        constraints = [
            models.UniqueConstraint(fields=["store", "day", "role", "person"], name="dailypersonfigure_unique")
        ]
        indexes = [models.Index(fields=["store", "role", "day"], name="dailyperson_store_role_day")]

    def __str__(self) -> str:
        return f"{self.store_id} · {self.day} · {self.role} {self.person_id}"


class Target(models.Model):
    """A store's target (经营目标) of one month for one figure (docs/DOMAIN.md §18.4). The keys are open:
    reports.targets lists the ones the reports know (arrivals, revenue, ... and each KPI)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    key = models.CharField(_("figure"), max_length=40)
    value = models.DecimalField(_("target"), max_digits=14, decimal_places=4, validators=[MinValueValidator(0)])
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("set by")
    )
    set_at = models.DateTimeField(_("set at"), default=timezone.now)

    objects = DailyFigureQuerySet.as_manager()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [models.UniqueConstraint(fields=["store", "month", "key"], name="target_store_month_key")]

    def __str__(self) -> str:
        return f"{self.store_id} · {self.month:%Y-%m} · {self.key}"
