"""The manager's KPI targets per store (docs/DOMAIN.md §10.2, §18.5), defaults in code; the daily
figures (§18.3), the targets per store and month (§18.4) and the monthly CRM report's snapshots (§18.6)."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.core.models import Store
from aftercare.core.querysets import AppendOnlyQuerySetMixin, StoreScopedQuerySet

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
    retention_pct = models.PositiveSmallIntegerField(_("retention target %"), default=85, validators=PCT)
    repurchase_pct = models.PositiveSmallIntegerField(_("repurchase target %"), default=70, validators=PCT)

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


class ProfitSettings(models.Model):
    """What the service profit report counts as the labour cost of an hour (docs/DOMAIN.md §18.7)."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    labour_cost_per_hour = models.DecimalField(
        _("labour cost per FRT hour"), max_digits=8, decimal_places=2, default=Decimal("60.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10000"))],
    )  # fmt: skip

    class Meta:
        verbose_name = _("profit settings")
        verbose_name_plural = _("profit settings")

    def __str__(self) -> str:
        return f"Profit settings · {self.store_id}"

    @classmethod
    def labour_cost_rate(cls, store_ids) -> Decimal:
        """One store's own rate; several stores (or none set) use the default."""
        store_ids = list(store_ids)
        if len(store_ids) == 1:
            row = cls.objects.filter(store_id=store_ids[0]).first()
            if row is not None:
                return row.labour_cost_per_hour
        return cls._meta.get_field("labour_cost_per_hour").default


class CrmReportQuerySet(AppendOnlyQuerySetMixin, StoreScopedQuerySet):
    def latest_versions(self):
        """Each (store, month)'s newest version."""
        newer = CrmReport.objects.filter(
            store=models.OuterRef("store"), month=models.OuterRef("month"), version__gt=models.OuterRef("version")
        )
        return self.filter(~models.Exists(newer))


class CrmReport(models.Model):
    """One version of a store's monthly CRM report (客户维系与回访月度报告, docs/DOMAIN.md §18.6):
    the figures as they were computed, never rewritten. Regenerating adds the next version."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    month = models.DateField(_("month"), help_text=_("The first day of the month reported."))
    version = models.PositiveSmallIntegerField(_("version"))
    figures = models.JSONField(_("figures"))
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("generated by"),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = CrmReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly CRM report")
        verbose_name_plural = _("monthly CRM reports")
        ordering = ["-month", "store_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["store", "month", "version"], name="reports_crm_report_version"),
        ]

    def __str__(self) -> str:
        return f"CRM report {self.store_id} {self.month:%Y-%m} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("A report version is never rewritten; generate a new version.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("A report version is never deleted.")
