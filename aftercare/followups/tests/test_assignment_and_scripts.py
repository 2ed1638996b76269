"""Who gets each call (docs/DOMAIN.md §7.1), that escalation leaves the call with
its caller (§7.5), that a call is saved with a result (§7.4), and that the script
follows the type, the repair type, the time since the visit and the caller (§7.3)."""

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from aftercare.accounts.roles import Role
from aftercare.followups import selectors, services
from aftercare.followups.choices import Kind, TaskStatus
from aftercare.followups.models import FollowUpScript, FollowUpTask

from .conftest import aware, callable_customer


def _names(staff, **roles):
    for role, name in roles.items():
        staff[role].full_name = name
        staff[role].save(update_fields=["full_name"])


# --- assignment ----------------------------------------------------------------------------------


def test_a_first_service_goes_to_the_orders_advisor(delivered, staff):
    [task] = services.followups_for_delivery(repair_order_id=delivered(aware(2026, 3, 2, 16, 0)).pk)

    assert (task.kind, task.owner, task.owner_role) == (Kind.FIRST_SERVICE, staff["advisor"], "")


def test_a_later_maintenance_goes_to_the_customer_specialists_three_to_five_days_after(delivered, staff):
    delivered(aware(2026, 1, 5, 10, 0))
    [task] = services.followups_for_delivery(repair_order_id=delivered(aware(2026, 3, 2, 16, 0), "periodic").pk)

    assert (task.kind, task.owner, task.owner_role) == (Kind.MAINTENANCE, None, Role.CUSTOMER_CARE)
    assert (task.available_at, task.due_at) == (aware(2026, 3, 5, 9, 0), aware(2026, 3, 7, 18, 0))


def test_a_later_repair_goes_to_the_orders_advisor_seven_days_after(delivered, staff):
    delivered(aware(2026, 1, 5, 10, 0))
    [task] = services.followups_for_delivery(repair_order_id=delivered(aware(2026, 3, 2, 16, 0), "general").pk)

    assert (task.kind, task.owner) == (Kind.REPAIR, staff["advisor"])
    assert task.available_at == aware(2026, 3, 9, 9, 0)


def test_churn_calls_go_to_the_customer_specialists(store, staff):
    callable_customer(store=store, last_visit_at=aware(2025, 11, 20, 10, 0))

    with time_machine.travel(aware(2026, 3, 2, 6, 0), tick=False):
        assert services.followups_generate_churn(store=store) == 1

    assert FollowUpTask.objects.get(kind=Kind.CHURN).owner_role == Role.CUSTOMER_CARE


def test_a_role_task_is_in_the_queue_of_everyone_holding_the_role(delivered, staff):
    delivered(aware(2026, 1, 5, 10, 0))
    services.followups_for_delivery(repair_order_id=delivered(aware(2026, 3, 2, 16, 0), "periodic").pk)

    with time_machine.travel(aware(2026, 3, 5, 10, 0), tick=False):
        care = selectors.followup_tasks_due_for(staff["customer_care"])
        advisor = selectors.followup_tasks_due_for(staff["advisor"])

    assert len(care["due"]) == 1
    assert not any(advisor.values())


# --- escalation ------------------------------------------------------------------------------------


def test_an_escalated_task_stays_in_the_specialists_queue_and_shows_in_the_managers(delivered, store, staff):
    delivered(aware(2026, 1, 5, 10, 0))
    services.followups_for_delivery(repair_order_id=delivered(aware(2026, 3, 2, 16, 0), "periodic").pk)

    with time_machine.travel(aware(2026, 3, 7, 20, 30), tick=False):
        assert services.followups_escalate(store=store) == 1
        care = selectors.followup_tasks_due_for(staff["customer_care"])
        manager = selectors.followup_tasks_due_for(staff["service_manager"])

    [task] = care["overdue"]
    assert task.escalated_to == staff["service_manager"] and task.owner_role == Role.CUSTOMER_CARE
    assert [t.pk for t in manager["overdue"]] == [task.pk]


def test_the_specialist_can_still_make_an_escalated_call(delivered, store, staff):
    delivered(aware(2026, 1, 5, 10, 0))
    [task] = services.followups_for_delivery(repair_order_id=delivered(aware(2026, 3, 2, 16, 0), "periodic").pk)
    with time_machine.travel(aware(2026, 3, 7, 20, 30), tick=False):
        services.followups_escalate(store=store)
        task = services.followup_claim(actor=staff["customer_care"], task=FollowUpTask.objects.get(pk=task.pk))
        task = services.followup_record(
            actor=staff["customer_care"], task=task, data={"contact_channel": "phone", "satisfaction": 5}
        )

    assert task.status == TaskStatus.DONE and task.completed_by == staff["customer_care"]


# --- a call is saved with a result ------------------------------------------------------------------


@pytest.fixture
def task(delivered):
    return services.followups_for_delivery(repair_order_id=delivered(aware(2026, 3, 2, 16, 30)).pk)[0]


def test_a_call_without_a_result_is_refused_and_nothing_is_written(task, staff):
    with pytest.raises(ValidationError) as refused:
        services.followup_record(actor=staff["advisor"], task=task, data={"contact_channel": "phone"})

    assert "satisfaction" in refused.value.message_dict
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.completed_at is None


@pytest.mark.parametrize(
    "answer", [{"satisfaction": 4}, {"feedback": "一切正常"}, {"problem_category": "price", "feedback": ""}]
)
def test_a_satisfaction_feedback_or_problem_is_a_result(task, staff, answer):
    task = services.followup_record(actor=staff["advisor"], task=task, data={"contact_channel": "phone", **answer})

    assert task.status == TaskStatus.DONE


