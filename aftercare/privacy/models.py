"""Personal-information rights (docs/DOMAIN.md §16.5-§16.7): the rights desk's requests, the
retention limits of each store and their runs, the log of who looked at whom, and
the mark left on a customer whose personal data was anonymised."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.core.models import Store, TimeStampedModel
from aftercare.core.querysets import AppendOnlyQuerySetMixin, StoreScopedQuerySet
from aftercare.customers.models import Customer

from .choices import AccessKind, IdentityCheck, RequestChannel, RequestKind, RequestStatus, RetentionRule, RunMode


class PrivacySettings(models.Model):
    """A store's limits (docs/DOMAIN.md §16.6, §16.3): the request deadline, how long
    personal data is kept, and when looking at profiles becomes unusual. A store
    without a row uses the defaults of the fields."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="privacy_settings")
    response_working_days = models.PositiveSmallIntegerField(_("answer requests within (working days)"), default=15)
    inactive_customer_years = models.PositiveSmallIntegerField(_("anonymise customers inactive for (years)"), default=5)
    media_years = models.PositiveSmallIntegerField(_("delete photos and signatures after (years)"), default=3)
    profile_views_per_hour = models.PositiveIntegerField(
        _("alert when a user views more profiles an hour than"), default=60
    )
    export_link_days = models.PositiveSmallIntegerField(_("export links expire after (days)"), default=7)
    retention_approved_at = models.DateTimeField(_("retention approved at"), null=True, blank=True)
    retention_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("privacy settings")
        verbose_name_plural = _("privacy settings")

    def __str__(self) -> str:
        return f"privacy {self.store_id}"


class RightsRequest(TimeStampedModel):
    """A customer's request under PIPL (docs/DOMAIN.md §16.5): logged with its channel,
    the identity check made and its deadline; moves received -> identity checked ->
    in progress -> closed with a reply, with history."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    number = models.CharField(_("number"), max_length=20)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="rights_requests", verbose_name=_("customer")
    )
    kind = models.CharField(_("request"), max_length=12, choices=RequestKind.choices)
    channel = models.CharField(_("received via"), max_length=10, choices=RequestChannel.choices)
    status = models.CharField(_("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.RECEIVED)
    details = models.TextField(_("what the customer asks"), blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    due_on = models.DateField(_("answer due"))
    identity_check = models.CharField(_("identity check"), max_length=16, choices=IdentityCheck.choices, blank=True)
    identity_note = models.CharField(_("identity check note"), max_length=200, blank=True)
    reply = models.TextField(_("reply to the customer"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # What was done: counts per table, kept records with the reason each is kept.
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)
    export_ready_at = models.DateTimeField(_("export prepared at"), null=True, blank=True)
    export_expires_at = models.DateTimeField(_("export link expires at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("rights request")
        verbose_name_plural = _("rights requests")
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["store", "number"], name="rights_request_number_unique")]
        indexes = [models.Index(fields=["store", "status", "due_on"], name="rights_request_open")]

    def __str__(self) -> str:
        return self.number

    @property
    def allowed_transitions(self) -> tuple[str, ...]:
        from .choices import TRANSITIONS

        return TRANSITIONS.get(self.status, ())

    @property
    def is_open(self) -> bool:
        return self.status != RequestStatus.CLOSED


class RightsRequestStatusChange(models.Model):
    """One move of a rights request (who, when, from, to, note)."""

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, choices=RequestStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=RequestStatus.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class AccessLogQuerySet(AppendOnlyQuerySetMixin, StoreScopedQuerySet):
    pass


class AccessLog(models.Model):
    """Who looked at personal data (docs/DOMAIN.md §16.7): one row per view of a
    profile, or one row per list exported (with how many records). Never edited."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("user")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("customer")
    )
    kind = models.CharField(_("what"), max_length=16, choices=AccessKind.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    records = models.PositiveIntegerField(_("records"), default=1)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [
            models.Index(fields=["customer", "at"], name="accesslog_customer"),
            # "What did this user look at" and the hourly volume alert.
            models.Index(fields=["user", "at"], name="accesslog_user"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_id} {self.at}"

    def save(self, *args, **kwargs):
        if self.pk:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied(AccessLogQuerySet.append_only_message)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(AccessLogQuerySet.append_only_message)


class AccessAlert(models.Model):
    """A user who viewed more profiles in an hour than the store allows: a
    notification to the administrator, acknowledged on the alerts page."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    hour = models.DateTimeField(_("hour"))
    views = models.PositiveIntegerField(_("profiles viewed"))
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("access alert")
        verbose_name_plural = _("access alerts")
        constraints = [models.UniqueConstraint(fields=["store", "user", "hour"], name="access_alert_once_an_hour")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.hour}"


class RetentionRun(models.Model):
    """One run of a store's retention limits, dry or real, with its counts per rule."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    mode = models.CharField(_("mode"), max_length=8, choices=RunMode.choices)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    # {rule: {"customers": n, "photos": n, "signatures": n, "held": n}}
    counts = models.JSONField(_("counts"), default=dict)
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.mode} {self.started_at}"


class RetentionActionQuerySet(AppendOnlyQuerySetMixin, StoreScopedQuerySet):
    store_lookup = "run__store"


class RetentionAction(models.Model):
    """What a real run removed or anonymised, under which rule (append-only)."""

    run = models.ForeignKey(RetentionRun, on_delete=models.PROTECT, related_name="actions")
    rule = models.CharField(_("rule"), max_length=20, choices=RetentionRule.choices)
    object_type = models.CharField(_("kind"), max_length=60)
    object_id = models.CharField(_("record"), max_length=40)
    what = models.CharField(_("what was done"), max_length=40)

    objects = RetentionActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("retention action")
        verbose_name_plural = _("retention actions")

    def __str__(self) -> str:
        return f"{self.rule} {self.object_type}:{self.object_id}"


class AnonymisedCustomer(models.Model):
    """The mark on a customer whose personal data was anonymised: by an erasure
    request or by the retention rule. The customer row stays (orders, payments and
    claims point to it) under a pseudonym."""

    customer = models.OneToOneField(Customer, on_delete=models.PROTECT, related_name="anonymised")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    request = models.ForeignKey(RightsRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    rule = models.CharField(max_length=20, choices=RetentionRule.choices, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"anonymised {self.customer_id}"
