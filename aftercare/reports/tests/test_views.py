"""The numbers the manager sees: targets, met/missed, drill-down, missing apps."""

from decimal import Decimal

import pytest
from django.urls import reverse

from aftercare.complaints.services import complaint_create
from aftercare.reports import selectors as report_selectors
from aftercare.reports.models import KpiTargets
from aftercare.surveys import services
from aftercare.surveys.choices import SurveyKind
from aftercare.tests.factories import CustomerFactory, catalog_for

pytestmark = pytest.mark.django_db
URL = "reports:kpis"


@pytest.fixture
def only_surveys(monkeypatch):
    """The follow-up and complaint apps answer as if not installed, whatever their state."""
    real = report_selectors._contract

    def contract(app, module, function, **kwargs):
        return real(app, module, function, **kwargs) if app == "surveys" else None

    monkeypatch.setattr(report_selectors, "_contract", contract)


@pytest.fixture
def fake_domain_apps(monkeypatch):
    """Canned answers of the follow-up and complaint contracts, real surveys."""
    real = report_selectors._contract
    calls = []

    def contract(app, module, function, **kwargs):
        calls.append((app, function, kwargs))
        if app == "followups":
            return {"denominator": 20, "numerator": 19, "rate": Decimal("0.9500"), "rows": []}
        if app == "complaints":
            return {
                "total": 10,
                "resolved": 9,
                "resolution_rate": Decimal("0.9000"),
                "contact_on_time_rate": Decimal("1.0000"),
                "answer_on_time_rate": None,
                "inform_on_time_rate": Decimal("0.5000"),
                "open_dissatisfied_customer_ids": [],
            }
        return real(app, module, function, **kwargs)

    monkeypatch.setattr(report_selectors, "_contract", contract)
    return calls


def answer(staff, store, customer, score, actor="customer_care"):
    survey = services.survey_for(store=store, kind=SurveyKind.MAINTENANCE)
    answers = {q.pk: score if q.answer_type == "score" else "yes" for q in survey.ordered_questions()}
    return services.survey_record_by_staff(
        actor=staff[actor] if actor else None,
        store=store,
        customer=customer,
        kind=SurveyKind.MAINTENANCE,
        answers=answers,
    )


def test_the_kpi_page_renders_without_any_data(client_for, staff, only_surveys):
    page = client_for(staff["service_manager"]).get(reverse(URL))
    assert page.status_code == 200
    numbers = {k.key: k for k in page.context["numbers"]}
    assert numbers["satisfaction"].value is None  # nothing surveyed: no rate
    assert numbers["followup_coverage"].available is False
    assert numbers["complaint_resolution"].met is None
    assert "—" in page.content.decode()


def test_each_number_has_its_target_and_colour(client_for, staff, store, fake_domain_apps):
    catalog_for(store)
    happy, unhappy = CustomerFactory(store=store, name="王五"), CustomerFactory(store=store, name="赵六")
    for _ in range(9):
        answer(staff, store, happy, 5)
    answer(staff, store, unhappy, 1)
    page = client_for(staff["service_manager"]).get(reverse(URL))
    numbers = {k.key: k for k in page.context["numbers"]}
    assert (numbers["followup_coverage"].value, numbers["followup_coverage"].met) == (Decimal("0.9500"), True)
    assert (numbers["satisfaction"].value, numbers["satisfaction"].met) == (Decimal("0.9000"), True)
    assert numbers["satisfaction"].customer_ids == [unhappy.pk]
    assert (numbers["complaint_resolution"].target, numbers["complaint_resolution"].met) == (Decimal("0.9800"), False)
    assert numbers["contact_on_time_rate"].met is True
    assert numbers["answer_on_time_rate"].met is None
    assert numbers["inform_on_time_rate"].met is False
    assert (numbers["open_dissatisfied"].value, numbers["open_dissatisfied"].met) == (0, True)
    # Every contract got the same period and only the user's stores.
    assert {tuple(call[2]["store_ids"]) for call in fake_domain_apps} == {(store.pk,)}


