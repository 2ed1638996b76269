from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from aftercare.core.models import AuditEntry
from aftercare.followups import services, tasks
from aftercare.followups.choices import Kind, ProblemStatus, RecordStatus, TaskStatus
from aftercare.followups.models import FollowUpProblem, FollowUpRule, FollowUpTask
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.service.services import repair_order_status_changed

from .conftest import aware, callable_customer


def _task(**kwargs) -> FollowUpTask:
    return FollowUpTask.objects.get(**kwargs)


# --- on delivery -------------------------------------------------------------------------------


def test_the_first_delivered_order_asks_the_advisor_to_call_within_24_hours(delivered, staff):
    order = delivered(aware(2026, 3, 2, 16, 30))

    [task] = services.followups_for_delivery(repair_order_id=order.pk)

    assert task.kind == Kind.FIRST_SERVICE
    assert task.owner == staff["advisor"]
    assert task.available_at == aware(2026, 3, 2, 16, 30)
    assert task.due_at == aware(2026, 3, 3, 16, 30)


def test_a_later_repair_is_called_seven_days_after_delivery(delivered, staff):
    delivered(aware(2026, 1, 5, 10, 0), repair_type="periodic")
    order = delivered(aware(2026, 3, 2, 16, 30), repair_type="general")

    [task] = services.followups_for_delivery(repair_order_id=order.pk)

    assert task.kind == Kind.REPAIR
    assert task.owner == staff["advisor"]
    assert task.available_at == aware(2026, 3, 9, 9, 0)


def test_regular_maintenance_goes_to_the_customer_specialists_three_to_five_days_after(delivered):
    delivered(aware(2026, 1, 5, 10, 0), repair_type="general")
    order = delivered(aware(2026, 3, 2, 16, 30), repair_type="periodic")

    [task] = services.followups_for_delivery(repair_order_id=order.pk)

    assert task.kind == Kind.MAINTENANCE
    assert task.owner is None and task.owner_role == "customer_care"
    assert task.available_at == aware(2026, 3, 5, 9, 0)
    assert task.due_at == aware(2026, 3, 7, 18, 0)


def test_the_store_may_change_the_timing(delivered, store):
    FollowUpRule.objects.create(store=store, first_service_hours=48)
    order = delivered(aware(2026, 3, 2, 16, 30))

    [task] = services.followups_for_delivery(repair_order_id=order.pk)

    assert task.due_at == aware(2026, 3, 4, 16, 30)


def test_a_repair_delivered_before_eight_in_the_morning_is_called_seven_local_days_later(delivered, staff):
    # 07:30 in Asia/Shanghai is 23:30 UTC the day before: the call follows the store's calendar.
    delivered(aware(2026, 1, 5, 10, 0), repair_type="periodic")
    with time_machine.travel(aware(2026, 3, 2, 7, 30), tick=False):
        order = delivered(timezone.now(), repair_type="general")

        [task] = services.followups_for_delivery(repair_order_id=order.pk)

    assert task.kind == Kind.REPAIR
    assert task.available_at == aware(2026, 3, 9, 9, 0)
    assert task.due_at == aware(2026, 3, 9, 18, 0)


def test_maintenance_delivered_before_eight_in_the_morning_counts_days_from_the_local_date(delivered):
    delivered(aware(2026, 1, 5, 10, 0), repair_type="general")
    with time_machine.travel(aware(2026, 3, 2, 7, 30), tick=False):
        order = delivered(timezone.now(), repair_type="periodic")

        [task] = services.followups_for_delivery(repair_order_id=order.pk)

    assert task.kind == Kind.MAINTENANCE
    assert task.available_at == aware(2026, 3, 5, 9, 0)
    assert task.due_at == aware(2026, 3, 7, 18, 0)


def test_an_order_without_a_closing_time_counts_from_the_local_date_of_now(delivered):
    delivered(aware(2026, 1, 5, 10, 0), repair_type="periodic")
    with time_machine.travel(aware(2026, 3, 2, 7, 30), tick=False):
        order = delivered(None, repair_type="general")

        [task] = services.followups_for_delivery(repair_order_id=order.pk)

    assert task.available_at == aware(2026, 3, 9, 9, 0)


def test_the_delivered_signal_creates_the_task_once_however_often_it_is_sent(delivered):
    order = delivered(aware(2026, 3, 2, 16, 30))
    event = {
        "repair_order_id": order.pk,
        "from_status": Status.SETTLED,
        "to_status": Status.DELIVERED,
        "actor_id": None,
    }

    repair_order_status_changed.send(sender=RepairOrder, **event)
    repair_order_status_changed.send(sender=RepairOrder, **event)
    services.followups_for_delivery(repair_order_id=order.pk)

    assert FollowUpTask.objects.filter(repair_order=order).count() == 1


