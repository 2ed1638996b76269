from django.db import models
from django.utils.translation import gettext_lazy as _


class SurveyKind(models.TextChoices):
    """Which follow-up a survey belongs to (docs/DOMAIN.md §9.2)."""

    FIRST_SERVICE = "first_service", _("First service")
    MAINTENANCE = "maintenance", _("Regular maintenance")
    REPAIR = "repair", _("Repair")
    COMPLAINT = "complaint", _("Complaint follow-up")
    EV = "ev", _("Electric-vehicle service")
    # Sent by crm after a repair order attributed to a campaign is delivered (docs/DOMAIN.md §19.1).
    CAMPAIGN = "campaign", _("Campaign visit")


class Channel(models.TextChoices):
    STAFF_CALL = "staff_call", _("Staff call")
    LINK = "link", _("Customer link")


class ResponseStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for answers")
    COMPLETED = "completed", _("Completed")
