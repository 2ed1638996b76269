"""The five CRM KPIs of November 2026 against hand-computed examples (docs/DOMAIN.md §18.5)."""

from decimal import Decimal

import pytest
import time_machine

from aftercare.crm.models import CustomerProfile, SegmentChange
from aftercare.crm.segments import month_starts, stage_history_backfill
from aftercare.followups.choices import Kind, TaskStatus
from aftercare.followups.selectors import followup_coverage
from aftercare.reports.kpis import causes, crm_kpis
from aftercare.service.choices import Status

from .conftest import at

pytestmark = pytest.mark.django_db
START, END = at("2026-11-01 00:00"), at("2026-12-01 00:00")
REPORT_DAY = "2026-12-01 07:30"


def kpi(store, key, as_of=REPORT_DAY):
    with time_machine.travel(at(as_of), tick=False):
        return next(k for k in crm_kpis(store_ids=[store.pk], start=START, end=END, as_of=at(as_of)) if k.key == key)


def test_coverage_counts_customers_not_calls(store, staff, make):
    both_made, one_missed, late = make.customer("甲"), make.customer("乙"), make.customer("丙")
    make.call(both_made, "2026-11-05 18:00", status=TaskStatus.DONE, done="2026-11-05 10:00")
    make.call(both_made, "2026-11-20 18:00", status=TaskStatus.DONE, done="2026-11-19 10:00")
    make.call(one_missed, "2026-11-06 18:00", status=TaskStatus.DONE, done="2026-11-06 09:00")
    make.call(one_missed, "2026-11-25 18:00", owner=staff["advisor"])  # never made
    make.call(late, "2026-11-10 18:00", status=TaskStatus.DONE, done="2026-11-12 09:00")  # after its deadline
    # Not counted: a cancelled call, a call due next month, a message passed on by phone.
    make.call(make.customer(), "2026-11-08 18:00", status=TaskStatus.CANCELLED)
    make.call(make.customer(), "2026-12-02 18:00")
    make.call(make.customer(), "2026-11-09 18:00", kind=Kind.MESSAGE)

    coverage = kpi(store, "followup_coverage")

    assert (coverage.numerator, coverage.denominator, coverage.rate) == (1, 3, Decimal("0.3333"))
    assert coverage.met is False  # target 95 %
    by_customer = {row["customer_id"]: row for row in coverage.rows}
    assert by_customer[one_missed.pk]["cause"] == "followup_not_made"
    assert by_customer[one_missed.pk]["person_id"] == staff["advisor"].pk  # the owner of the missed call
    assert by_customer[late.pk]["cause"] == "followup_made_late"
    # The old count per call would have said 4 of 5.
    per_call = followup_coverage(store_ids=[store.pk], start=START, end=END)
    assert (per_call["done"], per_call["due"]) == (4, 5)


def test_a_call_made_after_the_report_was_measured_is_not_counted_in_it(store, make):
    customer = make.customer()
    make.call(customer, "2026-11-30 18:00", status=TaskStatus.DONE, done="2026-11-30 17:00")
    assert kpi(store, "followup_coverage", as_of="2026-11-30 12:00").numerator == 0
    assert kpi(store, "followup_coverage", as_of="2026-12-01 07:30").numerator == 1


def test_satisfaction_counts_surveys_and_marks_the_unhappy_still_open(store, staff, make):
    happy, content, open_unhappy, closed_unhappy = (make.customer(n) for n in "甲乙丙丁")
    make.survey(happy, "2026-11-03 10:00", 5)
    make.survey(content, "2026-11-04 10:00", 4)
    make.survey(open_unhappy, "2026-11-05 10:00", 2)
    make.survey(closed_unhappy, "2026-11-06 10:00", 3)
    make.survey(happy, "2026-10-31 10:00", 1)  # October: not counted
    make.complaint(open_unhappy, "2026-11-05 12:00")
    make.complaint(closed_unhappy, "2026-11-06 12:00", resolved="2026-11-08 12:00")

    satisfaction = kpi(store, "satisfaction")

    assert (satisfaction.numerator, satisfaction.denominator, satisfaction.rate) == (2, 4, Decimal("0.5000"))
    causes_by_customer = {row["customer_id"]: row["cause"] for row in satisfaction.misses}
    assert causes_by_customer == {open_unhappy.pk: "dissatisfied_open", closed_unhappy.pk: "dissatisfied"}


def test_a_complaint_resolved_in_the_next_month_counts_once_it_is_resolved(store, staff, make):
    customer = make.customer()
    make.complaint(customer, "2026-11-02 10:00", resolved="2026-11-20 10:00")
    next_month = make.complaint(customer, "2026-11-28 10:00", resolved="2026-12-03 10:00")
    make.complaint(customer, "2026-11-29 10:00", owner=staff["advisor"])  # still open
    make.complaint(customer, "2026-12-01 09:00")  # December's

    on_the_1st = kpi(store, "complaint_resolution", as_of="2026-12-01 07:30")
    on_the_5th = kpi(store, "complaint_resolution", as_of="2026-12-05 07:30")

    assert (on_the_1st.numerator, on_the_1st.denominator, on_the_1st.rate) == (1, 3, Decimal("0.3333"))
    assert (on_the_5th.numerator, on_the_5th.denominator, on_the_5th.rate) == (2, 3, Decimal("0.6667"))
    late = next(row for row in on_the_5th.rows if row["complaint_id"] == next_month.pk)
    assert (late["ok"], late["cause"]) == (True, "complaint_resolved_after_period")
    assert causes(on_the_5th) == [{"cause": "complaint_open", "person_id": staff["advisor"].pk, "count": 1}]


