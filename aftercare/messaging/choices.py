"""Choices of the messaging door (docs/DOMAIN.md §15.1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.customers.choices import ConsentPurpose


class Purpose(models.TextChoices):
    SERVICE = "service", _("Service notice")
    MARKETING = "marketing", _("Marketing")


class Channel(models.TextChoices):
    """The customers app's contact channels: "phone" is the call channel (a
    follow-up task for staff instead of a message)."""

    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("Email")
    PHONE = "phone", pgettext_lazy("channel", "Call")


# Channels a provider sends on; "phone" is handled by the registered call handler.
SENDING_CHANNELS = (Channel.SMS, Channel.WECHAT, Channel.EMAIL)
DEFAULT_FALLBACK = [Channel.SMS, Channel.WECHAT, Channel.EMAIL]


class State(models.TextChoices):
    QUEUED = "queued", _("Queued")
    HELD = "held", _("Held for quiet hours")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", pgettext_lazy("message", "Cancelled")


# States that may still go out; a withdrawal cancels these at once.
PENDING_STATES = (State.QUEUED, State.HELD)
# States that count towards the marketing frequency cap (docs/DOMAIN.md §15.1).
COUNTED_STATES = (State.QUEUED, State.HELD, State.SENDING, State.SENT, State.DELIVERED)


class Reason:
    """Why a message was not sent (stored on the row, shown on the log)."""

    NO_CONSENT = "no consent"
    DUPLICATE = "duplicate"
    FREQUENCY_CAP = "frequency cap"
    NO_ADDRESS = "no address"
    NO_TEMPLATE = "no template"
    NO_PROVIDER = "no provider account"
    NO_CALL_HANDLER = "no call handler"
    WITHDRAWN = "consent withdrawn"
    BY_STAFF = "cancelled by staff"
    QUIET_HOURS = "quiet hours"
    OK = ""

    LABELS = {
        NO_CONSENT: _("No consent"),
        DUPLICATE: _("Duplicate"),
        FREQUENCY_CAP: _("Frequency cap reached"),
        NO_ADDRESS: _("No contact details for the channel"),
        NO_TEMPLATE: _("No template"),
        NO_PROVIDER: _("No provider account"),
        NO_CALL_HANDLER: _("No call handler"),
        WITHDRAWN: _("Consent withdrawn"),
        BY_STAFF: _("Cancelled by staff"),
        QUIET_HOURS: _("Quiet hours"),
    }


# Marketing consent per channel (docs/DOMAIN.md §2.6).
MARKETING_CONSENT = {
    Channel.SMS: ConsentPurpose.MARKETING_SMS,
    Channel.WECHAT: ConsentPurpose.MARKETING_WECHAT,
    Channel.EMAIL: ConsentPurpose.MARKETING_EMAIL,
    Channel.PHONE: ConsentPurpose.MARKETING_PHONE,
}


def consent_purpose(purpose: str, channel: str) -> str:
    """The customers app's consent purpose a message of `purpose` on `channel` needs."""
    if purpose == Purpose.SERVICE:
        return ConsentPurpose.SERVICE
    return MARKETING_CONSENT[channel]


# Template codes of the triggers wired now (docs/DOMAIN.md §15.1).
TRIGGER_CODES = (
    "appointment_confirmed",
    "appointment_reminder",
    "approval_requested",
    "car_ready",
    "delivered",
    "followup_resolved",
    "complaint_contacted",
    "portal_link",
    "message_failed",
    "vic_invitation",
    "vic_sign",
)
