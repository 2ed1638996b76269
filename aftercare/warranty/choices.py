"""Choices of warranty work, and the claim's workflow as data (docs/DOMAIN.md §14)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The catalogue's system repair types whose lines the carmaker pays (catalog/defaults.py).
WARRANTY_TYPE = "warranty"
FIRST_FREE_TYPE = "first_free"


class Coverage(models.TextChoices):
    FIRST_FREE = "first_free", _("First free maintenance")
    BASIC = "basic", _("Basic warranty")
    POWERTRAIN = "powertrain", _("Powertrain")
    BATTERY = "battery", _("Battery pack")
    MOTOR = "motor", _("Drive motor")
    CONTROLLER = "controller", _("Motor controller")


# Coverages only an electric or plug-in car has (docs/DOMAIN.md §14.1).
EV_COVERAGES = (Coverage.BATTERY, Coverage.MOTOR, Coverage.CONTROLLER)


class OverrideStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected (不受理)")
    PAID = "paid", _("Paid")


S = ClaimStatus
# draft -> submitted -> accepted / rejected -> paid; a rejected claim is corrected and
# submitted again (docs/DOMAIN.md §14.3). A move not listed here is refused.
CLAIM_TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.DRAFT: (S.SUBMITTED,),
    S.SUBMITTED: (S.ACCEPTED, S.REJECTED),
    S.ACCEPTED: (S.PAID,),
    S.REJECTED: (S.SUBMITTED,),
    S.PAID: (),
}
# A claim's content may be corrected only before it goes to the carmaker, or after a rejection.
EDITABLE_CLAIM_STATUSES = (S.DRAFT, S.REJECTED)
# Claims the carmaker still owes money on (open amounts and aging).
OPEN_CLAIM_STATUSES = (S.SUBMITTED, S.ACCEPTED)

CLAIM_STATUS_COLOURS = {
    S.DRAFT: "secondary",
    S.SUBMITTED: "info",
    S.ACCEPTED: "primary",
    S.REJECTED: "danger",
    S.PAID: "success",
}


class ClaimLineKind(models.TextChoices):
    LABOUR = "labour", _("Labour")
    PART = "part", _("Part")
    OTHER = "other", _("Other charge")
    RESCUE = "rescue", _("Rescue")


class ExchangeKind(models.TextChoices):
    ANSWER = "answer", _("Carmaker's answer")
    PAYMENT = "payment", _("Payment list")


class ExchangeOutcome(models.TextChoices):
    MATCHED = "matched", _("Matched")
    SHORT = "short", _("Paid less than claimed")
    UNKNOWN = "unknown", _("Unknown claim number")
    REFUSED = "refused", _("Not applicable to the claim's status")
