"""Choices of the VIC programme (docs/DOMAIN.md §13.3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EnrolmentSource(models.TextChoices):
    TIER = "tier", _("Loyalty tier")
    MANAGER = "manager", _("Manager's decision")


class BookingKind(models.TextChoices):
    PICKUP = "pickup", _("Pick-up from the customer")
    RETURN = "return", _("Return to the customer")


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class HandoverStage(models.TextChoices):
    OUT = "out", _("Handed over")
    BACK = "back", _("Taken back")


class LoanStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    OUT = "out", _("With the customer")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")


LOAN_OPEN = (LoanStatus.BOOKED, LoanStatus.OUT)


class ChargeKind(models.TextChoices):
    FINE = "fine", _("Traffic fine")
    DAMAGE = "damage", _("Damage")
    FUEL = "fuel", _("Fuel")


class EventKind(models.TextChoices):
    GOLF = "golf", _("Golf")
    TASTING = "tasting", _("Tasting")
    CLASS = "class", _("Car-care class")
    OTHER = "other", _("Other gathering")


class RsvpStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Coming")
    DECLINED = "declined", _("Not coming")


# At most one guest with each VIC customer (seed 003: 每位VIC客户可多带1名人员; docs/DOMAIN.md §13.3).
MAX_GUESTS = 1


class ErrandKind(models.TextChoices):
    INSPECTION = "inspection", _("Annual inspection")
    INSURANCE = "insurance", _("Insurance renewal")
    FINES = "fines", _("Paying traffic fines")
    TAX = "tax", _("Vehicle and vessel tax")


class ErrandStatus(models.TextChoices):
    OPEN = "open", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


ERRAND_TRANSITIONS = {
    ErrandStatus.OPEN: (ErrandStatus.IN_PROGRESS, ErrandStatus.DONE, ErrandStatus.CANCELLED),
    ErrandStatus.IN_PROGRESS: (ErrandStatus.DONE, ErrandStatus.CANCELLED),
    ErrandStatus.DONE: (),
    ErrandStatus.CANCELLED: (),
}
ERRAND_OPEN = (ErrandStatus.OPEN, ErrandStatus.IN_PROGRESS)
