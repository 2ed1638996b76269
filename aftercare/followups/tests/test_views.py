import re

import pytest
import time_machine
from django.urls import reverse

from aftercare.followups import services
from aftercare.followups.choices import TaskStatus
from aftercare.followups.models import FollowUpProblem, FollowUpTask
from aftercare.tests.factories import CustomerFactory, MembershipFactory, UserFactory

from .conftest import aware


@pytest.fixture
def task(delivered):
    order = delivered(aware(2026, 3, 2, 16, 30))
    return services.followups_for_delivery(repair_order_id=order.pk)[0]


def test_the_work_queue_lists_my_calls_in_a_pinned_number_of_queries(
    task, store, staff, client_for, django_assert_max_num_queries
):
    client = client_for(staff["advisor"])
    for n in range(10):
        services.followup_create(
            store=store, customer=CustomerFactory(store=store), kind="churn", due_at=aware(2026, 3, 3, 12, 0),
            source_key=f"c{n}", owner=staff["advisor"],
        )  # fmt: skip
    client.get(reverse("followups:queue"))  # warm the session and caches

    with time_machine.travel(aware(2026, 3, 3, 10, 0), tick=False), django_assert_max_num_queries(12):
        response = client.get(reverse("followups:queue"))

    assert response.status_code == 200
    assert response.content.count(b'data-testid="followup-') == 11


def test_the_caller_screen_shows_the_script_history_and_a_tel_link(task, staff, client_for):
    response = client_for(staff["advisor"]).get(reverse("followups:task", args=[task.pk]))

    assert response.status_code == 200
    assert b'href="tel:13812345678"' in response.content
    assert 'data-testid="script"' in response.content.decode()
    assert task.repair_order.number in response.content.decode()


def test_a_role_without_contact_reveal_sees_the_masked_phone(task, store, client_for):
    # The VIC specialist may reveal; make a user whose only follow-up role lacks it.
    user = UserFactory(username="masked")
    MembershipFactory(user=user, store=store, role="customer_care")
    from aftercare.accounts import roles

    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(
            roles.ROLE_PERMISSIONS, "customer_care", roles.ROLE_PERMISSIONS["customer_care"] - {"contact.reveal"}
        )
        response = client_for(user).get(reverse("followups:task", args=[task.pk]))

    assert b"138****5678" in response.content and b"tel:" not in response.content


def test_recording_the_outcome_through_the_page(task, staff, client_for):
    response = client_for(staff["advisor"]).post(
        reverse("followups:outcome", args=[task.pk]),
        {"contact_channel": "phone", "satisfaction": "1", "feedback": "等待时间过长", "problem_category": "efficiency"},
    )

    assert (response.status_code, response.url) == (302, reverse("followups:queue"))
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and FollowUpProblem.objects.count() == 1


def test_a_bad_outcome_is_a_form_error_not_a_500(task, staff, client_for):
    response = client_for(staff["advisor"]).post(reverse("followups:outcome", args=[task.pk]), {"satisfaction": "7"})

    assert response.status_code == 400
    assert FollowUpTask.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_a_technician_gets_403(task, staff, client_for):
    assert client_for(staff["technician"]).get(reverse("followups:queue")).status_code == 403
    assert client_for(staff["technician"]).get(reverse("followups:task", args=[task.pk])).status_code == 403


def test_another_stores_task_is_a_404(task, other_store, client_for):
    stranger = UserFactory(username="stranger")
    MembershipFactory(user=stranger, store=other_store, role="advisor")

    assert client_for(stranger).get(reverse("followups:task", args=[task.pk])).status_code == 404
    assert (
        client_for(stranger).post(reverse("followups:attempt", args=[task.pk]), {"channel": "phone"}).status_code == 404
    )


