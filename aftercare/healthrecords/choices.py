"""The upload states of a health record and the moves between them (docs/DOMAIN.md §23)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UploadState(models.TextChoices):
    PENDING = "pending", _("Waiting to upload")
    SENT = "sent", _("Uploaded")
    REJECTED = "rejected", _("Rejected")
    RESENT = "resent", _("Resent")


# A rejected record goes back to pending once corrected; one already accepted
# may be queued again after a correction, and is then "resent" (docs/DOMAIN.md §23.4).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    UploadState.PENDING: (UploadState.SENT, UploadState.RESENT, UploadState.REJECTED),
    UploadState.REJECTED: (UploadState.PENDING,),
    UploadState.SENT: (UploadState.PENDING,),
    UploadState.RESENT: (UploadState.PENDING,),
}

STATE_BADGES = {
    UploadState.PENDING: "secondary",
    UploadState.SENT: "success",
    UploadState.REJECTED: "danger",
    UploadState.RESENT: "info",
}
