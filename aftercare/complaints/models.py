"""Complaints (投诉) and crises: who complained about what, who handles it, the
three clocks promised to the customer, and the history of every move."""

from dataclasses import dataclass
from datetime import datetime, timedelta

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

from .choices import (
    OPEN_STATUSES,
    STATUS_COLOURS,
    TRANSITIONS,
    Channel,
    Clock,
    ClockState,
    ComplaintType,
    Priority,
    Status,
)

# Defaults of every number a store may change (docs/DOMAIN.md §8.3).
DEFAULT_SETTINGS = {
    "contact_within_minutes": 60,
    "crisis_contact_within_minutes": 60,
    "answer_within_hours": 72,
    "inform_within_hours": 24,
    "followup_after_hours": 24,
}


class ComplaintSettings(models.Model):
    """A store's complaint clocks. A store without a row uses DEFAULT_SETTINGS."""

    store = models.OneToOneField(
        Store, on_delete=models.CASCADE, related_name="complaint_settings", verbose_name=_("store")
    )
    contact_within_minutes = models.PositiveIntegerField(
        _("first contact within (minutes)"), default=DEFAULT_SETTINGS["contact_within_minutes"],
        validators=[MinValueValidator(1)],
    )  # fmt: skip
    crisis_contact_within_minutes = models.PositiveIntegerField(
        _("crisis: first contact within (minutes)"), default=DEFAULT_SETTINGS["crisis_contact_within_minutes"],
        validators=[MinValueValidator(1)],
    )  # fmt: skip
    answer_within_hours = models.PositiveIntegerField(
        _("answered within (hours)"), default=DEFAULT_SETTINGS["answer_within_hours"],
        validators=[MinValueValidator(1)],
    )  # fmt: skip
    inform_within_hours = models.PositiveIntegerField(
        _("result told within (hours after resolution)"), default=DEFAULT_SETTINGS["inform_within_hours"],
        validators=[MinValueValidator(1)],
    )  # fmt: skip
    followup_after_hours = models.PositiveIntegerField(
        _("follow-up call due (hours after resolution)"), default=DEFAULT_SETTINGS["followup_after_hours"],
        validators=[MinValueValidator(1)],
    )  # fmt: skip

    class Meta:
        verbose_name = _("complaint settings")
        verbose_name_plural = _("complaint settings")

    def __str__(self) -> str:
        return f"{self.store}"

    @classmethod
    def for_store(cls, store: Store) -> "ComplaintSettings":
        """The store's row, or an unsaved one holding the defaults."""
        return cls.objects.filter(store=store).first() or cls(store=store)


