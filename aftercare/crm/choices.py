"""Choices of the retention engine (docs/DOMAIN.md §11)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    NONE = "", _("No visit yet")
    NEW = "new", _("New")
    REGULAR = "regular", _("Regular")
    AT_RISK = "at_risk", _("At risk")
    LOST = "lost", _("Lost")


class Tier(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary")
    HIGH = "high", _("High value")


class Dimension(models.TextChoices):
    STAGE = "stage", _("Lifecycle stage")
    TIER = "tier", _("Value tier")


class Trigger(models.TextChoices):
    WELCOME = "welcome", _("Welcome after the first service")
    NEW_COUPON = "new_coupon", _("New-customer coupon")
    MAINTENANCE_DUE = "maintenance_due", _("Maintenance due")
    INSURANCE_DUE = "insurance_due", _("Insurance expiring")
    INSPECTION_DUE = "inspection_due", _("Annual inspection due")
    HOLIDAY = "holiday", _("Holiday care")
    BIRTHDAY = "birthday", _("Birthday")
    ANNIVERSARY = "anniversary", _("Anniversary of the first visit")
    HIGH_VALUE = "high_value", _("High-value perks")
    CHURN = "churn", _("Churn warning")
    LOST = "lost", _("Lost customer")


class FiringState(models.TextChoices):
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused: no consent")


class LostReason(models.TextChoices):
    QUALITY = "quality", _("Quality")
    PRICE = "price", _("Price")
    CONVENIENCE = "convenience", _("Convenience")


class Outcome(models.TextChoices):
    BOOKED = "booked", _("Booked")
    DECLINED = "declined", _("Declined")
    SCRAPPED = "scrapped", _("Scrapped")
    MOVED = "moved", _("Moved away")
    SOLD = "sold", _("Sold")


class DeclineReason(models.TextChoices):
    PRICE = "price", _("Price")
    DISTANCE = "distance", _("Distance")
    ELSEWHERE = "elsewhere", _("Serviced elsewhere")
    NO_NEED = "no_need", _("No need yet")
    OTHER = "other", _("Other")


# A vehicle these outcomes name is no longer the store's to solicit: it is archived.
ARCHIVING_OUTCOMES = (Outcome.SCRAPPED, Outcome.MOVED, Outcome.SOLD)


class CampaignKind(models.TextChoices):
    SPRING_WEEK = "spring_week", _("Spring Service Week")
    AUTUMN_WEEK = "autumn_week", _("Autumn Service Week")
    ANNIVERSARY = "anniversary", _("Store anniversary")
    SUMMER_AC = "summer_ac", _("Summer A/C check")
    WINTER_BATTERY = "winter_battery", _("Winter battery check")
    CLASS_WEEK = "class_week", _("Class week")
    OTHER = "other", _("Other campaign")


class AttributionRule(models.TextChoices):
    """The rules that attribute a repair order to a campaign, first match wins (docs/DOMAIN.md §19)."""

    COUPON = "coupon", _("Campaign coupon used")
    APPOINTMENT = "appointment", _("Appointment booked after the invitation")
    VISIT = "visit", _("Visit inside the window by an invited customer")