def test_other_moves_create_no_task(delivered):
    order = delivered(aware(2026, 3, 2, 16, 30))
    event = {"repair_order_id": order.pk, "from_status": Status.READY, "to_status": Status.SETTLED, "actor_id": None}

    repair_order_status_changed.send(sender=RepairOrder, **event)

    assert not FollowUpTask.objects.exists()


def test_followup_create_returns_the_existing_task_for_the_same_source(store, vehicle, staff):
    first = services.followup_create(
        store=store, customer=vehicle.owner, kind="complaint", due_at=aware(2026, 3, 3, 12, 0),
        source_key="complaint:7", owner=staff["service_manager"],
    )  # fmt: skip
    again = services.followup_create(
        store=store, customer=vehicle.owner, kind="complaint", due_at=aware(2026, 3, 9, 12, 0), source_key="complaint:7"
    )

    assert again.pk == first.pk
    assert again.due_at == aware(2026, 3, 3, 12, 0)
    assert FollowUpTask.objects.count() == 1


def test_followup_create_refuses_an_unknown_kind(store, vehicle):
    with pytest.raises(ValidationError):
        services.followup_create(
            store=store, customer=vehicle.owner, kind="birthday", due_at=aware(2026, 3, 3), source_key="x"
        )


# --- scheduled: churn and holidays -------------------------------------------------------------


def test_a_customer_unseen_for_more_than_three_months_gets_one_churn_call(store):
    gone = callable_customer(store=store, last_visit_at=aware(2026, 2, 28, 10, 0))
    callable_customer(store=store, last_visit_at=aware(2026, 4, 1, 10, 0))  # seen within 3 months
    callable_customer(store=store, last_visit_at=None)  # never came: nothing to warn about

    with time_machine.travel(aware(2026, 6, 1, 6, 0), tick=False):
        assert services.followups_generate_churn(store=store) == 1
        assert services.followups_generate_churn(store=store) == 0

    task = _task(kind=Kind.CHURN)
    assert task.customer == gone and task.owner_role == "customer_care"
    assert task.due_at == aware(2026, 6, 4, 6, 0)


def test_churn_is_selected_with_one_query_whatever_the_number_of_customers(store, django_assert_max_num_queries):
    for day in range(1, 21):
        callable_customer(store=store, last_visit_at=aware(2026, 2, day, 10, 0))

    with time_machine.travel(aware(2026, 6, 1, 6, 0), tick=False), django_assert_max_num_queries(6):
        assert services.followups_generate_churn(store=store) == 20


@pytest.mark.parametrize(
    ("holiday", "code"),
    [
        (aware(2026, 2, 17, 0, 0), "Spring Festival"),
        (aware(2027, 2, 6, 0, 0), "Spring Festival"),
        (aware(2026, 9, 25, 0, 0), "Mid-Autumn Festival"),
        (aware(2027, 9, 15, 0, 0), "Mid-Autumn Festival"),
    ],
)
@translation.override("en")  # the task note names the holiday in the active language
def test_holiday_care_starts_one_week_before_the_lunar_holiday(store, holiday, code):
    customer = callable_customer(store=store, last_visit_at=holiday - timedelta(days=60))

    with time_machine.travel(holiday - timedelta(days=8), tick=False):
        assert services.followups_generate_holiday(store=store) == 0
    with time_machine.travel(holiday - timedelta(days=7), tick=False):
        assert services.followups_generate_holiday(store=store) == 1
    with time_machine.travel(holiday - timedelta(days=3), tick=False):
        assert services.followups_generate_holiday(store=store) == 0

    task = _task(kind=Kind.HOLIDAY)
    assert task.customer == customer
    assert task.note == code
    assert task.available_at.date() == (holiday - timedelta(days=7)).date()
    assert task.due_at.date() == (holiday - timedelta(days=1)).date()


def test_holiday_care_skips_customers_not_seen_for_a_year(store):
    callable_customer(store=store, last_visit_at=aware(2024, 9, 1, 10, 0))

    with time_machine.travel(aware(2026, 9, 24, 8, 0), tick=False):
        assert services.followups_generate_holiday(store=store) == 0