def test_retention_follows_the_customers_regular_at_the_start(store, staff, make):
    stays, leaves, becomes_regular, was_at_risk, comes_back = (make.customer(n) for n in "甲乙丙丁戊")
    make.stages(stays, "2026-01-10", ("2026-04-10", "new"), ("2026-08-01", "regular"))
    make.stages(leaves, "2026-01-10", ("2026-08-01", "regular"), ("2026-11-15 06:30", "at_risk"))
    make.stages(becomes_regular, "2026-08-01", ("2026-08-01", "new"), ("2026-11-10 06:30", "regular"))
    make.stages(was_at_risk, "2026-01-10", ("2026-09-01", "regular"), ("2026-10-20", "at_risk"))
    make.stages(comes_back, "2026-01-10", ("2026-08-01", "regular"), ("2026-11-05", "at_risk"),
                ("2026-11-20", "regular"))  # fmt: skip
    order = make.order(leaves, "2026-08-10 10:00", advisor=staff["service_manager"])

    retention = kpi(store, "retention")

    assert (retention.numerator, retention.denominator, retention.rate) == (2, 3, Decimal("0.6667"))
    assert retention.met is False  # target 85 %
    [left] = retention.misses
    assert (left["customer_id"], left["cause"], left["stage"]) == (leaves.pk, "left_regular", "at_risk")
    assert (left["person_id"], left["repair_order_id"]) == (staff["service_manager"].pk, order.pk)


def test_repurchase_counts_customers_visiting_who_came_before(store, make):
    returning, first_time, after_cancelled = make.customer("甲"), make.customer("乙"), make.customer("丙")
    make.order(returning, "2026-09-10 10:00")
    make.order(returning, "2026-11-10 10:00")
    make.order(first_time, "2026-11-03 10:00")
    make.order(first_time, "2026-11-23 10:00")  # two visits in the month: still one customer, not returning
    make.order(after_cancelled, "2026-10-01 10:00", status=Status.CANCELLED)
    make.order(after_cancelled, "2026-11-12 10:00")
    make.order(make.customer("丁"), "2026-10-05 10:00")  # no visit in November
    make.order(make.customer("戊"), "2026-11-14 10:00", status=Status.CANCELLED)

    repurchase = kpi(store, "repurchase")

    assert (repurchase.numerator, repurchase.denominator, repurchase.rate) == (1, 3, Decimal("0.3333"))
    assert {row["customer_id"] for row in repurchase.misses} == {first_time.pk, after_cancelled.pk}


def test_no_one_to_count_gives_no_rate_and_no_verdict(store, catalogue):
    for kpi_ in crm_kpis(store_ids=[store.pk], start=START, end=END, as_of=END):
        assert (kpi_.rate, kpi_.denominator, kpi_.met) == (None, 0, None)


def test_the_stage_history_rebuilt_from_past_orders_gives_retention_its_regular_customers(store, make):
    stays, lapses, newcomer = make.customer("甲"), make.customer("乙"), make.customer("丙")
    for customer, visits in ((stays, ["2026-03-10", "2026-09-15"]), (lapses, ["2026-02-01", "2026-08-20"]),
                             (newcomer, ["2026-10-05"])):  # fmt: skip
        for day in visits:
            make.order(customer, f"{day} 10:00")
        CustomerProfile.objects.create(customer=customer, store=store, first_visit_at=at(f"{visits[0]} 10:00"))
    make.order(make.customer("丁"), "2026-06-01 10:00", status=Status.CANCELLED)  # never visited
    moments = month_starts(until=at("2026-12-01 06:30"), months=3)
    assert moments == [at("2026-10-01 00:00"), at("2026-11-01 00:00"), at("2026-12-01 00:00")]

    written = stage_history_backfill(store=store, moments=moments)

    history = SegmentChange.objects.filter(store=store).order_by("customer_id", "changed_at")
    assert written == 4
    assert [(c.customer_id, c.changed_at, c.old_value, c.new_value) for c in history] == [
        (stays.pk, at("2026-10-01 00:00"), "", "regular"),
        (lapses.pk, at("2026-10-01 00:00"), "", "regular"),
        (lapses.pk, at("2026-12-01 00:00"), "regular", "at_risk"),  # no visit since 20 August
        (newcomer.pk, at("2026-11-01 00:00"), "", "new"),
    ]
    assert stage_history_backfill(store=store, moments=moments) == 0  # their history has begun
    retention = kpi(store, "retention")
    assert (retention.numerator, retention.denominator) == (1, 2)
    assert [row["customer_id"] for row in retention.misses] == [lapses.pk]
