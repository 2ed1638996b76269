"""调查结果汇总: satisfaction and the breakdowns, on a small set computed by hand."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from aftercare.catalog.choices import AnswerType
from aftercare.surveys import selectors, services
from aftercare.surveys.choices import SurveyKind
from aftercare.surveys.selectors import ratio

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def record(staff, store, order, scores, overall=None):
    """Answer every score question with the given scores in turn (yes to yes/no)."""
    survey = services.survey_for(store=store, kind=SurveyKind.REPAIR)
    answers, i = {}, 0
    for q in survey.ordered_questions():
        if q.answer_type == AnswerType.SCORE:
            answers[q.pk] = scores[i % len(scores)]
            i += 1
        elif q.answer_type == AnswerType.YES_NO:
            answers[q.pk] = "yes"
    return services.survey_record_by_staff(
        actor=staff["customer_care"],
        store=store,
        customer=order.customer,
        repair_order=order,
        kind=SurveyKind.REPAIR,
        answers=answers,
        overall=overall,
    )


@pytest.fixture
def hand_built(staff, store, make_order):
    """A = the advisor, B = the service manager acting as advisor; T1, T2 technicians.
    R1: A, T1, overall 5 · R2: A, T1+T2, overall 3 · R3: B, T2, overall 4."""
    t1, t2 = staff["technician"], staff["foreman"]
    o1 = make_order(advisor=staff["advisor"], technicians=[t1])
    o2 = make_order(advisor=staff["advisor"], technicians=[t1, t2])
    o3 = make_order(advisor=staff["service_manager"], technicians=[t2])
    with time_machine.travel(datetime(2026, 11, 10, 10, tzinfo=SHANGHAI), tick=False):
        r1 = record(staff, store, o1, [5])
        r2 = record(staff, store, o2, [5], overall=3)
        r3 = record(staff, store, o3, [4, 4])
    return {"t1": t1, "t2": t2, "responses": (r1, r2, r3)}


def test_satisfaction_is_satisfied_over_surveyed_with_the_unhappy_customers(store, hand_built):
    _r1, r2, _r3 = hand_built["responses"]
    result = selectors.satisfaction(store_ids=[store.pk], start=NOVEMBER[0], end=NOVEMBER[1])
    assert result == {
        "surveyed": 3,
        "satisfied": 2,
        "rate": Decimal("0.6667"),
        "dissatisfied_customer_ids": [r2.customer_id],
    }


def test_satisfaction_is_read_in_one_grouped_query(store, hand_built, django_assert_num_queries):
    with django_assert_num_queries(1):
        result = selectors.satisfaction(store_ids=[store.pk], start=NOVEMBER[0], end=NOVEMBER[1])

    assert (result["surveyed"], result["satisfied"]) == (3, 2)


def test_satisfaction_counts_nothing_outside_the_period_or_the_stores(store, other_store, hand_built):
    assert selectors.satisfaction(store_ids=[store.pk], start=date(2026, 10, 1), end=date(2026, 10, 31)) == {
        "surveyed": 0,
        "satisfied": 0,
        "rate": None,
        "dissatisfied_customer_ids": [],
    }
    assert selectors.satisfaction(store_ids=[other_store.pk], start=NOVEMBER[0], end=NOVEMBER[1])["surveyed"] == 0


def test_results_by_advisor_match_the_hand_count(staff, store, hand_built):
    rows = selectors.results_summary(store_ids=[store.pk], start=NOVEMBER[0], end=NOVEMBER[1], by="advisor")
    by_key = {row["key"]: row for row in rows}
    a, b = by_key[staff["advisor"].pk], by_key[staff["service_manager"].pk]
    # A: R1 (5) and R2 (3) → 1 of 2 satisfied, average 4.00; B: R3 (4) → 1 of 1.
    assert (a["surveyed"], a["satisfied"], a["rate"], a["average"]) == (2, 1, Decimal("0.5000"), Decimal("4.00"))
    assert (b["surveyed"], b["satisfied"], b["rate"], b["average"]) == (1, 1, Decimal("1.0000"), Decimal("4.00"))


def test_results_by_technician_count_a_shared_order_for_each_technician(store, hand_built):
    rows = selectors.results_summary(store_ids=[store.pk], start=NOVEMBER[0], end=NOVEMBER[1], by="technician")
    by_key = {row["key"]: row for row in rows}
    t1, t2 = by_key[hand_built["t1"].pk], by_key[hand_built["t2"].pk]
    # T1: R1 (5), R2 (3) → average 4.00; T2: R2 (3), R3 (4) → average 3.50.
    assert (t1["surveyed"], t1["satisfied"], t1["average"]) == (2, 1, Decimal("4.00"))
    assert (t2["surveyed"], t2["satisfied"], t2["average"]) == (2, 1, Decimal("3.50"))


def test_the_trend_compares_with_the_previous_period_and_last_year(staff, store, make_order, hand_built):
    order = make_order(advisor=staff["advisor"])
    with time_machine.travel(datetime(2026, 10, 10, 10, tzinfo=SHANGHAI), tick=False):
        record(staff, store, order, [5])
    with time_machine.travel(datetime(2025, 11, 12, 10, tzinfo=SHANGHAI), tick=False):
        record(staff, store, order, [2])
    rows = selectors.results_summary(store_ids=[store.pk], start=NOVEMBER[0], end=NOVEMBER[1], by="advisor")
    a = next(row for row in rows if row["key"] == staff["advisor"].pk)
    assert a["previous_rate"] == Decimal("1.0000") and a["change"] == Decimal("-0.5000")
    assert a["last_year_rate"] == Decimal("0.0000") and a["change_year"] == Decimal("0.5000")


def test_results_by_month_and_by_repair_type_and_store(store, hand_built):
    (month,) = selectors.results_summary(store_ids=[store.pk], start=NOVEMBER[0], end=NOVEMBER[1], by="month")
    assert month["label"] == "2026-11" and month["surveyed"] == 3
    (repair_type,) = selectors.results_summary(
        store_ids=[store.pk], start=NOVEMBER[0], end=NOVEMBER[1], by="repair_type"
    )
    assert repair_type["label"] == "一般修理"
    (row,) = selectors.results_summary(store_ids=[store.pk], start=NOVEMBER[0], end=NOVEMBER[1], by="store")
    assert row["key"] == store.pk and row["satisfied"] == 2


@settings(database=None)  # pure arithmetic: nothing worth keeping in the shared example database
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_a_rate_is_a_four_place_ratio_between_zero_and_one_or_none(a, b):
    satisfied, surveyed = min(a, b), max(a, b)
    rate = ratio(satisfied, surveyed)
    if surveyed == 0:
        assert rate is None
    else:
        assert Decimal(0) <= rate <= Decimal(1)
        assert rate == rate.quantize(Decimal("0.0001"))
        assert abs(rate - Decimal(satisfied) / Decimal(surveyed)) <= Decimal("0.00005")
