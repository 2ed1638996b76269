"""Survey pages: the customer's link (valid, expired, reused, tampered), staff entry,
results with drill-down and CSV, permissions and store scoping."""

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import segno
import time_machine
from django.test import Client
from django.urls import reverse

from aftercare.catalog.choices import AnswerType
from aftercare.surveys import services
from aftercare.surveys.choices import Channel, ResponseStatus, SurveyKind
from aftercare.surveys.models import SurveyResponse
from aftercare.tests.factories import CustomerFactory, StoreFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def form_data(survey, score="5"):
    data = {}
    for q in survey.ordered_questions():
        if q.answer_type == AnswerType.SCORE:
            data[f"q_{q.pk}"] = score
        elif q.answer_type == AnswerType.YES_NO:
            data[f"q_{q.pk}"] = "yes"
        else:
            data[f"q_{q.pk}"] = "很好"
    return data


@pytest.fixture
def link(staff, store, customer, catalogue):
    response, url = services.survey_link_issue(
        actor=staff["customer_care"], store=store, customer=customer, kind=SurveyKind.FIRST_SERVICE
    )
    return response, url


def test_the_link_opens_without_login_and_takes_the_answers(link):
    response, url = link
    page = Client().get(url)
    assert page.status_code == 200
    assert b'name="viewport"' in page.content
    client = Client()
    answered = client.post(url, form_data(response.survey, "4"))
    assert answered.status_code == 302
    assert answered.url == f"{url}thanks/"
    thanks = client.get(answered.url)
    assert thanks.status_code == 200
    assert "already" not in thanks.context
    response.refresh_from_db()
    assert response.status == ResponseStatus.COMPLETED and response.channel == Channel.LINK
    assert str(response.overall_score) == "4.00"
    assert response.recorded_by is None


def test_a_second_submit_on_the_same_link_is_refused_with_a_friendly_page(link):
    response, url = link
    Client().post(url, form_data(response.survey, "5"))
    again = Client().post(url, form_data(response.survey, "1"))
    assert again.status_code == 409
    assert again.context["already"] is True
    assert Client().get(url).status_code == 200
    response.refresh_from_db()
    assert str(response.overall_score) == "5.00"
    assert response.answers.filter(score=1).count() == 0


def test_an_expired_link_is_refused(link):
    response, url = link
    with time_machine.travel(datetime.now(SHANGHAI) + timedelta(days=14, minutes=1)):
        assert Client().get(url).status_code == 410
        assert Client().post(url, form_data(response.survey)).status_code == 410
    with time_machine.travel(datetime.now(SHANGHAI) + timedelta(days=13, hours=23)):
        assert Client().get(url).status_code == 200
    response.refresh_from_db()
    assert response.status == ResponseStatus.PENDING


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: "1:" + t, lambda t: "x"]
)
def test_a_tampered_link_is_a_400_page(link, mangle):
    _response, url = link
    token = url.split("/")[2]
    page = Client().get(reverse("surveys_public:answer", args=[mangle(token)]))
    assert page.status_code == 400


def test_a_link_for_another_response_id_cannot_be_forged(link):
    response, url = link
    token = url.split("/")[2]
    forged = f"{response.pk + 1}:{token.split(':', 1)[1]}"
    assert Client().get(reverse("surveys_public:answer", args=[forged])).status_code == 400


def test_missing_answers_on_the_link_show_field_errors(link):
    response, url = link
    page = Client().post(url, {})
    assert page.status_code == 400
    assert page.context["form"].errors
    response.refresh_from_db()
    assert response.status == ResponseStatus.PENDING