def test_the_scheduled_job_resumes_without_duplicates_after_a_crash_halfway(store, other_store):
    for the_store in (store, other_store):
        callable_customer(store=the_store, last_visit_at=aware(2026, 2, 1, 10, 0))
        callable_customer(store=the_store, last_visit_at=aware(2026, 2, 2, 10, 0))
    real = services.followups_generate_holiday

    def crash_on_second_store(*, store, today=None):
        if store == other_store:
            raise RuntimeError("power cut")
        return real(store=store, today=today)

    with time_machine.travel(aware(2026, 6, 1, 6, 0), tick=False):
        with mock.patch.object(services, "followups_generate_holiday", crash_on_second_store):
            with pytest.raises(RuntimeError):
                tasks.generate_scheduled.call()
        # Stores run in code order: 番禺店 ("py") made its churn calls, then crashed before 天河店.
        assert FollowUpTask.objects.count() == 2
        tasks.generate_scheduled.call()
        tasks.generate_scheduled.call()

    assert FollowUpTask.objects.count() == 4
    assert FollowUpTask.objects.filter(store=other_store).count() == 2


def test_a_customer_who_withdrew_marketing_and_service_consent_gets_no_churn_or_holiday_call(store):
    # The outside test's case: consent withdrawn, and the calls were generated anyway.
    from aftercare.messaging.services import consent_withdraw

    refused = callable_customer(store=store, last_visit_at=aware(2026, 6, 1, 10, 0))
    willing = callable_customer(store=store, last_visit_at=aware(2026, 6, 1, 10, 0))
    never_asked = callable_customer(None, store=store, last_visit_at=aware(2026, 6, 1, 10, 0))
    consent_withdraw(customer=refused, purposes=["marketing", "service"], via="phone")

    with time_machine.travel(aware(2026, 9, 18, 6, 0), tick=False):
        tasks.generate_scheduled.call()

    called = set(FollowUpTask.objects.values_list("customer_id", "kind"))
    assert called == {(willing.pk, "churn"), (willing.pk, "holiday")}
    assert not {refused.pk, never_asked.pk} & {customer for customer, _kind in called}


# --- working a task ----------------------------------------------------------------------------


@pytest.fixture
def task(delivered):
    order = delivered(aware(2026, 3, 2, 16, 30))
    return services.followups_for_delivery(repair_order_id=order.pk)[0]


def test_an_overdue_task_escalates_to_the_service_manager_after_two_hours_and_stays_with_its_caller(task, store, staff):
    with time_machine.travel(aware(2026, 3, 3, 18, 0), tick=False):
        assert services.followups_escalate(store=store) == 0
    with time_machine.travel(aware(2026, 3, 3, 18, 31), tick=False):
        assert services.followups_escalate(store=store) == 1
        assert services.followups_escalate(store=store) == 0

    task.refresh_from_db()
    assert task.escalated_at == aware(2026, 3, 3, 18, 31)
    assert task.escalated_to == staff["service_manager"]
    assert task.owner == staff["advisor"]  # who still has to make the call
    assert AuditEntry.objects.filter(store=store, object_repr="followups:escalated").exists()


def test_an_unreachable_customer_is_retried_then_closed_after_three_tries(task, staff):
    advisor = staff["advisor"]
    with time_machine.travel(aware(2026, 3, 2, 18, 0), tick=False):
        task = services.followup_attempt(actor=advisor, task=task, channel="phone", note="无人接听")
    assert task.status == TaskStatus.OPEN and task.attempts == 1
    assert task.available_at == aware(2026, 3, 3, 18, 0)
    with time_machine.travel(aware(2026, 3, 3, 18, 0), tick=False):
        task = services.followup_attempt(actor=advisor, task=task, channel="phone")
    with time_machine.travel(aware(2026, 3, 4, 18, 0), tick=False):
        task = services.followup_attempt(actor=advisor, task=task, channel="wechat")

    assert task.status == TaskStatus.UNREACHABLE
    assert task.attempt_rows.count() == 3
    with pytest.raises(ValidationError):
        services.followup_attempt(actor=advisor, task=task, channel="phone")


def test_a_satisfied_customer_closes_the_record_as_resolved(task, staff):
    with time_machine.travel(aware(2026, 3, 3, 10, 15, 42), tick=False):
        task = services.followup_record(
            actor=staff["advisor"], task=task, data={"contact_channel": "phone", "satisfaction": 5, "feedback": "满意"}
        )

    assert task.status == TaskStatus.DONE and task.record_status == RecordStatus.RESOLVED
    assert task.contacted_at == aware(2026, 3, 3, 10, 15)  # to the minute
    assert not FollowUpProblem.objects.exists()


