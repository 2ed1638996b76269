"""Demo survey results: ~60 % of the demo's delivered orders answered (mostly 4-5,
a few 1-2), bulk-inserted like the rest of the demo history, plus one open link."""

import random
from datetime import date, timedelta

from django.db.models import Max
from django.utils import timezone

from aftercare.catalog.choices import AnswerType
from aftercare.core.models import Store
from aftercare.service.choices import LineKind, Status
from aftercare.service.models import RepairOrder, RepairOrderLine, StatusChange

from .choices import Channel, ResponseStatus, SurveyKind
from .models import SurveyAnswer, SurveyResponse
from .services import kind_for_order, survey_for, survey_link_issue

SCORE_WEIGHTS = {5: 55, 4: 30, 3: 8, 2: 4, 1: 3}
COMMENTS = ["服务很周到", "等待时间有点长", "技师很专业，解释清楚", "休息区很干净", "价格透明", ""]


def seed_surveys(store: Store, rng: random.Random, today: date) -> int:
    """Answer about 60 % of the store's delivered orders that have no survey yet."""
    orders = list(
        RepairOrder.objects.filter(store=store, status=Status.DELIVERED, survey_responses__isnull=True)
        .select_related("repair_type", "vehicle")
        .order_by("id")
    )
    if not orders:
        return 0
    delivered_at = dict(
        StatusChange.objects.filter(repair_order__in=orders, to_status=Status.DELIVERED)
        .values_list("repair_order_id")
        .annotate(at=Max("changed_at"))
    )
    technicians: dict[int, set[int]] = {}
    for order_id, tech_id in RepairOrderLine.objects.filter(
        repair_order__in=orders, kind=LineKind.LABOUR, technician__isnull=False
    ).values_list("repair_order_id", "technician_id"):
        technicians.setdefault(order_id, set()).add(tech_id)
    surveys = {kind: survey_for(store=store, kind=kind) for kind in SurveyKind.values}
    questions = {kind: list(survey.ordered_questions()) for kind, survey in surveys.items()}
    now = timezone.now()
    scores, weights = list(SCORE_WEIGHTS), list(SCORE_WEIGHTS.values())
    answered = [order for order in orders if rng.random() < 0.6]
    open_link_order = next((o for o in orders if o not in answered), None)

    responses, planned = [], []
    for order in answered:
        kind = kind_for_order(order)
        base = rng.choices(scores, weights)[0]
        answers = []
        for question in questions[kind]:
            if question.answer_type == AnswerType.SCORE:
                answers.append(
                    SurveyAnswer(question=question, score=max(1, min(5, base + rng.choice([0, 0, 0, -1, 1]))))
                )
            elif question.answer_type == AnswerType.YES_NO:
                answers.append(SurveyAnswer(question=question, yes=base >= 3 or rng.random() < 0.3))
            elif (comment := rng.choice(COMMENTS)) != "":
                answers.append(SurveyAnswer(question=question, text=comment))
        at = min(delivered_at.get(order.pk, order.closed_at or now) + timedelta(days=rng.randint(1, 3)), now)
        responses.append(
            SurveyResponse(
                store=store,
                survey=surveys[kind],
                kind=kind,
                customer_id=order.customer_id,
                vehicle_id=order.vehicle_id,
                repair_order=order,
                advisor_id=order.advisor_id,
                repair_type_id=order.repair_type_id,
                channel=rng.choice([Channel.STAFF_CALL, Channel.STAFF_CALL, Channel.LINK]),
                status=ResponseStatus.COMPLETED,
                overall_score=SurveyResponse.mean_score([a.score for a in answers]),
                completed_at=at,
            )
        )
        planned.append((order, answers))
    SurveyResponse.objects.bulk_create(responses)
    through = SurveyResponse.technicians.through
    rows, links = [], []
    for response, (order, answers) in zip(responses, planned, strict=True):
        for answer in answers:
            answer.response = response
            rows.append(answer)
        links += [through(surveyresponse_id=response.pk, user_id=t) for t in sorted(technicians.get(order.pk, ()))]
    SurveyAnswer.objects.bulk_create(rows)
    through.objects.bulk_create(links)
    if open_link_order is not None:
        survey_link_issue(
            actor=None,
            store=store,
            customer=open_link_order.customer,
            repair_order=open_link_order,
            kind=kind_for_order(open_link_order),
        )
    return len(responses)
