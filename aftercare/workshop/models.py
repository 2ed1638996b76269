"""The workshop (车间, docs/DOMAIN.md §6): jobs dispatched to technicians and bays (派工),
the time technicians clock on them, the final inspection (完工检查) with its
rework, and the wash (清洗).

A job is the workshop side of one labour line of a repair order: the line keeps
its technician and bay (the spine's fields), the Job keeps what only the
workshop needs: its state, the time required, the actual time worked."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.catalog.models import Bay
from aftercare.core.models import Store
from aftercare.core.money import QUANTITY_VALIDATORS
from aftercare.core.querysets import StoreScopedQuerySet
from aftercare.service.models import RepairOrder, RepairOrderLine

from .choices import JOB_STATUS_COLOURS, CheckResult, InspectionResult, JobStatus

SECONDS_PER_HOUR = Decimal(3600)
HUNDREDTH = Decimal("0.01")


def hours_from_seconds(seconds: int) -> Decimal:
    """Worked time as hours to two decimals, comparable with FRT hours (not money)."""
    return (Decimal(seconds) / SECONDS_PER_HOUR).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


class JobQuerySet(StoreScopedQuerySet):
    def open(self):
        return self.exclude(status=JobStatus.DONE)


class Job(models.Model):
    """One labour line dispatched to a technician (and a bay), with its state and
    the time actually worked. `actual_seconds` is the sum of its closed clocks,
    kept by the clock services, so lists compare actual and FRT hours without
    summing clocks."""

    line = models.OneToOneField(RepairOrderLine, on_delete=models.CASCADE, related_name="job")
    # Denormalised from the line, so scoping and the board need no join through lines.
    repair_order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="workshop_jobs")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="workshop_jobs", verbose_name=_("technician")
    )
    bay = models.ForeignKey(
        Bay, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("bay")
    )
    status = models.CharField(_("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.ASSIGNED)
    required_finish_at = models.DateTimeField(_("required finish"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), default=timezone.now)
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    actual_seconds = models.PositiveIntegerField(_("time worked (s)"), default=0)
    rework_count = models.PositiveSmallIntegerField(_("rework count"), default=0)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["required_finish_at", "id"]
        indexes = [
            models.Index(fields=["technician", "status"], name="job_technician_status"),
            models.Index(fields=["store", "status"], name="job_store_status"),
        ]

    def __str__(self) -> str:
        return f"{self.repair_order_id}/{self.line_id} {self.get_status_display()}"

    @property
    def status_colour(self) -> str:
        return JOB_STATUS_COLOURS.get(self.status, "secondary")

    @property
    def actual_hours(self) -> Decimal:
        return hours_from_seconds(self.actual_seconds)

    @property
    def frt_hours(self) -> Decimal:
        return self.line.hours

    @property
    def can_clock_on(self) -> bool:
        return self.status in (JobStatus.ASSIGNED, JobStatus.PAUSED, JobStatus.REWORK)

    def is_late(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(self.required_finish_at and self.status != JobStatus.DONE and self.required_finish_at < now)


class JobClockQuerySet(StoreScopedQuerySet):
    store_lookup = "job__store"

    def running(self):
        return self.filter(ended_at__isnull=True)


class JobClock(models.Model):
    """One stretch of work of a technician on a job (开工 / 停工). A technician
    has at most one running clock: the database enforces it, so two taps on two
    tablets cannot clock one person on to two jobs."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="clocks")
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = JobClockQuerySet.as_manager()

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["technician"], condition=Q(ended_at__isnull=True), name="jobclock_one_running_per_technician"
            ),
        ]
        indexes = [models.Index(fields=["technician", "started_at"], name="jobclock_technician_time")]

    def __str__(self) -> str:
        return f"{self.technician_id} {self.started_at:%Y-%m-%d %H:%M}–{self.ended_at or ''}"

    @property
    def seconds(self) -> int:
        end = self.ended_at or timezone.now()
        return max(0, int((end - self.started_at).total_seconds()))