def test_a_low_score_raises_a_problem_with_a_24_hour_clock_until_the_customer_is_told(task, staff):
    manager = staff["service_manager"]
    with time_machine.travel(aware(2026, 3, 3, 10, 0), tick=False):
        task = services.followup_record(
            actor=staff["advisor"], task=task,
            data={"contact_channel": "phone", "satisfaction": 2, "feedback": "等待时间过长", "responsible": manager},
        )  # fmt: skip
    problem = FollowUpProblem.objects.get()
    assert task.record_status == RecordStatus.PENDING
    assert problem.responsible == manager and problem.category == "other"
    assert problem.due_at == aware(2026, 3, 4, 10, 0)

    with time_machine.travel(aware(2026, 3, 3, 15, 0), tick=False):
        services.problem_handle(actor=manager, problem=problem, result="已优化预约流程")
    with time_machine.travel(aware(2026, 3, 3, 16, 0), tick=False):
        problem = services.problem_inform(actor=manager, problem=problem)

    task.refresh_from_db()
    assert problem.status == ProblemStatus.INFORMED
    assert problem.handled_at == aware(2026, 3, 3, 15, 0) and problem.informed_at == aware(2026, 3, 3, 16, 0)
    assert not problem.is_late()
    assert task.record_status == RecordStatus.RESOLVED


def test_a_problem_category_alone_raises_a_problem(task, staff):
    services.followup_record(
        actor=staff["advisor"],
        task=task,
        data={"contact_channel": "wechat", "satisfaction": 4, "problem_category": "price"},
    )

    assert FollowUpProblem.objects.get().category == "price"


def test_the_customer_cannot_be_told_before_the_problem_is_handled(task, staff):
    services.followup_record(actor=staff["advisor"], task=task, data={"contact_channel": "phone", "satisfaction": 1})

    with pytest.raises(ValidationError):
        services.problem_inform(actor=staff["service_manager"], problem=FollowUpProblem.objects.get())


def test_a_satisfaction_outside_1_to_5_is_refused(task, staff):
    with pytest.raises(ValidationError) as exc:
        services.followup_record(
            actor=staff["advisor"], task=task, data={"contact_channel": "phone", "satisfaction": 9}
        )

    assert "satisfaction" in exc.value.error_dict


def test_a_technician_cannot_work_follow_ups(task, staff):
    with pytest.raises(PermissionDenied):
        services.followup_record(actor=staff["technician"], task=task, data={"contact_channel": "phone"})


def test_a_role_task_is_claimed_by_someone_holding_the_role(delivered, staff):
    delivered(aware(2026, 1, 5, 10, 0))
    order = delivered(aware(2026, 3, 2, 16, 30), repair_type="periodic")
    [task] = services.followups_for_delivery(repair_order_id=order.pk)

    with pytest.raises(ValidationError):
        services.followup_claim(actor=staff["advisor"], task=task)
    task = services.followup_claim(actor=staff["customer_care"], task=task)

    assert task.owner == staff["customer_care"]


def test_a_task_is_reassigned_only_to_someone_who_works_follow_ups(task, staff):
    with pytest.raises(ValidationError):
        services.followup_reassign(actor=staff["advisor"], task=task, owner=staff["technician"])
    task = services.followup_reassign(actor=staff["advisor"], task=task, owner=staff["vic_specialist"], reason="休假")

    assert task.owner == staff["vic_specialist"]
    assert AuditEntry.objects.filter(object_type="followups.followuptask", reason="休假").exists()


def test_a_low_survey_score_opens_a_problem_once(task, store, staff, django_capture_on_commit_callbacks):
    survey_services = pytest.importorskip("aftercare.surveys.services")
    survey = survey_services.survey_for(store=store, kind="repair")
    answers = {}
    for question in survey.ordered_questions():
        answers[question.pk] = {"score": 1, "yes_no": "no"}.get(question.answer_type, "太慢")

    with django_capture_on_commit_callbacks(execute=True):
        response = survey_services.survey_record_by_staff(
            actor=staff["advisor"], store=store, customer=task.customer, kind="repair", answers=answers,
            repair_order=task.repair_order, overall=2, comment="太慢",
        )  # fmt: skip
    assert FollowUpProblem.objects.count() == 1  # opened by the survey_answered receiver
    services.problem_from_survey(response_id=response.pk)  # again: still one

    problem = FollowUpProblem.objects.get()
    assert problem.source_key == f"survey:{response.pk}" and problem.description == "太慢"
    assert problem.responsible == staff["service_manager"]
