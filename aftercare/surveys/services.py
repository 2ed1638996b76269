"""Changes to surveys and responses. Each runs in one transaction, locks what it
checks, writes the audit trail, and announces a completed survey after commit."""

from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.catalog.choices import PLUG_IN_POWERTRAINS, AnswerType, SurveyDimension
from aftercare.catalog.models import SurveyQuestion
from aftercare.core.audit import audit_record, created_changes
from aftercare.core.models import AuditEntry, Store
from aftercare.core.permissions import Perm, require
from aftercare.customers.models import Customer
from aftercare.service.choices import LineKind
from aftercare.service.models import RepairOrder

from .choices import Channel, ResponseStatus, SurveyKind
from .models import Survey, SurveyAnswer, SurveyResponse, SurveySettings
from .signals import survey_answered

LINK_SALT = "aftercare.surveys.link"

# The first-service survey is short (2-3 questions, docs/DOMAIN.md §9.2): service speed
# and the technician's skill first ("您对服务速度满意吗?" "您对技师专业度满意吗?").
FIRST_SERVICE_DIMENSIONS = [SurveyDimension.RESPONSE_SPEED, SurveyDimension.REPAIR_QUALITY, SurveyDimension.STAFF]
COMPLAINT_DIMENSIONS = [SurveyDimension.RESPONSE_SPEED, SurveyDimension.STAFF, SurveyDimension.REPAIR_QUALITY]
TITLES = {
    SurveyKind.FIRST_SERVICE: "首次服务满意度调查",
    SurveyKind.MAINTENANCE: "保养满意度调查",
    SurveyKind.REPAIR: "维修满意度调查",
    SurveyKind.COMPLAINT: "投诉处理满意度调查",
    SurveyKind.EV: "新能源车服务满意度调查",
    SurveyKind.CAMPAIGN: "活动到店满意度调查",
}


def default_questions(*, store: Store, kind: str) -> list[SurveyQuestion]:
    """The questions a new survey of `kind` starts with, from the store's active catalogue."""
    questions = list(SurveyQuestion.objects.effective_for_store(store).active().order_by("sort_order", "code"))
    active = [q for q in questions if not q.for_ev]
    if kind == SurveyKind.EV:
        # The EV questions on the dimensions of seed 002 §5.3, then the open question(s)
        # (docs/DOMAIN.md §17.10); a store without EV questions asks its general ones.
        ev = [q for q in questions if q.for_ev]
        return ev + [q for q in active if q.answer_type == AnswerType.TEXT] if ev else active
    if kind in (SurveyKind.FIRST_SERVICE, SurveyKind.COMPLAINT, SurveyKind.CAMPAIGN):
        # A campaign visit's survey is as short as the first service's, on the same dimensions.
        order = COMPLAINT_DIMENSIONS if kind == SurveyKind.COMPLAINT else FIRST_SERVICE_DIMENSIONS
        asked = [q for q in active if q.answer_type != AnswerType.TEXT and q.dimension in order]
        asked.sort(key=lambda q: (order.index(q.dimension), q.sort_order))
        limit = SurveySettings.for_store(store).first_service_questions if kind == SurveyKind.FIRST_SERVICE else 3
        picked = asked[:limit]
        if kind == SurveyKind.COMPLAINT:
            picked += [q for q in active if q.answer_type == AnswerType.TEXT][:1]
        return picked
    return active


def kind_for_order(order: RepairOrder) -> str:
    """The survey a visit calls for: a plug-in car's visit → the EV survey (docs/DOMAIN.md §17.10);
    otherwise by its repair type: 首保 → first service, 定期保养 → maintenance."""
    if order.vehicle.powertrain in PLUG_IN_POWERTRAINS:
        return SurveyKind.EV
    code = order.repair_type.code if order.repair_type_id else ""
    if code == "first_free":
        return SurveyKind.FIRST_SERVICE
    return SurveyKind.MAINTENANCE if code == "periodic" else SurveyKind.REPAIR


def survey_for(*, store: Store, kind: str, actor=None) -> Survey:
    """The store's survey for `kind`, created from the catalogue the first time it is needed."""
    if kind not in SurveyKind.values:
        raise ValidationError({"kind": _("Unknown survey kind.")})
    survey = Survey.objects.filter(store=store, kind=kind).first()
    if survey is not None:
        return survey
    with transaction.atomic():
        survey, created = Survey.objects.get_or_create(store=store, kind=kind, defaults={"title": TITLES[kind]})
        if created:
            survey.questions.set(default_questions(store=store, kind=kind))
            audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=survey, changes=created_changes(survey))
    return survey


def _check_subject(*, store: Store, customer: Customer, repair_order: RepairOrder | None) -> None:
    if customer.store_id != store.pk:
        raise ValidationError({"customer": _("This customer belongs to another store.")})
    if repair_order is not None and (repair_order.store_id != store.pk or repair_order.customer_id != customer.pk):
        raise ValidationError({"repair_order": _("This repair order is not this customer's order in this store.")})