def test_staff_enter_a_survey_during_the_call(client_for, staff, make_order):
    order = make_order(technicians=[staff["technician"]])
    client = client_for(staff["customer_care"])
    url = reverse("surveys:record")
    page = client.get(url, {"customer": order.customer_id, "repair_order": order.pk, "kind": "repair"})
    assert page.status_code == 200
    survey = page.context["survey"]
    data = {"customer": order.customer_id, "repair_order": order.pk, "kind": "repair", **form_data(survey, "3")}
    recorded = client.post(url, data)
    assert (recorded.status_code, recorded.url) == (302, reverse("surveys:results"))
    response = SurveyResponse.objects.get()
    assert response.channel == Channel.STAFF_CALL and response.repair_order == order
    assert list(response.technicians.all()) == [staff["technician"]]


def test_staff_entry_with_missing_answers_is_a_400_with_field_errors(client_for, staff, customer, catalogue):
    client = client_for(staff["advisor"])
    page = client.post(reverse("surveys:record"), {"customer": customer.pk, "kind": "maintenance"})
    assert page.status_code == 400
    assert page.context["form"].errors
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize("params", [{"customer": "abc"}, {"customer": "1", "kind": "nonsense"}, {}])
def test_staff_entry_with_bad_parameters_is_a_404_not_a_500(client_for, staff, customer, params):
    assert client_for(staff["advisor"]).get(reverse("surveys:record"), params).status_code == 404


def test_another_stores_customer_is_a_404(client_for, staff, store, catalogue):
    elsewhere = CustomerFactory(store=StoreFactory(group=store.group))
    client = client_for(staff["advisor"])
    assert client.get(reverse("surveys:record"), {"customer": elsewhere.pk}).status_code == 404
    assert client.post(reverse("surveys:link_issue"), {"customer": elsewhere.pk}).status_code == 404


def test_issuing_a_link_shows_the_absolute_address(client_for, staff, customer, catalogue):
    client = client_for(staff["customer_care"])
    issued = client.post(reverse("surveys:link_issue"), {"customer": customer.pk, "kind": "first_service"})
    assert issued.status_code == 302
    assert issued.url == reverse("surveys:link_issue")
    page = client.get(issued.url)
    assert page.status_code == 200
    assert page.context["link"].startswith("http://testserver/s/")
    assert page.context["customer"] == customer
    assert SurveyResponse.objects.get().status == ResponseStatus.PENDING


def test_reloading_the_issued_link_shows_it_again_without_issuing_another(client_for, staff, customer, catalogue):
    client = client_for(staff["customer_care"])
    client.post(reverse("surveys:link_issue"), {"customer": customer.pk, "kind": "first_service"})
    first = client.get(reverse("surveys:link_issue")).context["link"]
    assert client.get(reverse("surveys:link_issue")).context["link"] == first
    assert SurveyResponse.objects.count() == 1


def test_the_link_page_without_a_link_issued_goes_to_the_results(client_for, staff):
    page = client_for(staff["customer_care"]).get(reverse("surveys:link_issue"))
    assert page.status_code == 302
    assert page.url == reverse("surveys:results")


def test_the_thank_you_page_of_an_unanswered_link_leads_to_the_questions(link):
    _response, url = link
    page = Client().get(f"{url}thanks/")
    assert page.status_code == 302
    assert page.url == url


@pytest.mark.parametrize("role", ["technician", "cashier", "parts_clerk", "admin"])
def test_survey_pages_are_forbidden_without_followup_work(client_for, staff, customer, role):
    client = client_for(staff[role])
    assert client.get(reverse("surveys:results")).status_code == 403
    assert client.get(reverse("surveys:record"), {"customer": customer.pk}).status_code == 403


def _answered(staff, store, make_order, n):
    for i in range(n):
        order = make_order(technicians=[staff["technician"]])
        survey = services.survey_for(store=store, kind=SurveyKind.REPAIR)
        answers = {
            q.pk: (str(1 + i % 5) if q.answer_type == AnswerType.SCORE else "yes")
            for q in survey.ordered_questions()
            if q.answer_type != AnswerType.TEXT
        }
        services.survey_record_by_staff(
            actor=staff["advisor"],
            store=store,
            customer=order.customer,
            repair_order=order,
            kind=SurveyKind.REPAIR,
            answers=answers,
        )


