"""Choices of complaint handling, and its workflow as data (docs/DOMAIN.md §8)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    IN_STORE = "in_store", _("In store")
    WECHAT = "wechat", _("WeChat")
    WEB = "web", _("Web")
    FOLLOWUP = "followup", _("Follow-up call")
    SOCIAL = "social", _("Social media")


class ComplaintType(models.TextChoices):
    SERVICE_QUALITY = "service_quality", _("Service quality")
    REPAIR_QUALITY = "repair_quality", _("Repair quality")
    PRICE = "price", _("Price")
    ATTITUDE = "attitude", _("Staff attitude")
    WAITING = "waiting", _("Waiting time")
    PARTS = "parts", _("Parts")
    OTHER = "other", _("Other")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Status(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Customer contacted")
    PLAN = "plan", _("Plan agreed")
    RESOLVED = "resolved", _("Resolved")
    INFORMED = "informed", _("Customer informed")
    CLOSED = "closed", _("Closed")


# docs/DOMAIN.md §8.2: respond (contact within 1 h) → listen → solve (a plan with a
# time) → feed back (tell the customer within 24 h) → record and close. A plan
# that did not work goes back to `plan`; nothing skips a step.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.NEW: (Status.CONTACTED,),
    Status.CONTACTED: (Status.PLAN,),
    Status.PLAN: (Status.RESOLVED,),
    Status.RESOLVED: (Status.INFORMED, Status.PLAN),
    Status.INFORMED: (Status.CLOSED, Status.PLAN),
    Status.CLOSED: (),
}

STATUS_COLOURS = {
    Status.NEW: "danger",
    Status.CONTACTED: "warning",
    Status.PLAN: "primary",
    Status.RESOLVED: "info",
    Status.INFORMED: "success",
    Status.CLOSED: "secondary",
}

OPEN_STATUSES = (Status.NEW, Status.CONTACTED, Status.PLAN)
RESOLVED_STATUSES = (Status.RESOLVED, Status.INFORMED, Status.CLOSED)


class Clock(models.TextChoices):
    """The three promises to the customer, each with its own deadline."""

    CONTACT = "contact", _("First contact")
    ANSWER = "answer", _("Answer")
    INFORM = "inform", _("Result told")


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    WAITING = "waiting", _("Not started")
