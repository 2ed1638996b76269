"""The service desk (docs/DOMAIN.md §25): roadside rescues, the standard answers base,
major-event alerts and the seven steps of winning a lost customer back."""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.core.models import Store, TimeStampedModel
from aftercare.core.querysets import StoreScopedQuerySet
from aftercare.customers.models import Customer, Vehicle
from aftercare.service.models import RepairOrder

from .choices import (
    OPEN_RECOVERY,
    OPEN_RESCUE,
    RECOVERY_TRANSITIONS,
    RESCUE_COLOURS,
    RESCUE_TRANSITIONS,
    EventKind,
    FaqCategory,
    NoticeRole,
    RecoverySource,
    RecoveryStatus,
    RescueChannel,
    RescueStatus,
)

ZERO = Decimal("0.00")


# --- roadside rescue -----------------------------------------------------------------------------


class RescueQuerySet(StoreScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_RESCUE)


class RescueRequest(TimeStampedModel):
    """A stranded customer's call for help (docs/DOMAIN.md §25.2). Its status moves only through
    services.rescue_transition on core.workflow (RESCUE_TRANSITIONS, a RescueStatusChange per
    move). The customer follows it through a link whose token only its SHA-256 is kept of."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    number = models.CharField(_("rescue number"), max_length=20)
    status = models.CharField(_("status"), max_length=12, choices=RescueStatus.choices, default=RescueStatus.NEW)
    channel = models.CharField(_("request channel"), max_length=12, choices=RescueChannel.choices)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("customer")
    )
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("vehicle")
    )
    plate = models.CharField(_("plate"), max_length=20, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    address = models.CharField(_("location"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )  # fmt: skip
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )  # fmt: skip
    symptom = models.TextField(_("what happened"), max_length=1000)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("received by"),
    )  # fmt: skip
    # Dispatch
    rescue_vehicle = models.CharField(_("rescue vehicle"), max_length=40, blank=True)
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("technician"),
    )  # fmt: skip
    eta_at = models.DateTimeField(_("expected arrival"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Result
    result = models.TextField(_("result"), max_length=2000, blank=True)
    quality_defect = models.BooleanField(_("caused by a quality defect"), default=False)
    fee = models.DecimalField(_("rescue fee"), max_digits=10, decimal_places=2, default=ZERO)
    free_for_vic = models.BooleanField(_("free for VIC"), default=False)
    followup_task_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    claim_line_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)

    objects = RescueQuerySet.as_manager()

    class Meta:
        verbose_name = _("rescue request")
        verbose_name_plural = _("rescue requests")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["store", "number"], name="desk_rescue_number")]
        indexes = [models.Index(fields=["store", "status", "received_at"], name="desk_rescue_board")]

    def __str__(self) -> str:
        return self.number

    @property
    def allowed_transitions(self) -> tuple[str, ...]:
        return RESCUE_TRANSITIONS.get(self.status, ())

    @property
    def colour(self) -> str:
        return RESCUE_COLOURS.get(self.status, "secondary")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RESCUE

    def age_minutes(self, now: datetime | None = None) -> int:
        return max(int(((now or timezone.now()) - self.received_at).total_seconds() // 60), 0)


class RescueStatusChange(models.Model):
    """One move of a rescue: from, to, who, when, the note the customer was told."""

    rescue = models.ForeignKey(RescueRequest, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=12, choices=RescueStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=RescueStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    changed_at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("rescue status change")
        verbose_name_plural = _("rescue status changes")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.rescue_id}: {self.from_status} → {self.to_status}"


class RescuePhoto(models.Model):
    """A photo the customer or the team took of the stranded car."""

    rescue = models.ForeignKey(RescueRequest, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(
        _("photo"), upload_to="rescue-photos/%Y/%m/",
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp", "heic"])],
    )  # fmt: skip
    taken_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.image.name


# --- standard answers ----------------------------------------------------------------------------


class FaqQuerySet(StoreScopedQuerySet):
    def valid(self, day=None):
        day = day or timezone.localdate()
        return self.filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=day),
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day),
        )


class FaqEntry(TimeStampedModel):
    """One standard answer (标准化解答, docs/DOMAIN.md §25.3): a question, its answer, for a
    category and optionally a model, valid between two days, internal or public. Its words are
    kept segmented in FaqTerm by services.faq_save, which every change goes through."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    category = models.CharField(_("category"), max_length=20, choices=FaqCategory.choices)
    model = models.CharField(_("model"), max_length=50, blank=True, help_text=_("Empty: every model."))
    question = models.CharField(_("question"), max_length=200)
    answer = models.TextField(_("answer"), max_length=4000)
    attachment = models.FileField(
        _("attachment"), upload_to="faq/%Y/%m/", blank=True,
        validators=[FileExtensionValidator(["pdf", "jpg", "jpeg", "png", "webp"])],
    )  # fmt: skip
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    public = models.BooleanField(_("public"), default=False, help_text=_("Shown to customers on the FAQ page."))
    use_count = models.PositiveIntegerField(_("times used"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = FaqQuerySet.as_manager()

    class Meta:
        verbose_name = _("standard answer")
        verbose_name_plural = _("standard answers")
        ordering = ["category", "id"]

    def __str__(self) -> str:
        return self.question


class FaqTerm(models.Model):
    """One search term of an answer: a word of jieba's search-engine segmentation, or its pinyin
    (full and initials). `store` is copied from the entry so a search is one index range per term."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(FaqEntry, on_delete=models.CASCADE, related_name="terms")
    term = models.CharField(max_length=40)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "term"], name="desk_faq_term_unique")]
        indexes = [models.Index(fields=["store", "term"], name="desk_faq_term")]

    def __str__(self) -> str:
        return self.term


class FaqSynonym(models.Model):
    """Two words that mean the same to a customer (电瓶 = 蓄电池); a search for one finds both."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    word = models.CharField(_("word"), max_length=40)
    synonym = models.CharField(_("synonym"), max_length=40)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("synonym")
        verbose_name_plural = _("synonyms")
        constraints = [models.UniqueConstraint(fields=["store", "word", "synonym"], name="desk_synonym_unique")]
        indexes = [models.Index(fields=["store", "synonym"], name="desk_synonym_back")]

    def __str__(self) -> str:
        return f"{self.word} = {self.synonym}"


class FaqSearch(models.Model):
    """One search by staff or a customer, with how many answers it found: the manager's list of
    searches that found nothing is the list of answers to write."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    query = models.CharField(max_length=100)
    found = models.PositiveIntegerField(default=0)
    public = models.BooleanField(default=False)
    searched_at = models.DateTimeField(default=timezone.now)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["store", "found", "searched_at"], name="desk_faq_search")]

    def __str__(self) -> str:
        return self.query


class FaqShare(models.Model):
    """An answer an advisor linked into a message to a customer or into a follow-up call."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(FaqEntry, on_delete=models.CASCADE, related_name="shares")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    followup_task_id = models.PositiveBigIntegerField(null=True, blank=True)
    message_id = models.PositiveBigIntegerField(null=True, blank=True)
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    shared_at = models.DateTimeField(default=timezone.now)

    objects = StoreScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.entry_id} → {self.customer_id}"


# --- major events --------------------------------------------------------------------------------


class MajorEventQuerySet(StoreScopedQuerySet):
    def flagged(self, day=None):
        return self.filter(flagged_until__gte=day or timezone.localdate())


class MajorEvent(TimeStampedModel):
    """A key customer's major event (重大变故, docs/DOMAIN.md §25.4): the customer is flagged until
    `flagged_until`; the owning advisor, the VIC specialist and the manager each get a notice."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer"))
    kind = models.CharField(_("event"), max_length=12, choices=EventKind.choices)
    description = models.TextField(_("what happened"), max_length=2000)
    occurred_on = models.DateField(_("occurred on"))
    flagged_until = models.DateField(_("flagged until"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    care_task_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)

    objects = MajorEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("major event")
        verbose_name_plural = _("major events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "flagged_until"], name="desk_event_flag")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.customer_id}"


class NoticeQuerySet(StoreScopedQuerySet):
    store_lookup = "event__store"


class EventNotice(models.Model):
    """One person told of a major event, until they acknowledge it (their home card counts these)."""

    event = models.ForeignKey(MajorEvent, on_delete=models.CASCADE, related_name="notices")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("as"), max_length=10, choices=NoticeRole.choices)
    notified_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "user", "role"], name="desk_notice_unique")]
        indexes = [models.Index(fields=["user", "acknowledged_at"], name="desk_notice_user")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.user_id}"


# --- recovery of a lost customer ----------------------------------------------------------------


class RecoveryQuerySet(StoreScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_RECOVERY)


class RecoveryCase(TimeStampedModel):
    """Winning one lost customer back in the seed's seven steps (docs/DOMAIN.md §25.5). Each step
    is a move on core.workflow, so its person, time and note are the step's RecoveryStep row."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer"))
    status = models.CharField(_("step"), max_length=16, choices=RecoveryStatus.choices, default=RecoveryStatus.OPENED)
    reason = models.CharField(_("why the customer left"), max_length=20)
    source = models.CharField(_("opened by"), max_length=12, choices=RecoverySource.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=pgettext_lazy("complaint handler", "owner"),
    )  # fmt: skip
    contact_name = models.CharField(_("name kept"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact kept"), max_length=20, blank=True)
    repair_order = models.ForeignKey(
        RepairOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("repair order fixing the fault"),
    )  # fmt: skip
    free_repair = models.BooleanField(_("free repair"), default=False)
    free_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("free repair approved by"),
    )  # fmt: skip
    free_approved_at = models.DateTimeField(_("free repair approved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = RecoveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("lost-customer recovery")
        verbose_name_plural = _("lost-customer recoveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["store", "status"], name="desk_recovery_status")]

    def __str__(self) -> str:
        return f"{self.customer_id} · {self.get_status_display()}"

    @property
    def allowed_transitions(self) -> tuple[str, ...]:
        return RECOVERY_TRANSITIONS.get(self.status, ())

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RECOVERY


class RecoveryStep(models.Model):
    """One step of a recovery: who did it, when, and the note (the history row of the workflow)."""

    case = models.ForeignKey(RecoveryCase, on_delete=models.CASCADE, related_name="steps")
    from_status = models.CharField(_("from"), max_length=16, choices=RecoveryStatus.choices, blank=True)
    to_status = models.CharField(_("step"), max_length=16, choices=RecoveryStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    changed_at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("recovery step")
        verbose_name_plural = _("recovery steps")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.to_status}"
