"""Organisation (dealer groups and stores), the audit trail and the scheduler's
run log: the base every domain app builds on. `core` imports nothing of ours."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from .querysets import StoreScopedQuerySet


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class DealerGroup(models.Model):
    """A dealer group (经销商集团): owns stores; group-wide roles see all of them."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("dealer group")
        verbose_name_plural = _("dealer groups")

    def __str__(self) -> str:
        return self.name


class StoreQuerySet(StoreScopedQuerySet):
    store_lookup = "id"


class Store(TimeStampedModel):
    """A 4S store or repair shop. Every store-owned row points at one."""

    group = models.ForeignKey(
        DealerGroup, on_delete=models.PROTECT, related_name="stores", verbose_name=_("dealer group")
    )
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("service phone"), max_length=30, blank=True)
    rescue_phone = models.CharField(_("rescue phone"), max_length=30, blank=True)
    opens_at = models.TimeField(_("opens at"), default="08:30")
    closes_at = models.TimeField(_("closes at"), default="18:00")
    is_active = models.BooleanField(_("active"), default=True)

    objects = StoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["group_id", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def store_id(self) -> int:
        # Lets permission checks treat a Store like any store-owned object.
        return self.pk


class AuditEntryQuerySet(StoreScopedQuerySet):
    def delete(self):
        raise PermissionDenied("The audit trail is append-only.")

    def update(self, **kwargs):
        raise PermissionDenied("The audit trail is append-only.")


class AuditEntry(models.Model):
    """One append-only line of the audit trail: who did what to which object, when,
    with the before/after of each changed field (personal data masked)."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        VOID = "void", _("Voided")
        VIEW = "view", _("Viewed")
        REVEAL = "reveal", _("Revealed personal data")
        EXPORT = "export", _("Exported")
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logged out")
        BACKUP = "backup", _("Backup")
        RESTORE = "restore", _("Restore")

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    # Kept even if the user is renamed, so the trail reads as it was.
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("store")
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["store", "-created_at"], name="audit_store_time"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_time"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The audit trail is append-only.")


class ScheduledRun(models.Model):
    """One row per scheduled job per slot. The unique constraint makes the
    scheduler safe to run on several machines: only one inserts the row and
    enqueues the job, the others get an IntegrityError and skip it."""

    name = models.CharField(max_length=100)
    slot = models.CharField(max_length=32)
    enqueued_at = models.DateTimeField(auto_now_add=True)
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="scheduled_run_once_per_slot")]

    def __str__(self) -> str:
        return f"{self.name}@{self.slot}"


class DocumentSequence(models.Model):
    """The last number handed out per store and kind of document (customer
    numbers, repair order numbers...). Taken under a row lock by
    core.services.next_document_number, so two advisors never get the same one."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "kind"], name="document_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.store_id}:{self.kind}={self.last_value}"