class ComplaintQuerySet(StoreScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def breached(self):
        return self.filter(
            models.Q(contact_breached=True) | models.Q(answer_breached=True) | models.Q(inform_breached=True)
        )


@dataclass(frozen=True)
class ClockView:
    """One clock as the complaint page shows it."""

    clock: str
    label: str
    due_at: datetime | None
    done_at: datetime | None
    state: str
    taken: timedelta | None

    @property
    def colour(self) -> str:
        return {ClockState.MET: "success", ClockState.BREACHED: "danger", ClockState.RUNNING: "warning"}.get(
            self.state, "secondary"
        )

    @property
    def state_label(self) -> str:
        return ClockState(self.state).label

    @property
    def taken_text(self) -> str:
        """The time taken (so far) as "2 d 3 h 5 min"."""
        if self.taken is None:
            return ""
        minutes = max(int(self.taken.total_seconds() // 60), 0)
        days, minutes = divmod(minutes, 24 * 60)
        hours, minutes = divmod(minutes, 60)
        parts = [_("%(n)d d") % {"n": days}] if days else []
        if days or hours:
            parts.append(_("%(n)d h") % {"n": hours})
        parts.append(_("%(n)d min") % {"n": minutes})
        return " ".join(str(p) for p in parts)


class Complaint(TimeStampedModel):
    """A customer's complaint or a crisis. Its status moves only through
    services.complaint_transition (TRANSITIONS, a ComplaintStatusChange per move).

    Deadlines are fixed when the clock starts (from the store's settings at
    that moment), so changing the settings never rewrites the past. The
    *_breached flags are set by the move that stops a clock late and by the
    scheduled breach job for clocks still running past their deadline."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("store"))
    number = models.CharField(_("complaint number"), max_length=20)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("customer")
    )
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints", verbose_name=_("vehicle")
    )
    repair_order = models.ForeignKey(
        RepairOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints",
        verbose_name=_("repair order"),
    )  # fmt: skip
    staff_concerned = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("staff concerned"),
    )  # fmt: skip
    channel = models.CharField(pgettext_lazy("complaint or survey", "channel"), max_length=20, choices=Channel.choices)
    complaint_type = models.CharField(_("type"), max_length=20, choices=ComplaintType.choices)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    description = models.TextField(_("description"))
    customer_words = models.TextField(_("customer's own words"), blank=True)
    is_crisis = models.BooleanField(
        _("crisis"), default=False, help_text=_("Vehicle damaged in the shop or a service accident.")
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=pgettext_lazy("complaint handler", "owner"),
    )  # fmt: skip
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    # Handling
    resolution_plan = models.TextField(_("resolution plan"), blank=True)
    plan_due_at = models.DateTimeField(_("plan deadline"), null=True, blank=True)
    result = models.TextField(_("handling result"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction with the handling"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )  # fmt: skip
    closing_note = models.TextField(_("closing note"), blank=True)
    # Each step timestamped
    contacted_at = models.DateTimeField(_("contacted at"), null=True, blank=True)
    planned_at = models.DateTimeField(_("plan agreed at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    informed_at = models.DateTimeField(_("customer informed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Clocks
    contact_due_at = models.DateTimeField(_("contact due"))
    answer_due_at = models.DateTimeField(_("answer due"))
    inform_due_at = models.DateTimeField(_("result due"), null=True, blank=True)
    contact_breached = models.BooleanField(_("contact late"), default=False)
    answer_breached = models.BooleanField(_("answer late"), default=False)
    inform_breached = models.BooleanField(_("result told late"), default=False)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("escalated to"),
    )  # fmt: skip

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["store", "number"], name="complaint_number_unique")]
        indexes = [
            models.Index(fields=["store", "status"], name="complaint_store_status"),
            models.Index(fields=["store", "-received_at"], name="complaint_store_received"),
            models.Index(fields=["submitted_by", "-received_at"], name="complaint_submitter"),
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
    def is_breached(self) -> bool:
        return self.contact_breached or self.answer_breached or self.inform_breached

    def clocks(self, now: datetime | None = None) -> list[ClockView]:
        """The three clocks: due time, met / breached / running, time taken."""
        now = now or timezone.now()
        return [
            self._clock(Clock.CONTACT, self.received_at, self.contact_due_at, self.contacted_at, now),
            self._clock(Clock.ANSWER, self.received_at, self.answer_due_at, self.resolved_at, now),
            self._clock(Clock.INFORM, self.resolved_at, self.inform_due_at, self.informed_at, now),
        ]

    @staticmethod
    def _clock(clock, start, due, done, now) -> ClockView:
        if start is None or due is None:
            return ClockView(clock, Clock(clock).label, due, done, ClockState.WAITING, None)
        if done is not None:
            state = ClockState.MET if done <= due else ClockState.BREACHED
            return ClockView(clock, Clock(clock).label, due, done, state, done - start)
        state = ClockState.BREACHED if now > due else ClockState.RUNNING
        return ClockView(clock, Clock(clock).label, due, None, state, now - start)


class ComplaintStatusChange(models.Model):
    """One move of a complaint: from, to, who, when, why."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("complaint")
    )
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    changed_at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("complaint status change")
        verbose_name_plural = _("complaint status changes")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.from_status} → {self.to_status}"