def test_problems_are_handled_and_the_customer_told_from_the_list(task, staff, client_for):
    services.followup_record(actor=staff["advisor"], task=task, data={"contact_channel": "phone", "satisfaction": 2})
    problem = FollowUpProblem.objects.get()
    client = client_for(staff["service_manager"])

    assert client.get(reverse("followups:problems")).status_code == 200
    client.post(reverse("followups:problem_handle", args=[problem.pk]), {"handling_result": "已赠送50元维修券"})
    client.post(reverse("followups:problem_inform", args=[problem.pk]))

    problem.refresh_from_db()
    assert problem.status == "informed"


def test_coverage_and_rules_are_the_managers(task, staff, client_for):
    assert client_for(staff["advisor"]).get(reverse("followups:coverage")).status_code == 403
    manager = client_for(staff["service_manager"])
    assert manager.get(reverse("followups:coverage"), {"start": "2026-03-01", "end": "2026-03-31"}).status_code == 200
    rules = manager.get(reverse("followups:rules"))
    assert rules.status_code == 200
    assert "form" in rules.context


def test_a_closed_task_shows_its_record(task, staff, client_for):
    services.followup_record(actor=staff["advisor"], task=task, data={"contact_channel": "phone", "satisfaction": 5})

    response = client_for(staff["advisor"]).get(reverse("followups:task", args=[task.pk]))

    assert response.status_code == 200 and b"outcome/" not in response.content


def test_the_manager_edits_the_rules_and_a_script_of_the_current_store(store, staff, client_for):
    client = client_for(staff["service_manager"])

    page = client.get(reverse("followups:rules"))
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data["escalate_after_hours"] = 4
    saved = client.post(reverse("followups:rules"), data)
    assert (saved.status_code, saved.url) == (302, reverse("followups:rules"))
    saved = client.post(reverse("followups:script", args=["holiday"]), {"text": "{{ customer }}，节日快乐！"})
    assert (saved.status_code, saved.url) == (302, reverse("followups:rules"))

    from aftercare.followups.models import FollowUpRule, FollowUpScript

    assert FollowUpRule.for_store(store).escalate_after_hours == 4
    assert FollowUpScript.objects.get(store=store, kind="holiday").text.startswith("{{ customer }}")


def test_htmx_refreshes_only_the_lists(task, staff, client_for):
    response = client_for(staff["advisor"]).get(reverse("followups:queue"), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert b"<html" not in response.content and b'data-testid="overdue"' in response.content


def test_the_work_queue_filters_by_customer_like_the_api(task, store, staff, client_for):
    other = services.followup_create(
        store=store, customer=CustomerFactory(store=store, name="王五"), kind="churn", due_at=task.due_at,
        source_key="other", owner=staff["advisor"],
    )  # fmt: skip
    client = client_for(staff["advisor"])

    everyone = client.get(reverse("followups:queue")).content.count(b'data-testid="followup-')
    narrowed = client.get(reverse("followups:queue"), {"customer": other.customer_id})

    assert everyone == 2 and narrowed.content.count(b'data-testid="followup-') == 1
    assert "王五" in narrowed.content.decode()


def test_a_manager_of_two_stores_sees_the_store_of_each_call(store, other_store, client_for):
    manager = UserFactory(username="area_manager")
    MembershipFactory(user=manager, store=None, group=store.group, role="service_manager")
    for where in (store, other_store):
        services.followup_create(
            store=where, customer=CustomerFactory(store=where), kind="churn", due_at=aware(2026, 3, 3, 12, 0),
            source_key=f"store{where.pk}", owner=manager,
        )  # fmt: skip
    with time_machine.travel(aware(2026, 3, 3, 10, 0), tick=False):
        content = client_for(manager).get(reverse("followups:queue")).content.decode()
    labels = re.findall(r'data-testid="number-store"[^>]*>([^<]+)<', content)
    assert sorted(labels) == sorted([store.name, other_store.name])


def test_staff_of_one_store_see_their_calls_without_a_store_label(task, staff, client_for):
    content = client_for(staff["advisor"]).get(reverse("followups:queue")).content.decode()
    assert 'data-testid="followup-' in content and 'data-testid="number-store"' not in content