def test_blank_feedback_alone_is_not_a_result(task, staff):
    with pytest.raises(ValidationError):
        services.followup_record(actor=staff["advisor"], task=task, data={"contact_channel": "phone", "feedback": "  "})


def test_the_save_button_with_an_empty_form_keeps_the_call_open(task, staff, client_for):
    url = reverse("followups:outcome", args=[task.pk])

    response = client_for(staff["advisor"]).post(url, {"contact_channel": "phone"})

    assert response.status_code == 400
    assert FollowUpTask.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_not_reachable_is_a_result(task, staff):
    task = services.followup_attempt(actor=staff["advisor"], task=task, channel="phone")

    assert task.attempts == 1 and task.attempt_rows.count() == 1


# --- scripts ----------------------------------------------------------------------------------------


def test_the_script_names_the_caller_not_the_orders_advisor(task, staff):
    _names(staff, advisor="李佳", service_manager="王磊")
    task = FollowUpTask.objects.select_related("store", "customer", "vehicle", "repair_order__advisor").get(pk=task.pk)

    with translation.override("zh-hans"), time_machine.travel(aware(2026, 3, 3, 10, 0), tick=False):
        by_manager = selectors.script_for(task, caller=staff["service_manager"])
        by_advisor = selectors.script_for(task, caller=staff["advisor"])

    assert "我是天河店的服务经理王磊" in by_manager and "李佳" not in by_manager
    assert "我是天河店的服务顾问李佳" in by_advisor


@pytest.mark.parametrize(
    ("now", "phrase"),
    [
        (aware(2026, 3, 3, 10, 0), "yesterday"),
        (aware(2026, 3, 6, 10, 0), "4 days ago"),
        (aware(2026, 3, 20, 10, 0), "2 weeks ago"),
        (aware(2026, 8, 5, 10, 0), "5 months ago"),
    ],
)
def test_the_script_says_how_long_ago_the_visit_was(task, staff, now, phrase):
    with translation.override("en"), time_machine.travel(now, tick=False):
        script = selectors.script_for(task, caller=staff["advisor"])

    assert phrase in script


def test_the_maintenance_script_follows_the_repair_type(delivered, staff):
    delivered(aware(2026, 1, 5, 10, 0))
    free_order = delivered(aware(2026, 3, 2, 16, 0), "first_free")
    periodic_order = delivered(aware(2026, 3, 3, 16, 0), "periodic")
    first_free = services.followups_for_delivery(repair_order_id=free_order.pk)[0]
    periodic = services.followups_for_delivery(repair_order_id=periodic_order.pk)[0]

    with translation.override("zh-hans"), time_machine.travel(aware(2026, 3, 6, 10, 0), tick=False):
        free_text = selectors.script_for(first_free, caller=staff["customer_care"])
        periodic_text = selectors.script_for(periodic, caller=staff["customer_care"])

    assert first_free.repair_order.repair_type.name in free_text and "免费首保" in free_text
    assert periodic.repair_order.repair_type.name in periodic_text and "免费首保" not in periodic_text
    assert "4天前" in free_text and "3天前" in periodic_text


def test_each_type_has_its_own_script(task, store, staff):
    holiday = services.followup_create(
        store=store, customer=task.customer, kind=Kind.HOLIDAY, due_at=aware(2026, 9, 30, 18, 0),
        source_key="holiday:x", owner_role=Role.CUSTOMER_CARE, note="国庆节",
    )  # fmt: skip

    with translation.override("zh-hans"), time_machine.travel(aware(2026, 9, 25, 10, 0), tick=False):
        first = selectors.script_for(task, caller=staff["advisor"])
        greeting = selectors.script_for(holiday, caller=staff["customer_care"])

    assert "国庆节将至" in greeting and "第一次" not in greeting
    assert "第一次" in first


def test_a_stores_own_script_is_template_text_rendered_with_the_same_context(task, store, staff):
    _names(staff, customer_care="赵敏")
    services.followup_script_save(
        actor=staff["service_manager"], store=store, kind=Kind.FIRST_SERVICE,
        text="{{ customer }}您好，我是{{ caller }}，您{{ since_visit }}来过。<b>",
    )  # fmt: skip

    with translation.override("zh-hans"), time_machine.travel(aware(2026, 3, 3, 10, 0), tick=False):
        script = selectors.script_for(task, caller=staff["customer_care"])

    assert script == "张三您好，我是赵敏，您昨天来过。<b>"  # plain text: the page escapes it


def test_a_script_that_cannot_be_read_is_refused(store, staff):
    with pytest.raises(ValidationError) as refused:
        services.followup_script_save(
            actor=staff["service_manager"], store=store, kind=Kind.HOLIDAY, text="{% if %}节日快乐"
        )

    assert "text" in refused.value.message_dict
    assert not FollowUpScript.objects.exists()


def test_a_script_cannot_include_files(task, store, staff):
    FollowUpScript.objects.create(store=store, kind=Kind.FIRST_SERVICE, text='{% include "base.html" %}')

    script = selectors.script_for(task, caller=staff["advisor"])

    assert "<html" not in script


def test_the_caller_screen_shows_the_script_for_the_person_calling(task, staff, client_for):
    _names(staff, service_manager="王磊")

    with time_machine.travel(aware(2026, 3, 3, 10, 0), tick=False):
        page = client_for(staff["service_manager"]).get(reverse("followups:task", args=[task.pk]))

    assert "王磊" in page.context["script"]
