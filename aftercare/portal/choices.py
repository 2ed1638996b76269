from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    """What one link lets the customer do (docs/DOMAIN.md §15.2)."""

    PROGRESS = "progress", _("Follow progress")
    APPROVE = "approve", _("Approve the estimate or additional work")
    BOOK = "book", _("Book or change an appointment")
    HISTORY = "history", _("Vehicles and history")
    # Pages another app serves through the link (register_link_page): the VIC programme's.
    RSVP = "rsvp", _("Answer an invitation")
    SIGN = "sign", _("Sign a handover")


# What the staff's link panel issues; the other purposes' links are issued by their own app
# with the document they are about (an invitation, a handover).
PANEL_PURPOSES = (Purpose.PROGRESS, Purpose.APPROVE, Purpose.BOOK, Purpose.HISTORY)

# Purposes whose link is about one repair order; a booking link may name an appointment.
ORDER_PURPOSES = (Purpose.PROGRESS, Purpose.APPROVE)

# How long a new link stays valid, by default, in days (docs/DOMAIN.md §15.2).
VALID_DAYS = {
    Purpose.PROGRESS: 14, Purpose.APPROVE: 3, Purpose.BOOK: 14, Purpose.HISTORY: 30, Purpose.RSVP: 30, Purpose.SIGN: 3,
}  # fmt: skip
