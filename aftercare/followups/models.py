"""Follow-up calls (回访, docs/DOMAIN.md §7): the per-store rules, the call
scripts (话术), the tasks with their record, the unreachable attempts, and the
problems a call raises."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.core.models import Store, TimeStampedModel
from aftercare.core.querysets import StoreScopedQuerySet
from aftercare.customers.models import Customer, Vehicle
from aftercare.service.models import RepairOrder

from .choices import ContactChannel, Kind, ProblemCategory, ProblemStatus, RecordStatus, TaskStatus

SATISFACTION_RANGE = [MinValueValidator(1), MaxValueValidator(5)]


class FollowUpRule(models.Model):
    """A store's follow-up numbers (docs/DOMAIN.md §7.1). A store without a row works with
    the defaults (`for_store` returns an unsaved row), so nothing needs setting up."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    first_service_hours = models.PositiveSmallIntegerField(
        _("first-service call within (hours after delivery)"), default=24, validators=[MinValueValidator(1)]
    )
    maintenance_from_days = models.PositiveSmallIntegerField(_("maintenance call from (days after)"), default=3)
    maintenance_to_days = models.PositiveSmallIntegerField(
        _("maintenance call until (days after)"), default=5, validators=[MinValueValidator(1)]
    )
    maintenance_repair_types = models.CharField(
        _("repair types called as maintenance"), max_length=200, default="periodic,first_free",
        help_text=_("Repair type codes, separated by commas."),
    )  # fmt: skip
    repair_days = models.PositiveSmallIntegerField(_("repair call (days after)"), default=7)
    repair_repair_types = models.CharField(
        _("repair types called as repairs"), max_length=200, default="general,body_paint,warranty",
        help_text=_("Repair type codes, separated by commas."),
    )  # fmt: skip
    churn_months = models.PositiveSmallIntegerField(
        _("churn warning after (months without a visit)"), default=3, validators=[MinValueValidator(1)]
    )
    churn_call_days = models.PositiveSmallIntegerField(
        _("churn call within (days)"), default=3, validators=[MinValueValidator(1)]
    )
    holiday_days_before = models.PositiveSmallIntegerField(
        _("holiday care (days before the holiday)"), default=7, validators=[MinValueValidator(1)]
    )
    holiday_active_months = models.PositiveSmallIntegerField(
        _("holiday care for customers seen within (months)"), default=12, validators=[MinValueValidator(1)]
    )
    escalate_after_hours = models.PositiveSmallIntegerField(_("escalate when overdue by (hours)"), default=2)
    unreachable_tries = models.PositiveSmallIntegerField(
        _("tries before closing as unreachable"), default=3, validators=[MinValueValidator(1)]
    )
    retry_after_hours = models.PositiveSmallIntegerField(
        _("retry an unreachable customer after (hours)"), default=24, validators=[MinValueValidator(1)]
    )
    problem_hours = models.PositiveSmallIntegerField(
        _("a raised problem is handled within (hours)"), default=24, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("follow-up rules")
        verbose_name_plural = _("follow-up rules")

    def __str__(self) -> str:
        return f"{self.store}"

    @classmethod
    def for_store(cls, store: Store) -> "FollowUpRule":
        return cls.objects.filter(store=store).first() or cls(store=store)

    @staticmethod
    def _codes(value: str) -> set[str]:
        return {code.strip() for code in value.split(",") if code.strip()}

    @property
    def maintenance_codes(self) -> set[str]:
        return self._codes(self.maintenance_repair_types)

    @property
    def repair_codes(self) -> set[str]:
        return self._codes(self.repair_repair_types)


class FollowUpScript(models.Model):
    """A store's call script (话术) for one kind of follow-up; the defaults in
    scripts.py apply while a store has not written its own."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("script"))

    class Meta:
        verbose_name = _("follow-up script")
        verbose_name_plural = _("follow-up scripts")
        constraints = [models.UniqueConstraint(fields=["store", "kind"], name="followups_script_unique_kind")]

    def __str__(self) -> str:
        return self.get_kind_display()


class FollowUpTaskQuerySet(StoreScopedQuerySet):
    def open(self):
        return self.filter(status=TaskStatus.OPEN)


class FollowUpTask(TimeStampedModel):
    """One call to make, and its record (docs/DOMAIN.md §7.4).

    Made by services.followup_create, idempotent on (store, kind, source_key): the
    source key names what caused the task (a repair order, a complaint, a holiday
    and customer), so generating twice never calls a customer twice. A task is
    owned by a user, or by a role in the store (claimable by anyone holding it)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    source_key = models.CharField(_("source"), max_length=80)
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="followups", verbose_name=_("customer")
    )
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("vehicle")
    )
    repair_order = models.ForeignKey(
        RepairOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="followups",
        verbose_name=_("repair order"),
    )  # fmt: skip
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=pgettext_lazy("complaint handler", "owner"),
    )  # fmt: skip
    owner_role = models.CharField(_("owner role"), max_length=30, blank=True)
    available_at = models.DateTimeField(_("call from"), default=timezone.now)
    due_at = models.DateTimeField(_("call by"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(_("unreachable attempts"), default=0)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("escalated to"),
    )  # fmt: skip
    # The record (回访记录表)
    contact_channel = models.CharField(_("contact used"), max_length=10, choices=ContactChannel.choices, blank=True)
    contact_value = models.CharField(_("phone / WeChat ID"), max_length=50, blank=True)
    contacted_at = models.DateTimeField(_("call time"), null=True, blank=True)
    feedback = models.TextField(_("feedback"), blank=True)
    problem_category = models.CharField(
        _("problem category"), max_length=12, choices=ProblemCategory.choices, blank=True
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("responsible person"),
    )  # fmt: skip
    handling_result = models.CharField(_("handling result"), max_length=300, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"),
        null=True,
        blank=True,
        validators=SATISFACTION_RANGE,
        help_text=_("1 very dissatisfied - 5 very satisfied"),
    )
    record_status = models.CharField(
        _("record status"), max_length=10, choices=RecordStatus.choices, default=RecordStatus.PENDING
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("called by"),
    )  # fmt: skip

    objects = FollowUpTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "kind", "source_key"], name="followups_task_unique_source")
        ]
        indexes = [
            models.Index(fields=["store", "status", "due_at"], name="followups_store_queue"),
            models.Index(fields=["owner", "status", "due_at"], name="followups_owner_queue"),
            models.Index(fields=["customer", "-due_at"], name="followups_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def is_overdue(self, now=None) -> bool:
        return self.status == TaskStatus.OPEN and self.due_at < (now or timezone.now())


class FollowUpAttempt(models.Model):
    """A call that did not reach the customer; retried on the store's schedule."""

    task = models.ForeignKey(FollowUpTask, on_delete=models.CASCADE, related_name="attempt_rows")
    attempted_at = models.DateTimeField(_("time"), default=timezone.now)
    attempted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("contact used"), max_length=10, choices=ContactChannel.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.task_id} @ {self.attempted_at:%Y-%m-%d %H:%M}"


class FollowUpProblemQuerySet(StoreScopedQuerySet):
    pass


class FollowUpProblem(TimeStampedModel):
    """A problem a customer raised in a follow-up or a low survey score: the
    responsible person handles it within the deadline and tells the customer.
    Each step keeps its time. Unique per source, so it is raised once."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    source_key = models.CharField(_("source"), max_length=80)
    task = models.ForeignKey(
        FollowUpTask, on_delete=models.PROTECT, null=True, blank=True, related_name="problems",
        verbose_name=_("follow-up"),
    )  # fmt: skip
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer"))
    repair_order = models.ForeignKey(
        RepairOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("repair order")
    )
    category = models.CharField(_("problem category"), max_length=12, choices=ProblemCategory.choices)
    description = models.TextField(_("description"), blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("responsible person"),
    )  # fmt: skip
    status = models.CharField(_("status"), max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    due_at = models.DateTimeField(_("handle by"))
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handling_result = models.CharField(_("handling result"), max_length=300, blank=True)
    informed_at = models.DateTimeField(_("customer informed at"), null=True, blank=True)

    objects = FollowUpProblemQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up problem")
        verbose_name_plural = _("follow-up problems")
        ordering = ["due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["store", "source_key"], name="followups_problem_unique_source")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} #{self.pk}"

    def is_late(self, now=None) -> bool:
        now = now or timezone.now()
        return (self.handled_at or now) > self.due_at