def test_the_results_page_keeps_its_query_count_whatever_the_data(
    client_for, staff, store, make_order, django_assert_max_num_queries
):
    client = client_for(staff["service_manager"])
    _answered(staff, store, make_order, 2)
    for by in ["advisor", "technician", "repair_type", "store", "month"]:
        with django_assert_max_num_queries(16):
            page = client.get(reverse("surveys:results"), {"by": by})
        assert page.status_code == 200
    _answered(staff, store, make_order, 6)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("surveys:results"), {"by": "advisor", "key": staff["advisor"].pk})
    assert len(page.context["drill"]) == 8
    assert page.context["totals"]["surveyed"] == 8


def test_the_results_page_exports_csv_and_serves_the_htmx_partial(client_for, staff, store, make_order):
    _answered(staff, store, make_order, 3)
    client = client_for(staff["service_manager"])
    export = client.get(reverse("surveys:results"), {"by": "technician", "export": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    lines = export.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2  # header + the one technician
    partial = client.get(reverse("surveys:results"), {"by": "advisor"}, headers={"HX-Request": "true"})
    assert b"<html" not in partial.content


def test_the_results_page_sees_only_the_users_stores(client_for, staff, store, other_store, catalogue):
    outsider = CustomerFactory(store=other_store)
    catalog_store = other_store
    services.survey_record_by_staff(
        actor=None,
        store=catalog_store,
        customer=outsider,
        kind=SurveyKind.MAINTENANCE,
        answers={
            q.pk: "5" if q.answer_type == AnswerType.SCORE else "yes"
            for q in services.survey_for(store=catalog_store, kind=SurveyKind.MAINTENANCE).ordered_questions()
            if q.answer_type != AnswerType.TEXT
        },
    )
    page = client_for(staff["service_manager"]).get(reverse("surveys:results"), {"by": "store"})
    assert page.context["totals"]["surveyed"] == 0
    assert page.context["rows"] == []


def test_bad_filter_input_falls_back_to_this_month_without_error(client_for, staff):
    page = client_for(staff["service_manager"]).get(
        reverse("surveys:results"), {"start": "not-a-date", "by": "nonsense", "store": "x"}
    )
    assert page.status_code == 200
    assert page.context["form"].errors
    bad_drill = client_for(staff["service_manager"]).get(reverse("surveys:results"), {"by": "month", "key": "20x"})
    assert bad_drill.status_code == 404


def test_the_score_buttons_say_which_end_is_satisfied(link):
    _response, url = link
    body = Client().get(url).content.decode()
    words = re.findall(r'data-testid="score-word">([^<]+)<', body)
    assert words[:5] == ["非常满意", "满意", "一般", "不满意", "非常不满意"]


def test_the_issued_link_page_shows_a_qr_code_of_that_link(client_for, staff, customer, catalogue):
    client = client_for(staff["customer_care"])
    client.post(reverse("surveys:link_issue"), {"customer": customer.pk, "kind": "first_service"})
    page = client.get(reverse("surveys:link_issue"))
    assert f'src="{reverse("surveys:link_qr")}"' in page.content.decode()
    assert "完成" in page.content.decode() and "已完工" not in page.content.decode()
    qr = client.get(reverse("surveys:link_qr"))
    assert qr.status_code == 200
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr["Cache-Control"] == "no-store"
    expected = io.BytesIO()
    segno.make(page.context["link"], error="m").save(expected, kind="svg", scale=6, border=2, xmldecl=False)
    assert qr.content == expected.getvalue()


def test_there_is_no_qr_code_without_an_issued_link(client_for, staff):
    assert client_for(staff["customer_care"]).get(reverse("surveys:link_qr")).status_code == 404
    assert Client().get(reverse("surveys:link_qr")).status_code == 302  # to the login