def _response_open(*, actor, store, customer, repair_order, kind, channel, link_valid_days=None) -> SurveyResponse:
    require(actor, Perm.FOLLOWUP_WORK, store)
    _check_subject(store=store, customer=customer, repair_order=repair_order)
    survey = survey_for(store=store, kind=kind, actor=actor)
    response = SurveyResponse.objects.create(
        store=store,
        survey=survey,
        kind=kind,
        customer=customer,
        vehicle_id=repair_order.vehicle_id if repair_order else None,
        repair_order=repair_order,
        advisor_id=repair_order.advisor_id if repair_order else None,
        repair_type_id=repair_order.repair_type_id if repair_order else None,
        channel=channel,
        link_valid_days=link_valid_days,
    )
    if repair_order is not None:
        # The people who did the work: every dispatched labour line's technician.
        technician_ids = set(
            repair_order.lines.filter(kind=LineKind.LABOUR, technician__isnull=False).values_list(
                "technician_id", flat=True
            )
        )
        response.technicians.set(sorted(technician_ids))
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=response, changes=created_changes(response))
    return response


def link_token(response: SurveyResponse) -> str:
    return signing.TimestampSigner(salt=LINK_SALT).sign(str(response.pk))


def survey_link_issue(
    *, actor, store: Store, customer: Customer, repair_order: RepairOrder | None = None, kind: str
) -> tuple[SurveyResponse, str]:
    """A pending response and the customer's personal link to it (no login needed)."""
    valid_days = SurveySettings.for_store(store).link_valid_days
    with transaction.atomic():
        response = _response_open(
            actor=actor,
            store=store,
            customer=customer,
            repair_order=repair_order,
            kind=kind,
            channel=Channel.LINK,
            link_valid_days=valid_days,
        )
    return response, reverse("surveys_public:answer", args=[link_token(response)])


class LinkExpired(Exception):
    pass


def response_for_token(token: str) -> SurveyResponse:
    """The response a link points at. Raises signing.BadSignature when the link
    was altered, LinkExpired when it is older than the store allowed."""
    signer = signing.TimestampSigner(salt=LINK_SALT)
    response_id = signer.unsign(token)
    response = SurveyResponse.objects.select_related("store", "survey", "customer").get(pk=int(response_id))
    try:
        signer.unsign(token, max_age=timedelta(days=response.link_valid_days or 14))
    except signing.SignatureExpired as exc:
        raise LinkExpired from exc
    return response


def _clean_answers(survey: Survey, answers: dict) -> list[SurveyAnswer]:
    """One SurveyAnswer per question of the survey; every score and yes/no question must be answered."""
    errors, rows = {}, []
    for question in survey.ordered_questions():
        value = answers.get(question.pk)
        field = f"q_{question.pk}"
        if question.answer_type == AnswerType.TEXT:
            if value:
                rows.append(SurveyAnswer(question=question, text=str(value)[:2000]))
            continue
        if value in (None, ""):
            errors[field] = _("Please answer this question.")
        elif question.answer_type == AnswerType.SCORE:
            try:
                score = int(value)
            except (TypeError, ValueError):
                score = 0
            if not 1 <= score <= 5:
                errors[field] = _("Choose a score from 1 to 5.")
            else:
                rows.append(SurveyAnswer(question=question, score=score))
        else:
            rows.append(SurveyAnswer(question=question, yes=value in (True, "yes", "true", "1", 1)))
    if errors:
        raise ValidationError(errors)
    return rows


def survey_response_complete(
    *, actor, response: SurveyResponse, answers: dict, overall: int | None = None, comment: str = ""
) -> SurveyResponse:
    """Record the answers once. `answers` maps question id -> score / bool / text;
    the overall score is the explicit `overall` when given, else the mean of the scores."""
    with transaction.atomic():
        # Locked so that two submits of the same link cannot both be recorded.
        response = SurveyResponse.objects.select_for_update(of=("self",)).select_related("survey").get(pk=response.pk)
        if response.is_completed:
            raise ValidationError(_("This survey has already been answered."), code="already_answered")
        rows = _clean_answers(response.survey, answers)
        if overall is not None and not 1 <= int(overall) <= 5:
            raise ValidationError({"overall": _("Choose a score from 1 to 5.")})
        for row in rows:
            row.response = response
        SurveyAnswer.objects.bulk_create(rows)
        response.overall_score = (
            SurveyResponse.mean_score([overall])
            if overall is not None
            else SurveyResponse.mean_score([row.score for row in rows])
        )
        response.status = ResponseStatus.COMPLETED
        response.completed_at = timezone.now()
        response.comment = comment[:2000]
        fields = ["overall_score", "status", "completed_at", "comment", "updated_at"]
        if actor is not None and actor.is_authenticated:
            response.recorded_by = actor
            fields.append("recorded_by")
        response.save(update_fields=fields)
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=response,
            changes={
                "status": [ResponseStatus.PENDING, ResponseStatus.COMPLETED],
                "overall_score": [None, str(response.overall_score)],
            },
        )
        event = {"response_id": response.pk, "overall_score": response.overall_score}
        transaction.on_commit(lambda: survey_answered.send(sender=SurveyResponse, **event))
    return response


def survey_record_by_staff(
    *,
    actor,
    store: Store,
    customer: Customer,
    kind: str,
    answers: dict,
    repair_order: RepairOrder | None = None,
    overall: int | None = None,
    comment: str = "",
) -> SurveyResponse:
    """Answers the customer gave on the phone, entered by the caller."""
    with transaction.atomic():
        response = _response_open(
            actor=actor,
            store=store,
            customer=customer,
            repair_order=repair_order,
            kind=kind,
            channel=Channel.STAFF_CALL,
        )
        return survey_response_complete(
            actor=actor, response=response, answers=answers, overall=overall, comment=comment
        )