def test_a_stores_own_targets_apply(client_for, staff, store, fake_domain_apps):
    KpiTargets.objects.create(store=store, complaint_resolution_pct=90)
    page = client_for(staff["service_manager"]).get(reverse(URL))
    resolution = next(k for k in page.context["numbers"] if k.key == "complaint_resolution")
    assert resolution.met is True


def test_the_drill_down_lists_the_customers_behind_a_number(
    client_for, staff, store, only_surveys, django_assert_max_num_queries
):
    catalog_for(store)
    unhappy = [CustomerFactory(store=store) for _ in range(3)]
    for customer in unhappy:
        answer(staff, store, customer, 2)
    answer(staff, store, CustomerFactory(store=store), 5)
    client = client_for(staff["service_manager"])
    with django_assert_max_num_queries(14):
        page = client.get(reverse(URL), {"drill": "satisfaction"})
    assert page.status_code == 200
    assert {c.pk for c in page.context["drill"]} == {c.pk for c in unhappy}
    assert client.get(reverse(URL), {"drill": "nonsense"}).status_code == 404


def test_the_drill_down_of_open_dissatisfaction_lists_the_customers_not_their_complaints(client_for, staff, store):
    twice, once = CustomerFactory(store=store), CustomerFactory(store=store)
    CustomerFactory(store=store)  # no complaint
    for customer in (twice, twice, once):
        complaint_create(
            actor=staff["advisor"], store=store, customer=customer, channel="phone", complaint_type="waiting",
            description="等待时间过长",
        )  # fmt: skip
    client = client_for(staff["service_manager"])

    page = client.get(reverse(URL), {"drill": "open_dissatisfied"})

    assert page.status_code == 200
    numbers = {k.key: k for k in page.context["numbers"]}
    assert (numbers["open_dissatisfied"].value, numbers["open_dissatisfied"].met) == (2, False)
    assert {c.pk for c in page.context["drill"]} == {twice.pk, once.pk}


def test_the_kpi_page_keeps_its_query_count(client_for, staff, store, only_surveys, django_assert_max_num_queries):
    catalog_for(store)
    client = client_for(staff["service_manager"])
    with django_assert_max_num_queries(13):
        client.get(reverse(URL))
    for _ in range(5):
        answer(staff, store, CustomerFactory(store=store), 3)
    with django_assert_max_num_queries(13):
        client.get(reverse(URL))


def test_another_stores_numbers_are_not_counted(client_for, staff, store, other_store, only_surveys):
    catalog_for(store)
    answer(staff, other_store, CustomerFactory(store=other_store), 1, actor=None)
    page = client_for(staff["service_manager"]).get(reverse(URL), {"store": other_store.pk})
    satisfaction = next(k for k in page.context["numbers"] if k.key == "satisfaction")
    assert satisfaction.denominator == 0


@pytest.mark.parametrize("role", ["advisor", "customer_care", "technician", "cashier", "admin"])
def test_the_kpi_page_is_for_report_viewers_only(client_for, staff, role):
    assert client_for(staff[role]).get(reverse(URL)).status_code == 403


def test_bad_period_input_is_not_an_error(client_for, staff, only_surveys):
    page = client_for(staff["service_manager"]).get(reverse(URL), {"start": "2026-13-01", "end": "x", "store": "y"})
    assert page.status_code == 200
    assert page.context["form"].errors


def test_the_page_works_when_a_domain_app_is_not_installed(client_for, staff, monkeypatch):
    monkeypatch.setattr(
        report_selectors.apps, "is_installed", lambda name: name not in ("aftercare.followups", "aftercare.complaints")
    )
    page = client_for(staff["service_manager"]).get(reverse(URL))
    assert page.status_code == 200
    numbers = {k.key: k for k in page.context["numbers"]}
    assert numbers["followup_coverage"].value is None
    assert numbers["open_dissatisfied"].value is None
