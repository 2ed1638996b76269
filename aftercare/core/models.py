"""Organisation (dealer groups and stores), the audit trail and the scheduler's
run log: the base every domain app builds on. `core` imports nothing of ours."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from .querysets import AppendOnlyQuerySetMixin, StoreScopedQuerySet


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


class AuditEntryQuerySet(AppendOnlyQuerySetMixin, StoreScopedQuerySet):
    append_only_message = "The audit trail is append-only."


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
    # A slot whose run failed or was lost is enqueued again (core.scheduling); these say how often
    # and how it ended, so the health page can show each job's last success.
    attempts = models.PositiveSmallIntegerField(default=1)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    gave_up_at = models.DateTimeField(null=True, blank=True)

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


class WorkerHeartbeat(models.Model):
    """One row per task worker, keyed by a stable id (host + process slot), so a restarted worker
    finds the tasks its previous life left RUNNING. `last_seen` is written every few seconds by
    the worker's heartbeat thread; recovery treats a worker silent for longer than
    TASK_HEARTBEAT_STALE_SECONDS as dead."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=100)
    slot = models.PositiveSmallIntegerField(default=1)
    pid = models.PositiveIntegerField(default=0)
    queues = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return self.worker_id


class TaskAttempt(models.Model):
    """A task result that is a retry of an earlier one: which attempt it is and why the
    earlier one ended. The first run of a task has no row."""

    task_result_id = models.CharField(max_length=64, unique=True)
    previous_id = models.CharField(max_length=64)
    attempt = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.task_result_id}#{self.attempt}"


class BackgroundAlert(models.Model):
    """Background work that needs a person: a task that died and may not be re-run by itself, a
    scheduled job that kept failing, a restore drill that did not verify. Shown on the admin's
    background health page until acknowledged."""

    created_at = models.DateTimeField(auto_now_add=True)
    subject = models.CharField(max_length=200)
    message = models.TextField(max_length=4000)
    task_result_id = models.CharField(max_length=64, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["acknowledged_at", "created_at"], name="background_alert_open")]

    def __str__(self) -> str:
        return self.subject


class BackupRecord(models.Model):
    """A finished backup and where it is (host and full path), written by whichever worker made
    it, so the list page shows every machine's backups. `pruned_at` is set when pruning deletes
    the files."""

    name = models.CharField(max_length=200)
    host = models.CharField(max_length=100)
    path = models.CharField(max_length=1000)
    created_at = models.DateTimeField()
    engine = models.CharField(max_length=20)
    size = models.PositiveBigIntegerField(default=0)
    rows = models.PositiveBigIntegerField(default=0)
    table_count = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    pruned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["path"], name="backup_record_path_unique")]

    def __str__(self) -> str:
        return f"{self.host}:{self.path}"


class RestoreDrill(models.Model):
    """The monthly proof that the newest backup restores: restored into a scratch database and
    its row counts compared with the manifest."""

    ran_at = models.DateTimeField(auto_now_add=True)
    backup_name = models.CharField(max_length=200)
    host = models.CharField(max_length=100)
    ok = models.BooleanField()
    tables = models.PositiveIntegerField(default=0)
    rows = models.PositiveBigIntegerField(default=0)
    message = models.TextField(max_length=4000, blank=True)

    def __str__(self) -> str:
        return f"{self.backup_name}: {'ok' if self.ok else 'FAILED'}"


class DeletedDocumentQuerySet(AppendOnlyQuerySetMixin, StoreScopedQuerySet):
    append_only_message = "The deletion log is append-only."


class DeletedDocument(models.Model):
    """One line of the deletion log (删除日志, docs/DOMAIN.md §24.4): a business document
    deleted by a user with the permission, why, and its full snapshot (the document's fields
    and those of the rows deleted with it) so a manager can see exactly what went."""

    deleted_at = models.DateTimeField(_("deleted at"), auto_now_add=True, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("deleted by")
    )
    deleted_by_name = models.CharField(_("user name"), max_length=150, blank=True)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    kind = models.CharField(_("document type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    number = models.CharField(_("document"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    snapshot = models.JSONField(_("snapshot"), default=dict)

    objects = DeletedDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("deleted document")
        verbose_name_plural = _("deletion log")
        ordering = ["-id"]
        indexes = [models.Index(fields=["store", "-deleted_at"], name="deleted_doc_store_time")]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("The deletion log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The deletion log is append-only.")
