"""The EV survey (docs/DOMAIN.md §17.10): the five dimensions of seed 002 §5.3 asked after work
on a plug-in car, chosen automatically for its follow-up; the other surveys never ask them."""

import pytest

from aftercare.catalog.models import RepairType, SurveyQuestion
from aftercare.service import services as ro_services
from aftercare.surveys import services
from aftercare.surveys.choices import SurveyKind
from aftercare.tests.factories import CustomerFactory, VehicleFactory

pytestmark = pytest.mark.django_db

SEED_002_DIMENSIONS = ["response_speed", "repair_quality", "parts_supply", "consulting", "environment"]


def _order(staff, store, powertrain, repair_type="general"):
    vehicle = VehicleFactory(owner=CustomerFactory(store=store), powertrain=powertrain)
    return ro_services.repair_order_open(
        actor=staff["advisor"], store=store, vehicle=vehicle,
        repair_type=RepairType.objects.effective_for_store(store).get(code=repair_type),
    )  # fmt: skip


@pytest.mark.parametrize("powertrain", ["BEV", "PHEV"])
def test_ev_orders_get_the_ev_survey_whatever_the_repair_type(staff, store, catalogue, powertrain):
    assert services.kind_for_order(_order(staff, store, powertrain)) == SurveyKind.EV
    assert services.kind_for_order(_order(staff, store, powertrain, "periodic")) == SurveyKind.EV


@pytest.mark.parametrize("powertrain", ["ICE", "HEV"])
def test_other_orders_keep_their_survey(staff, store, catalogue, powertrain):
    assert services.kind_for_order(_order(staff, store, powertrain, "periodic")) == SurveyKind.MAINTENANCE


def test_the_ev_survey_asks_the_five_dimensions_of_seed_002_then_the_open_question(store, catalogue):
    survey = services.survey_for(store=store, kind=SurveyKind.EV)
    questions = list(survey.ordered_questions())
    assert [q.dimension for q in questions if q.for_ev] == SEED_002_DIMENSIONS
    assert [q.code for q in questions if not q.for_ev] == ["Q09"]
    assert survey.title == "新能源车服务满意度调查"


def test_the_other_surveys_never_ask_the_ev_questions(store, catalogue):
    for kind in (SurveyKind.MAINTENANCE, SurveyKind.REPAIR, SurveyKind.FIRST_SERVICE, SurveyKind.COMPLAINT):
        assert not services.survey_for(store=store, kind=kind).questions.filter(for_ev=True).exists()


def test_a_link_issued_for_an_ev_order_carries_the_ev_questions(staff, store, catalogue):
    order = _order(staff, store, "BEV")
    response, _path = services.survey_link_issue(
        actor=staff["customer_care"], store=store, customer=order.customer, repair_order=order,
        kind=services.kind_for_order(order),
    )  # fmt: skip
    assert response.kind == SurveyKind.EV
    assert set(response.survey.questions.filter(for_ev=True).values_list("code", flat=True)) == {
        "EV01", "EV02", "EV03", "EV04", "EV05",
    }  # fmt: skip


def test_a_store_without_ev_questions_asks_its_general_ones(store, catalogue):
    SurveyQuestion.objects.filter(for_ev=True).update(is_active=False)
    survey = services.survey_for(store=store, kind=SurveyKind.EV)
    assert survey.questions.count() == 9