class QualityCheckQuerySet(StoreScopedQuerySet):
    def latest_for(self, order):
        return self.filter(repair_order=order).order_by("-checked_at", "-id").first()


class QualityCheck(models.Model):
    """The final inspection of a repair order (完工检查, docs/DOMAIN.md §6.4): the
    checklist answers, the road test, and pass or fail with the reason. A fail
    sends named jobs back as rework; the next inspection is a new row, so the
    history of every round stays."""

    repair_order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="quality_checks")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("inspector")
    )
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)
    result = models.CharField(_("result"), max_length=4, choices=InspectionResult.choices)
    road_test_required = models.BooleanField(_("road test needed"), default=False)
    road_test_done = models.BooleanField(_("road test done"), default=False)
    reason = models.TextField(_("reason / notes"), blank=True)

    objects = QualityCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("quality check")
        verbose_name_plural = _("quality checks")
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["repair_order", "-checked_at"], name="qc_order_latest")]

    def __str__(self) -> str:
        return f"{self.repair_order_id} {self.get_result_display()}"

    @property
    def passed(self) -> bool:
        return self.result == InspectionResult.PASS


class QualityCheckItem(models.Model):
    """One checklist line of an inspection: the catalogue item (name kept as it
    was, in case the catalogue changes later) and the answer."""

    quality_check = models.ForeignKey(QualityCheck, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    result = models.CharField(_("result"), max_length=6, choices=CheckResult.choices)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["quality_check", "code"], name="qcitem_unique_code")]

    def __str__(self) -> str:
        return f"{self.code}: {self.result}"


class ReworkQuerySet(StoreScopedQuerySet):
    store_lookup = "job__store"


class Rework(models.Model):
    """A job sent back to its technician by a failed inspection (返修), with the
    reason. Counted per technician as a quality KPI."""

    quality_check = models.ForeignKey(QualityCheck, on_delete=models.CASCADE, related_name="reworks")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="reworks")
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReworkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["technician", "created_at"], name="rework_technician_time")]

    def __str__(self) -> str:
        return f"rework {self.job_id}"


class WashQuerySet(StoreScopedQuerySet):
    store_lookup = "repair_order__store"


class Wash(models.Model):
    """The wash (清洗, docs/DOMAIN.md §6.5): when the car was washed and by whom."""

    repair_order = models.OneToOneField(RepairOrder, on_delete=models.CASCADE, related_name="wash")
    washed_at = models.DateTimeField(_("washed at"), default=timezone.now)
    washed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("washed by")
    )

    objects = WashQuerySet.as_manager()

    class Meta:
        verbose_name = _("wash")
        verbose_name_plural = _("washes")

    def __str__(self) -> str:
        return f"wash {self.repair_order_id}"


class FindingQuerySet(StoreScopedQuerySet):
    store_lookup = "job__store"

    def pending(self):
        return self.filter(proposed_line__isnull=True, dismissed=False)


class Finding(models.Model):
    """An additional finding (追加项目) a technician reports from a job (recorded on the
    job card, the front desk is told: docs/DOMAIN.md §6.3). If the reporter may
    edit the order it becomes a proposed line at once; otherwise the advisor or
    foreman proposes it to the customer (service.line_add) from the order page."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="findings")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(default=timezone.now)
    description = models.CharField(_("what was found"), max_length=300)
    operation = models.ForeignKey(
        "catalog.LabourOperation", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("suggested operation"),
    )  # fmt: skip
    part = models.ForeignKey(
        "catalog.Part", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("suggested part"),
    )  # fmt: skip
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=2, default=Decimal("1"), validators=QUANTITY_VALIDATORS
    )
    proposed_line = models.ForeignKey(
        RepairOrderLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dismissed = models.BooleanField(default=False)

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at", "-id"]

    def __str__(self) -> str:
        return self.description
