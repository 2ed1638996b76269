"""Satisfaction surveys (满意度调查, docs/DOMAIN.md §9): a survey template per store
and follow-up kind, the responses a customer gives by phone or through a link,
and one answer per question."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.catalog.models import RepairType, SurveyQuestion
from aftercare.core.models import Store, TimeStampedModel
from aftercare.core.querysets import StoreScopedQuerySet
from aftercare.customers.models import Customer, Vehicle
from aftercare.service.models import RepairOrder

from .choices import Channel, ResponseStatus, SurveyKind

SCORE_RANGE = [MinValueValidator(1), MaxValueValidator(5)]
SCORE_PLACES = Decimal("0.01")
# Satisfied = an overall score of 4 or 5 (the cross-app contract, docs/DOMAIN.md §9.3, §10.2).
SATISFIED_MIN_SCORE = 4


class SurveySettings(models.Model):
    """A store's survey numbers. A store without a row works with the defaults
    (`for_store` returns an unsaved row), so nothing needs setting up."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    link_valid_days = models.PositiveSmallIntegerField(
        _("survey link valid for (days)"), default=14, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    satisfaction_target_pct = models.PositiveSmallIntegerField(
        _("satisfaction target %"), default=90, validators=[MaxValueValidator(100)]
    )
    first_service_questions = models.PositiveSmallIntegerField(
        _("questions in the first-service survey"), default=3, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("survey settings")
        verbose_name_plural = _("survey settings")

    def __str__(self) -> str:
        return f"survey settings · {self.store_id}"

    @classmethod
    def for_store(cls, store: Store) -> "SurveySettings":
        return cls.objects.filter(store=store).first() or cls(store=store)


class SurveyQuerySet(StoreScopedQuerySet):
    pass


class Survey(TimeStampedModel):
    """调查问卷: the questions a store asks for one follow-up kind, in order."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    kind = models.CharField(_("kind"), max_length=20, choices=SurveyKind.choices)
    title = models.CharField(_("title"), max_length=100)
    questions = models.ManyToManyField(SurveyQuestion, related_name="+", verbose_name=_("questions"))

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [models.UniqueConstraint(fields=["store", "kind"], name="surveys_survey_store_kind_uniq")]

    def __str__(self) -> str:
        return self.title

    def ordered_questions(self):
        return self.questions.order_by("sort_order", "code")


class SurveyResponseQuerySet(StoreScopedQuerySet):
    def completed(self):
        return self.filter(status=ResponseStatus.COMPLETED)


class SurveyResponse(TimeStampedModel):
    """One customer's answers to one survey, about one visit when there is one.

    Advisor, technicians and repair type are copied from the repair order when
    the response is opened, so the results stay with the people who did the work."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses", verbose_name=_("survey"))
    kind = models.CharField(_("kind"), max_length=20, choices=SurveyKind.choices)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="survey_responses", verbose_name=_("customer")
    )
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("vehicle")
    )
    repair_order = models.ForeignKey(
        RepairOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_responses",
        verbose_name=_("repair order"),
    )
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service advisor"),
    )
    technicians = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("technicians")
    )
    repair_type = models.ForeignKey(
        RepairType, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("repair type")
    )
    channel = models.CharField(pgettext_lazy("complaint or survey", "channel"), max_length=12, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ResponseStatus.choices, default=ResponseStatus.PENDING
    )
    link_valid_days = models.PositiveSmallIntegerField(_("link valid for (days)"), null=True, blank=True)
    overall_score = models.DecimalField(
        _("overall score"), max_digits=3, decimal_places=2, null=True, blank=True, validators=SCORE_RANGE
    )
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    objects = SurveyResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-completed_at", "-id"]
        indexes = [models.Index(fields=["store", "status", "completed_at"], name="surveys_resp_store_done_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ResponseStatus.PENDING) | Q(completed_at__isnull=False),
                name="surveys_response_completed_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_completed(self) -> bool:
        return self.status == ResponseStatus.COMPLETED

    @staticmethod
    def mean_score(scores) -> Decimal | None:
        """The overall score: the mean of the score answers, to 0.01 half up."""
        scores = [Decimal(s) for s in scores if s is not None]
        if not scores:
            return None
        return (sum(scores) / len(scores)).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


class SurveyAnswer(models.Model):
    """One answer: a score 1-5, a yes/no, or text, as the question asks."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True, validators=SCORE_RANGE)
    yes = models.BooleanField(_("yes"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="surveys_answer_response_question_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.score or self.yes or self.text}"
