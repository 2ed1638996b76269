"""Choices of the service desk, and its two workflows as data (docs/DOMAIN.md §25)."""

from itertools import pairwise

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


# --- roadside rescue (§25.2) ---------------------------------------------------------------------
class RescueChannel(models.TextChoices):
    PHONE_PAGE = "phone_page", _("Customer's phone")
    PHONE_LINE = "phone_line", _("Rescue phone line")
    PORTAL = "portal", _("Customer portal")


class RescueStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("rescue", "Received")
    DISPATCHED = "dispatched", pgettext_lazy("rescue", "Dispatched")
    ON_THE_WAY = "on_the_way", pgettext_lazy("rescue", "On the way")
    ARRIVED = "arrived", pgettext_lazy("rescue", "Arrived")
    TOWING = "towing", pgettext_lazy("rescue", "Towing")
    DONE = "done", pgettext_lazy("rescue", "Done")
    CANCELLED = "cancelled", pgettext_lazy("rescue", "Cancelled")


RESCUE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    RescueStatus.NEW: (RescueStatus.DISPATCHED, RescueStatus.CANCELLED),
    RescueStatus.DISPATCHED: (RescueStatus.ON_THE_WAY, RescueStatus.CANCELLED),
    RescueStatus.ON_THE_WAY: (RescueStatus.ARRIVED, RescueStatus.CANCELLED),
    RescueStatus.ARRIVED: (RescueStatus.TOWING, RescueStatus.DONE),
    RescueStatus.TOWING: (RescueStatus.DONE,),
    RescueStatus.DONE: (),
    RescueStatus.CANCELLED: (),
}
OPEN_RESCUE = (
    RescueStatus.NEW,
    RescueStatus.DISPATCHED,
    RescueStatus.ON_THE_WAY,
    RescueStatus.ARRIVED,
    RescueStatus.TOWING,
)
# The moves the customer is told about through the messaging door.
TOLD_STATUSES = (RescueStatus.ON_THE_WAY, RescueStatus.ARRIVED, RescueStatus.TOWING, RescueStatus.DONE)
RESCUE_COLOURS = {
    RescueStatus.NEW: "danger",
    RescueStatus.DISPATCHED: "warning",
    RescueStatus.ON_THE_WAY: "primary",
    RescueStatus.ARRIVED: "info",
    RescueStatus.TOWING: "info",
    RescueStatus.DONE: "success",
    RescueStatus.CANCELLED: "secondary",
}


# --- standard answers (§25.3) --------------------------------------------------------------------
class FaqCategory(models.TextChoices):
    MAINTENANCE = "maintenance", _("Maintenance")
    OIL = "oil", _("Oil and fluids")
    TYRES = "tyres", _("Tyres and brakes")
    AIRCON = "aircon", _("Air conditioning")
    BATTERY = "battery", _("Battery and electrics")
    WARRANTY = "warranty", pgettext_lazy("faq category", "Warranty")
    INSPECTION = "inspection", _("Annual inspection and insurance")
    EV = "ev", _("Electric vehicles and charging")
    ROAD = "road", _("On the road")
    OTHER = "other", _("Other")


# --- major events (§25.4) ------------------------------------------------------------------------
class EventKind(models.TextChoices):
    STOLEN = "stolen", _("Vehicle stolen")
    CRASHED = "crashed", _("Vehicle crashed")
    ILL = "ill", _("Customer seriously ill")
    BEREAVED = "bereaved", _("Customer bereaved")
    MEDIA = "media", _("Complaint in public media")


class NoticeRole(models.TextChoices):
    ADVISOR = "advisor", _("Owning advisor")
    VIC = "vic", _("VIC specialist")
    MANAGER = "manager", _("Service manager")


# --- winning a lost customer back (§25.5): the seed's seven steps as states --------------------
class RecoveryStatus(models.TextChoices):
    OPENED = "opened", _("Opened")
    CONTACT_KEPT = "contact_kept", _("1. Name and contact kept")
    CALLED = "called", _("2. Called quickly")
    APOLOGISED = "apologised", _("3. Apologised")
    FIXED = "fixed", _("4. Fault fixed")
    SANCTION_TOLD = "sanction_told", _("5. Sanction reported to the customer")
    PLAN_AGREED = "plan_agreed", _("6. Plan agreed")
    PREVENTED = "prevented", _("7. Recurrence prevented")
    ABANDONED = "abandoned", _("Abandoned")


RECOVERY_STEPS = (
    RecoveryStatus.CONTACT_KEPT,
    RecoveryStatus.CALLED,
    RecoveryStatus.APOLOGISED,
    RecoveryStatus.FIXED,
    RecoveryStatus.SANCTION_TOLD,
    RecoveryStatus.PLAN_AGREED,
    RecoveryStatus.PREVENTED,
)
# One step after the other, none skipped; a case may be abandoned (with a reason) until it is won.
RECOVERY_TRANSITIONS: dict[str, tuple[str, ...]] = {
    RecoveryStatus.OPENED: (RecoveryStatus.CONTACT_KEPT, RecoveryStatus.ABANDONED),
    **{step: (nxt, RecoveryStatus.ABANDONED) for step, nxt in pairwise(RECOVERY_STEPS)},
    RecoveryStatus.PREVENTED: (),
    RecoveryStatus.ABANDONED: (),
}
OPEN_RECOVERY = (RecoveryStatus.OPENED, *RECOVERY_STEPS[:-1])


class RecoverySource(models.TextChoices):
    RETENTION = "retention", _("Retention rule (lost customer)")
    STAFF = "staff", _("Opened by staff")
