"""Choices and the rights desk's workflow table (docs/DOMAIN.md §16.5-§16.7)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RequestKind(models.TextChoices):
    EXPORT = "export", _("Access / export")
    CORRECTION = "correction", _("Correction")
    WITHDRAWAL = "withdrawal", _("Withdrawal of consent")
    ERASURE = "erasure", _("Erasure")


class RequestChannel(models.TextChoices):
    COUNTER = "counter", pgettext_lazy("request channel", "At the counter")
    PHONE = "phone", pgettext_lazy("request channel", "Phone")
    WECHAT = "wechat", pgettext_lazy("request channel", "WeChat")
    EMAIL = "email", pgettext_lazy("request channel", "Email")
    LETTER = "letter", pgettext_lazy("request channel", "Letter")
    PORTAL = "portal", pgettext_lazy("request channel", "Customer portal")


class IdentityCheck(models.TextChoices):
    ID_CARD = "id_card", _("ID card seen in person")
    MOBILE_CODE = "mobile_code", _("Code sent to the mobile on file")
    KNOWN_CONTACT = "known_contact", _("Called back on the number on file")
    AUTHORISED = "authorised", _("Authorised representative with papers")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IDENTITY_CHECKED = "identity_checked", _("Identity checked")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed with reply")


S = RequestStatus
# received -> identity checked -> in progress -> closed (docs/DOMAIN.md §16.5). A request
# whose identity cannot be checked is closed with a reply saying so.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.RECEIVED: (S.IDENTITY_CHECKED, S.CLOSED),
    S.IDENTITY_CHECKED: (S.IN_PROGRESS, S.CLOSED),
    S.IN_PROGRESS: (S.CLOSED,),
    S.CLOSED: (),
}
OPEN_STATUSES = (S.RECEIVED, S.IDENTITY_CHECKED, S.IN_PROGRESS)


class AccessKind(models.TextChoices):
    PROFILE = "profile", _("Viewed the full profile")
    API_DETAIL = "api_detail", _("Read the profile through the API")
    REVEAL = "reveal", _("Revealed the mobile")
    LIST_EXPORT = "list_export", _("Exported a list with personal data")
    RIGHTS_EXPORT = "rights_export", _("Opened a rights-desk export")


class RetentionRule(models.TextChoices):
    INACTIVE_CUSTOMER = "inactive_customer", _("Customer inactive for N years: anonymised")
    MEDIA = "media", _("Photos and signatures older than M years: deleted")


class RunMode(models.TextChoices):
    DRY_RUN = "dry_run", _("Dry run (report only)")
    REAL = "real", _("Real run")
