"""Choices of the service process, and the repair order's workflow as data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    RECEPTION = "reception", _("Reception")
    ESTIMATE = "estimate", _("Estimate")
    APPROVED = "approved", _("Approved")
    IN_PROGRESS = "in_progress", _("In progress")
    QUALITY_CHECK = "quality_check", _("Quality check")
    READY = "ready", _("Ready")
    SETTLED = "settled", _("Settled")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


# The 13-step process as a table (docs/DOMAIN.md §3.1, §3.2): a move
# not listed here is refused. quality_check -> in_progress is rework; any
# state before settled may be cancelled.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.RECEPTION: (Status.ESTIMATE, Status.CANCELLED),
    Status.ESTIMATE: (Status.APPROVED, Status.CANCELLED),
    Status.APPROVED: (Status.IN_PROGRESS, Status.CANCELLED),
    Status.IN_PROGRESS: (Status.QUALITY_CHECK, Status.CANCELLED),
    Status.QUALITY_CHECK: (Status.READY, Status.IN_PROGRESS, Status.CANCELLED),
    Status.READY: (Status.SETTLED, Status.CANCELLED),
    Status.SETTLED: (Status.DELIVERED,),
    Status.DELIVERED: (),
    Status.CANCELLED: (),
}

# Bootstrap colours of each state on the management board.
STATUS_COLOURS = {
    Status.RECEPTION: "secondary",
    Status.ESTIMATE: "info",
    Status.APPROVED: "primary",
    Status.IN_PROGRESS: "warning",
    Status.QUALITY_CHECK: "purple",
    Status.READY: "success",
    Status.SETTLED: "dark",
    Status.DELIVERED: "light",
    Status.CANCELLED: "light",
}

OPEN_STATUSES = (
    Status.RECEPTION,
    Status.ESTIMATE,
    Status.APPROVED,
    Status.IN_PROGRESS,
    Status.QUALITY_CHECK,
    Status.READY,
    Status.SETTLED,
)
# Still being worked on: an order in one of these past its promised time is late (docs/DOMAIN.md §22).
UNFINISHED_STATUSES = (
    Status.RECEPTION,
    Status.ESTIMATE,
    Status.APPROVED,
    Status.IN_PROGRESS,
    Status.QUALITY_CHECK,
)
# Lines and prices may change only while the customer has not authorised the
# work, or as proposed additional work afterwards.
EDITABLE_STATUSES = (Status.RECEPTION, Status.ESTIMATE)
# After authorisation, new lines are proposed additional work the customer approves first;
# once the work has passed quality check nothing more can be added.
PROPOSAL_STATUSES = (Status.APPROVED, Status.IN_PROGRESS, Status.QUALITY_CHECK)
LINE_ADD_STATUSES = (*EDITABLE_STATUSES, *PROPOSAL_STATUSES)
# Until settlement the reception details may be corrected and a manager may give a
# discount; a settled order is a closed document.
CORRECTABLE_STATUSES = (*LINE_ADD_STATUSES, Status.READY)


class LineKind(models.TextChoices):
    LABOUR = "labour", _("Labour")
    PART = "part", _("Part")
    OTHER = "other", _("Other charge")


class LineStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class Payer(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    WARRANTY = "warranty", _("Warranty (carmaker)")
    INTERNAL = "internal", _("Internal")
    INSURER = "insurer", _("Insurer")


class WaitingMode(models.TextChoices):
    WAITS = "waits", _("Waits in the store")
    LEAVES = "leaves", _("Leaves the car")
    PICKUP = "pickup", _("Pick-up and delivery")


class ApprovalMethod(models.TextChoices):
    SIGNATURE = "signature", _("Signature on screen")
    VERBAL = "verbal", _("Verbal (phone), recorded by staff")
    LINK = "link", _("Customer's phone link")


# The htmx event after every change to a repair order made from its page: each panel of the page
# (lines, additional work, workshop, settlement) listens for it and reloads (core.views.htmx_announce).
RO_CHANGED = "ro-changed"
