"""Choices of appointments (预约, docs/DOMAIN.md §5) and their small workflow as data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("Walk-in")
    WEB = "web", _("App / website")
    WECHAT = "wechat", _("WeChat")


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Arrived")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")
    CONVERTED = "converted", _("Repair order opened")


S = AppointmentStatus
# A move not listed here is refused. `converted` comes from booked too: a car
# that arrives is usually received at once ("arrived → open repair order").
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.BOOKED: (S.ARRIVED, S.NO_SHOW, S.CANCELLED, S.CONVERTED),
    S.ARRIVED: (S.CONVERTED, S.CANCELLED),
    S.NO_SHOW: (),
    S.CANCELLED: (),
    S.CONVERTED: (),
}

# Appointments that hold their bay and technician. A no-show or a cancellation
# gives the time back; a converted appointment's car is in the workshop then.
HOLDING_STATUSES = (S.BOOKED, S.ARRIVED, S.CONVERTED)
# What may still be changed (time, work, bay, technician).
CHANGEABLE_STATUSES = (S.BOOKED, S.ARRIVED)

STATUS_COLOURS = {
    S.BOOKED: "primary",
    S.ARRIVED: "warning",
    S.NO_SHOW: "danger",
    S.CANCELLED: "secondary",
    S.CONVERTED: "success",
}
