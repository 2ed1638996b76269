"""The messaging door's tables (docs/DOMAIN.md §15.1): templates per store and
channel, the stores' provider accounts and settings, the outbox of messages and
the append-only history of each message's states."""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.core.models import DealerGroup, Store
from aftercare.core.querysets import AppendOnlyQuerySetMixin, StoreScopedQuerySet

from .choices import DEFAULT_FALLBACK, Channel, Purpose, State


def _default_fallback():
    return [str(c) for c in DEFAULT_FALLBACK]


class TemplateQuerySet(StoreScopedQuerySet):
    def for_user(self, user, perm=None):
        """The store's own templates plus the defaults of the user's groups and the installation's."""
        if user is None or not user.is_authenticated:
            return self.none()
        store_ids = user.store_ids(perm)
        group_ids = Store.objects.filter(pk__in=store_ids).values("group_id")
        return self.filter(
            Q(store_id__in=store_ids)
            | Q(store__isnull=True, group_id__in=group_ids)
            | Q(store__isnull=True, group__isnull=True)
        )


class MessageTemplate(models.Model):
    """The text of one trigger (code) on one channel. A store's row overrides its
    group's default (store empty), which overrides the installation's (group empty
    too). Variables are written {customer_name}, {plate}, {advisor}, {link}..."""

    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("store")
    )
    code = models.CharField(_("code"), max_length=40)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices, default=Purpose.SERVICE)
    name = models.CharField(_("name"), max_length=60, blank=True)
    subject = models.CharField(_("subject"), max_length=120, blank=True, help_text=_("Email only."))
    text = models.TextField(_("text"), max_length=1000)
    provider_template_code = models.CharField(
        _("provider template code"),
        max_length=64,
        blank=True,
        help_text=_("The approved SMS template code or WeChat template id."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["code", "channel", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "code", "channel"], condition=Q(store__isnull=False), name="msg_template_store_uniq"
            ),
            models.UniqueConstraint(
                fields=["group", "code", "channel"],
                condition=Q(store__isnull=True, group__isnull=False),
                name="msg_template_group_uniq",
            ),
            models.UniqueConstraint(
                fields=["code", "channel"],
                condition=Q(store__isnull=True, group__isnull=True),
                name="msg_template_global_uniq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.channel})"


class ProviderAccount(models.Model):
    """A store's account with one message provider (Alibaba Cloud SMS, Tencent
    Cloud SMS, a WeChat official account, an SMTP server, the demo's sandbox).
    `config` holds the adapter's settings; its secrets are never shown back in
    full. The active account of a channel with the lowest priority number sends."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    provider = models.CharField(_("provider"), max_length=20)
    config = models.JSONField(_("settings"), default=dict, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=1)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("message provider account")
        verbose_name_plural = _("message provider accounts")
        ordering = ["store_id", "channel", "priority", "id"]

    def __str__(self) -> str:
        return f"{self.store_id} {self.channel} {self.provider}"


class StoreMessagingSettings(models.Model):
    """A store's rules for the door (docs/DOMAIN.md §15.1); a store without a row uses the defaults."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    quiet_start = models.TimeField(_("quiet hours start"), default="21:00")
    quiet_end = models.TimeField(_("quiet hours end"), default="08:00")
    fallback_channels = models.JSONField(_("fallback channels"), default=_default_fallback, blank=True)
    marketing_cap = models.PositiveSmallIntegerField(_("marketing messages per customer per 30 days"), default=4)
    max_attempts = models.PositiveSmallIntegerField(_("attempts before failing"), default=5)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("messaging settings")
        verbose_name_plural = _("messaging settings")

    def __str__(self) -> str:
        return str(self.store_id)


class MessageQuerySet(StoreScopedQuerySet):
    def due(self, now):
        """Rows the sender may claim: queued or held whose time has come, and
        sending rows whose lease ran out (their worker died: docs/DOMAIN.md §15.1)."""
        return self.filter(state__in=(State.QUEUED, State.HELD, State.SENDING), next_attempt_at__lte=now)


class Message(models.Model):
    """One message to one customer: the outbox row written in the business
    change's transaction and sent after it commits (docs/DOMAIN.md §15.1)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="messages", verbose_name=_("customer")
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("vehicle"),
    )  # fmt: skip
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)
    template_code = models.CharField(_("template"), max_length=40)
    subject = models.CharField(_("subject"), max_length=120, blank=True)
    text = models.TextField(_("text"), max_length=1000, blank=True)
    params = models.JSONField(default=dict, blank=True)
    provider_template_code = models.CharField(max_length=64, blank=True)
    to = models.CharField(_("to"), max_length=254, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=120)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When a queued/held row may go, or when a sending row's lease runs out.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(_("provider"), max_length=20, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    source_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The same trigger + customer + vehicle + period never sends twice; a
            # cancelled row (refused, withdrawn, itself a duplicate) does not count.
            models.UniqueConstraint(
                fields=["store", "dedupe_key"], condition=~Q(state="cancelled"), name="message_dedupe_per_store"
            ),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state__in=("queued", "held", "sending")),
                         name="message_due"),
            models.Index(fields=["customer", "-created_at"], name="message_customer"),
            models.Index(fields=["store", "-created_at"], name="message_store"),
            models.Index(fields=["provider", "provider_message_id"], name="message_provider_id"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.template_code} → {self.customer_id} ({self.state})"


class MessageEventQuerySet(AppendOnlyQuerySetMixin, StoreScopedQuerySet):
    store_lookup = "message__store"


class MessageEvent(models.Model):
    """One change of a message's state (queued, held, released, sent, a receipt...). Append-only."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), default=timezone.now)
    from_state = models.CharField(max_length=10, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=10, choices=State.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = MessageEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied(MessageEventQuerySet.append_only_message)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(MessageEventQuerySet.append_only_message)
