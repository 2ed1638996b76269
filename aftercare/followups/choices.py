"""Choices of the follow-up system (回访, docs/DOMAIN.md §7.1, §7.4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    FIRST_SERVICE = "first_service", _("First service")
    MAINTENANCE = "maintenance", _("Regular maintenance")
    REPAIR = "repair", _("Repair")
    COMPLAINT = "complaint", _("Complaint follow-up")
    CHURN = "churn", _("Churn warning")
    HOLIDAY = "holiday", _("Holiday care")
    # A message the door sends by phone, or a service notice no channel could carry (docs/DOMAIN.md §15.1).
    MESSAGE = "message", _("Message to pass on by phone")
    # The service desk's calls (docs/DOMAIN.md §25): after a rescue, and care after a major event.
    RESCUE = "rescue", _("Rescue follow-up")
    CARE = "care", _("Care after a major event")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("To call")
    DONE = "done", _("Called")
    UNREACHABLE = "unreachable", _("Closed: unreachable")
    CANCELLED = "cancelled", _("Cancelled")


class RecordStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RESOLVED = "resolved", _("Resolved")


class ProblemCategory(models.TextChoices):
    EFFICIENCY = "efficiency", _("Service efficiency")
    QUALITY = "quality", _("Service quality")
    PRICE = "price", _("Price")
    ENVIRONMENT = "environment", _("Environment")
    OTHER = "other", _("Other")


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    HANDLED = "handled", _("Handled")
    INFORMED = "informed", _("Customer informed")


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WECHAT = "wechat", _("WeChat")
    SMS = "sms", _("SMS")
    IN_STORE = "in_store", _("In store")


OPEN_STATUSES = (TaskStatus.OPEN,)
