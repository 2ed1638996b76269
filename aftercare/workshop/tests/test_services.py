"""Dispatch, clocking, the automatic moves, final inspection with rework, and the wash."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from aftercare.service import services as spine
from aftercare.service.choices import LineStatus, Status
from aftercare.service.models import RepairOrder
from aftercare.workshop import selectors, services
from aftercare.workshop.choices import JobStatus
from aftercare.workshop.models import Finding, Job, JobClock, QualityCheck, Wash

from .conftest import bay, labour, op

pytestmark = pytest.mark.django_db


def _dispatch(staff, line, technician, bay_=None, **kwargs):
    return services.job_dispatch(
        actor=staff["foreman"], line=line, technician=technician, bay=bay_ or bay(line.repair_order.store), **kwargs
    )


def _all_ok(order):
    return {item.code: "ok" for item in services.applicable_inspection_items(order)}


# --- dispatch ---------------------------------------------------------------------------


def test_dispatch_sets_the_lines_technician_and_bay_and_creates_the_job(staff, store, make_order, tech):
    order = make_order()
    (line,) = labour(order)
    finish = order.promised_at - timedelta(hours=1)
    job = _dispatch(staff, line, tech, required_finish_at=finish)
    line.refresh_from_db()
    assert (line.technician, line.bay.code) == (tech, "B03")
    assert (job.status, job.required_finish_at, job.store) == (JobStatus.ASSIGNED, finish, store)


def test_a_technician_cannot_dispatch(staff, make_order, tech):
    (line,) = labour(make_order())
    with pytest.raises(PermissionDenied):
        services.job_dispatch(actor=tech, line=line, technician=tech, bay=None)


def test_jobs_go_only_to_technicians_or_foremen_of_the_store(staff, make_order):
    (line,) = labour(make_order())
    with pytest.raises(ValidationError) as error:
        _dispatch(staff, line, staff["cashier"])
    assert "technician" in error.value.message_dict


def test_high_voltage_work_needs_a_certified_technician_and_an_ev_bay(staff, store, make_order, tech):
    order = make_order(codes=("V002",), powertrain="BEV")
    (line,) = labour(order)
    with pytest.raises(ValidationError) as error:
        _dispatch(staff, line, tech, bay(store, "B06"))
    assert "technician" in error.value.message_dict
    tech.hv_certified = True
    tech.save(update_fields=["hv_certified"])
    with pytest.raises(ValidationError) as error:
        _dispatch(staff, line, tech, bay(store, "B03"))
    assert "bay" in error.value.message_dict
    job = _dispatch(staff, line, tech, bay(store, "B06"))
    assert job.bay.code == "B06"


def test_ordinary_work_on_an_ev_needs_no_certificate(staff, store, make_order, tech):
    (line,) = labour(make_order(codes=("M003",), powertrain="BEV"))
    assert _dispatch(staff, line, tech).technician == tech


def test_proposed_work_and_unapproved_orders_cannot_be_dispatched(staff, store, make_order, tech):
    order = make_order()
    (extra,) = spine.line_add(actor=staff["advisor"], order=order, operation=op(store, "B001"))
    assert extra.status == LineStatus.PROPOSED
    with pytest.raises(ValidationError):
        _dispatch(staff, extra, tech)
    spine.repair_order_transition(repair_order=order, to=Status.CANCELLED, actor=staff["advisor"], note="客户取消")
    (line, _extra) = labour(order)
    with pytest.raises(spine.TransitionRefused):
        _dispatch(staff, line, tech)


# --- clocking -----------------------------------------------------------------------------


def test_the_first_clock_on_starts_the_order_and_the_last_finish_sends_it_to_quality_check(
    staff, make_order, tech, second_tech
):
    order = make_order(codes=("M009", "T002"))
    first, second = labour(order)
    _dispatch(staff, first, tech)
    _dispatch(staff, second, second_tech)

    services.job_clock_on(actor=tech, line=first)
    assert RepairOrder.objects.get(pk=order.pk).status == Status.IN_PROGRESS
    outcome = services.job_clock_off(actor=tech, line=first, finished=True)
    assert outcome.order_status == Status.IN_PROGRESS  # the other job is not done

    services.job_clock_on(actor=second_tech, line=second)
    outcome = services.job_clock_off(actor=second_tech, line=second, finished=True)
    assert outcome.order_status == Status.QUALITY_CHECK
    assert RepairOrder.objects.get(pk=order.pk).status == Status.QUALITY_CHECK


def test_pauses_add_up_to_the_actual_hours(staff, make_order, tech):
    order = make_order()
    (line,) = labour(order)
    _dispatch(staff, line, tech)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        services.job_clock_on(actor=tech, line=line)
        clock.shift(timedelta(minutes=20))
        services.job_clock_off(actor=tech, line=line, finished=False)
        assert Job.objects.get(line=line).status == JobStatus.PAUSED
        clock.shift(timedelta(minutes=30))  # lunch: not counted
        services.job_clock_on(actor=tech, line=line)
        clock.shift(timedelta(minutes=16))
        services.job_clock_off(actor=tech, line=line, finished=True)
    job = Job.objects.get(line=line)
    assert job.actual_seconds == 36 * 60
    assert job.actual_hours == Decimal("0.60")
    assert job.frt_hours == Decimal("0.50")
    assert JobClock.objects.filter(job=job).count() == 2


def test_clocking_on_another_job_pauses_the_running_one(staff, make_order, tech):
    first_order, second_order = make_order(), make_order()
    (a,) = labour(first_order)
    (b,) = labour(second_order)
    _dispatch(staff, a, tech)
    _dispatch(staff, b, tech, bay(b.repair_order.store, "B04"))
    services.job_clock_on(actor=tech, line=a)
    services.job_clock_on(actor=tech, line=b)
    assert Job.objects.get(line=a).status == JobStatus.PAUSED
    assert Job.objects.get(line=b).status == JobStatus.IN_PROGRESS
    assert JobClock.objects.filter(technician=tech, ended_at__isnull=True).get().job.line_id == b.pk


def test_only_the_assigned_technician_clocks_on(staff, make_order, tech, second_tech):
    (line,) = labour(make_order())
    _dispatch(staff, line, tech)
    with pytest.raises(PermissionDenied):
        services.job_clock_on(actor=second_tech, line=line)


def test_clocking_off_a_job_nobody_works_on_is_refused(staff, make_order, tech):
    (line,) = labour(make_order())
    _dispatch(staff, line, tech)
    with pytest.raises(spine.TransitionRefused):
        services.job_clock_off(actor=tech, line=line, finished=False)


def test_pending_additional_work_keeps_the_order_in_progress_without_an_error(staff, store, make_order, tech):
    order = make_order()
    (line,) = labour(order)
    _dispatch(staff, line, tech)
    services.job_clock_on(actor=tech, line=line)
    spine.line_add(actor=staff["advisor"], order=order, operation=op(store, "B001"))
    outcome = services.job_clock_off(actor=tech, line=line, finished=True)
    assert outcome.order_status == Status.IN_PROGRESS
    assert outcome.waiting_reason
    assert Job.objects.get(line=line).status == JobStatus.DONE


def test_technician_hours_today_and_this_month_compare_actual_with_frt(staff, store, make_order, tech):
    # Mid-morning of a mid-month day: half an hour later is still today and this month
    # whenever the suite runs (at 23:45 it would be tomorrow).
    start = timezone.make_aware(datetime(2026, 11, 18, 10, 0))
    with time_machine.travel(start, tick=False) as clock:
        (line,) = labour(make_order(codes=("T002",)))
        _dispatch(staff, line, tech)
        services.job_clock_on(actor=tech, line=line)
        clock.shift(timedelta(minutes=30))
        services.job_clock_off(actor=tech, line=line, finished=True)
        today = selectors.technician_hours_today(user=tech, store=store, technician=tech)
        month = selectors.technician_hours_this_month(user=tech, store=store, technician=tech)
    assert (today.actual_hours, today.frt_hours, today.jobs_finished) == (Decimal("0.50"), Decimal("0.40"), 1)
    assert month == today
    assert today.efficiency_pct == Decimal("80")


# --- findings -------------------------------------------------------------------------------


def test_a_technicians_finding_waits_for_the_advisor_who_proposes_it(staff, store, make_order, tech):
    order = make_order()
    (line,) = labour(order)
    _dispatch(staff, line, tech)
    finding = services.finding_report(actor=tech, line=line, description="前刹车片剩 2mm", operation=op(store, "B001"))
    assert finding.proposed_line is None
    finding = services.finding_propose(actor=staff["advisor"], finding=finding)
    assert finding.proposed_line.status == LineStatus.PROPOSED and finding.proposed_line.is_additional
    assert Finding.objects.pending().count() == 0


def test_a_foremans_finding_becomes_a_proposed_line_at_once(staff, store, make_order, tech):
    order = make_order()
    (line,) = labour(order)
    _dispatch(staff, line, tech)
    finding = services.finding_report(
        actor=staff["foreman"], line=line, description="雨刮老化", operation=op(store, "M003")
    )
    assert finding.proposed_line is not None


# --- final inspection and rework ----------------------------------------------------------


def _finished(staff, make_order, tech, codes=("M009",)):
    order = make_order(codes=codes)
    for line in labour(order):
        _dispatch(staff, line, tech)
        services.job_clock_on(actor=tech, line=line)
        services.job_clock_off(actor=tech, line=line, finished=True)
    order.refresh_from_db()
    assert order.status == Status.QUALITY_CHECK
    return order


def test_ready_is_refused_without_a_passed_inspection(staff, make_order, tech):
    order = _finished(staff, make_order, tech)
    with pytest.raises(spine.TransitionRefused):
        spine.repair_order_transition(repair_order=order, to=Status.READY, actor=staff["foreman"])


def test_a_passed_inspection_makes_the_order_ready(staff, make_order, tech):
    order = _finished(staff, make_order, tech)
    check = services.quality_check_record(actor=staff["foreman"], order=order, results=_all_ok(order), passed=True)
    assert check.passed and check.items.count() == len(_all_ok(order))
    assert RepairOrder.objects.get(pk=order.pk).status == Status.READY


def test_a_pass_needs_every_item_answered_and_the_road_test_when_needed(staff, make_order, tech):
    order = _finished(staff, make_order, tech)
    results = _all_ok(order)
    results.popitem()
    with pytest.raises(ValidationError) as error:
        services.quality_check_record(
            actor=staff["foreman"], order=order, results=results, passed=True, road_test_required=True
        )
    assert {"results", "road_test_done"} <= set(error.value.message_dict)
    assert not QualityCheck.objects.exists()


def test_a_failed_inspection_sends_jobs_back_as_rework_and_counts_it(staff, store, make_order, tech):
    order = _finished(staff, make_order, tech, codes=("M009", "T002"))
    first, _second = labour(order)
    with pytest.raises(ValidationError):
        services.quality_check_record(actor=staff["foreman"], order=order, results=_all_ok(order), passed=False)
    services.quality_check_record(
        actor=staff["foreman"], order=order, results=_all_ok(order), passed=False,
        reason="换位后胎压未调", rework_lines=[first],
    )  # fmt: skip
    order.refresh_from_db()
    job = Job.objects.get(line=first)
    assert order.status == Status.IN_PROGRESS
    assert (job.status, job.rework_count) == (JobStatus.REWORK, 1)
    assert selectors.rework_counts(user=staff["foreman"], store=store) == {tech.pk: 1}
    # The technician redoes the job; the order goes back to quality check, then passes.
    services.job_clock_on(actor=tech, line=first)
    assert services.job_clock_off(actor=tech, line=first, finished=True).order_status == Status.QUALITY_CHECK
    with pytest.raises(spine.TransitionRefused):  # the latest inspection failed
        spine.repair_order_transition(repair_order=order, to=Status.READY, actor=staff["foreman"])
    services.quality_check_record(actor=staff["foreman"], order=order, results=_all_ok(order), passed=True)
    assert RepairOrder.objects.get(pk=order.pk).status == Status.READY


def test_a_technician_cannot_record_the_inspection(staff, make_order, tech):
    order = _finished(staff, make_order, tech)
    with pytest.raises(PermissionDenied):
        services.quality_check_record(actor=tech, order=order, results=_all_ok(order), passed=True)


# --- wash and the board --------------------------------------------------------------------


def test_the_wash_is_recorded_once_and_shown_on_the_board(staff, store, make_order, tech):
    order = _finished(staff, make_order, tech)
    services.repair_order_wash(actor=tech, order=order)
    with pytest.raises(spine.TransitionRefused):
        services.repair_order_wash(actor=tech, order=order)
    (row,) = selectors.board(user=staff["service_manager"], store=store)
    assert row.washed_at == Wash.objects.get().washed_at


def test_the_board_flags_overdue_and_at_risk_orders(staff, store, make_order):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        late = make_order(promised_in=timedelta(minutes=10))
        soon = make_order(promised_in=timedelta(minutes=50))
        later = make_order(promised_in=timedelta(hours=3))
        clock.shift(timedelta(minutes=25))
        rows = {row.order.pk: row for row in selectors.board(user=staff["advisor"], store=store)}
    assert (rows[late.pk].overdue, rows[late.pk].at_risk) == (True, False)
    assert (rows[soon.pk].overdue, rows[soon.pk].at_risk) == (False, True)
    assert (rows[later.pk].overdue, rows[later.pk].at_risk) == (False, False)
