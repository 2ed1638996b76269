"""Surveys: default templates, staff entry, links and the survey_answered signal."""

from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aftercare.catalog.choices import AnswerType
from aftercare.surveys import services
from aftercare.surveys.choices import Channel, ResponseStatus, SurveyKind
from aftercare.surveys.models import SurveyResponse, SurveySettings
from aftercare.surveys.signals import survey_answered
from aftercare.tests.factories import CustomerFactory, StoreFactory

pytestmark = pytest.mark.django_db


def all_good(survey, score=5):
    answers = {}
    for q in survey.ordered_questions():
        answers[q.pk] = score if q.answer_type == AnswerType.SCORE else ("yes" if q.answer_type == "yes_no" else "")
    return answers


def test_the_first_service_survey_asks_two_or_three_questions_led_by_service_speed(store, catalogue):
    survey = services.survey_for(store=store, kind=SurveyKind.FIRST_SERVICE)
    questions = list(survey.questions.all())
    assert 2 <= len(questions) <= 3
    assert "response_speed" in {q.dimension for q in questions}


def test_the_first_service_survey_length_is_configurable_per_store(store, catalogue):
    SurveySettings.objects.create(store=store, first_service_questions=2)
    survey = services.survey_for(store=store, kind=SurveyKind.FIRST_SERVICE)
    assert survey.questions.count() == 2


def test_the_maintenance_survey_covers_every_active_question_and_is_made_once(store, catalogue):
    first = services.survey_for(store=store, kind=SurveyKind.MAINTENANCE)
    again = services.survey_for(store=store, kind=SurveyKind.MAINTENANCE)
    assert first.pk == again.pk
    assert len({q.dimension for q in first.questions.all()}) == 8


def test_staff_entry_copies_advisor_technicians_and_repair_type_from_the_order(staff, store, make_order):
    tech = staff["technician"]
    foreman = staff["foreman"]
    order = make_order(technicians=[tech, foreman])
    survey = services.survey_for(store=store, kind=SurveyKind.REPAIR)
    response = services.survey_record_by_staff(
        actor=staff["customer_care"],
        store=store,
        customer=order.customer,
        repair_order=order,
        kind=SurveyKind.REPAIR,
        answers=all_good(survey, 4),
    )
    assert response.channel == Channel.STAFF_CALL
    assert response.status == ResponseStatus.COMPLETED and response.completed_at is not None
    assert response.advisor == staff["advisor"]
    assert set(response.technicians.all()) == {tech, foreman}
    assert response.repair_type_id == order.repair_type_id
    assert response.overall_score == Decimal("4.00")
    assert response.recorded_by == staff["customer_care"]


def test_the_overall_score_is_the_mean_of_the_scores_unless_given(staff, store, customer, catalogue):
    survey = services.survey_for(store=store, kind=SurveyKind.MAINTENANCE)
    score_questions = [q for q in survey.ordered_questions() if q.answer_type == AnswerType.SCORE]
    answers = all_good(survey, 5)
    answers[score_questions[0].pk] = 2  # one 2 among 5s
    response = services.survey_record_by_staff(
        actor=staff["advisor"], store=store, customer=customer, kind=SurveyKind.MAINTENANCE, answers=answers
    )
    n = len(score_questions)
    expected = (Decimal(5 * (n - 1) + 2) / n).quantize(Decimal("0.01"))
    assert response.overall_score == expected
    explicit = services.survey_record_by_staff(
        actor=staff["advisor"],
        store=store,
        customer=customer,
        kind=SurveyKind.MAINTENANCE,
        answers=answers,
        overall=3,
    )
    assert explicit.overall_score == Decimal("3.00")


def test_an_unanswered_score_question_is_a_field_error(staff, store, customer, catalogue):
    survey = services.survey_for(store=store, kind=SurveyKind.FIRST_SERVICE)
    answers = all_good(survey)
    first = survey.ordered_questions()[0]
    answers[first.pk] = None
    with pytest.raises(ValidationError) as excinfo:
        services.survey_record_by_staff(
            actor=staff["advisor"], store=store, customer=customer, kind=SurveyKind.FIRST_SERVICE, answers=answers
        )
    assert f"q_{first.pk}" in excinfo.value.message_dict
    assert not SurveyResponse.objects.exists()


def test_staff_without_followup_work_cannot_record_a_survey(staff, store, customer, catalogue):
    with pytest.raises(PermissionDenied):
        services.survey_link_issue(actor=staff["technician"], store=store, customer=customer, kind="maintenance")


def test_another_stores_customer_is_refused(staff, store, catalogue):
    elsewhere = CustomerFactory(store=StoreFactory(group=store.group))
    with pytest.raises(ValidationError):
        services.survey_link_issue(actor=staff["advisor"], store=store, customer=elsewhere, kind="maintenance")


def test_completing_sends_survey_answered_after_commit(
    staff, store, customer, catalogue, django_capture_on_commit_callbacks
):
    received = []

    def listener(sender, response_id, overall_score, **kwargs):
        received.append((sender, response_id, overall_score))

    # Only this listener: the follow-up app's own receiver is tested there.
    with mock.patch.object(survey_answered, "receivers", []):
        survey_answered.connect(listener)
        response, _url = services.survey_link_issue(
            actor=staff["advisor"], store=store, customer=customer, kind=SurveyKind.FIRST_SERVICE
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.survey_response_complete(actor=None, response=response, answers=all_good(response.survey, 5))
            assert received == []  # not before the commit
    assert received == [(SurveyResponse, response.pk, Decimal("5.00"))]


def test_a_response_is_answered_only_once(staff, store, customer, catalogue):
    response, _url = services.survey_link_issue(
        actor=staff["advisor"], store=store, customer=customer, kind=SurveyKind.FIRST_SERVICE
    )
    services.survey_response_complete(actor=None, response=response, answers=all_good(response.survey))
    with pytest.raises(ValidationError) as excinfo:
        services.survey_response_complete(actor=None, response=response, answers=all_good(response.survey, 1))
    assert excinfo.value.code == "already_answered"
    response.refresh_from_db()
    assert response.overall_score == Decimal("5.00")


def test_the_link_embeds_the_response_and_its_validity_comes_from_the_store(staff, store, customer, catalogue):
    SurveySettings.objects.create(store=store, link_valid_days=3)
    response, url = services.survey_link_issue(
        actor=staff["customer_care"], store=store, customer=customer, kind=SurveyKind.MAINTENANCE
    )
    assert url.startswith("/s/")
    assert response.link_valid_days == 3
    assert services.response_for_token(url.split("/")[2]).pk == response.pk
