import pytest

from aftercare.followups import services
from aftercare.followups.choices import TaskStatus
from aftercare.tests.factories import MembershipFactory, UserFactory

from .conftest import aware

URL = "/api/v1/followups/"


@pytest.fixture
def task(delivered):
    order = delivered(aware(2026, 3, 2, 16, 30))
    return services.followups_for_delivery(repair_order_id=order.pk)[0]


def test_the_list_filters_by_assignee_status_and_due_time(task, staff, api_client_for):
    api = api_client_for(staff["advisor"])

    assert [row["id"] for row in api.get(URL, {"assignee": "me"}).json()["results"]] == [task.pk]
    assert api.get(URL, {"assignee": staff["cashier"].pk}).json()["results"] == []
    assert api.get(URL, {"status": "done"}).json()["results"] == []
    assert len(api.get(URL, {"due_before": "2026-03-04T00:00:00+08:00"}).json()["results"]) == 1
    assert api.get(URL, {"due_after": "2026-03-04T00:00:00+08:00"}).json()["results"] == []


def test_bad_filters_are_a_400(task, staff, api_client_for):
    api = api_client_for(staff["advisor"])

    assert api.get(URL, {"status": "nope"}).status_code == 400
    assert api.get(URL, {"due_before": "yesterday"}).status_code == 400
    assert api.get(URL, {"assignee": "you"}).status_code == 400


def test_an_outcome_is_recorded_and_a_second_one_is_a_409(task, staff, api_client_for):
    api = api_client_for(staff["advisor"])

    response = api.post(f"{URL}{task.pk}/outcome/", {"contact_channel": "phone", "satisfaction": 5}, format="json")
    assert response.status_code == 200 and response.json()["status"] == TaskStatus.DONE

    again = api.post(f"{URL}{task.pk}/outcome/", {"contact_channel": "phone", "satisfaction": 5}, format="json")
    assert again.status_code == 409


def test_a_bad_outcome_is_a_400_with_field_errors(task, staff, api_client_for):
    response = api_client_for(staff["advisor"]).post(f"{URL}{task.pk}/outcome/", {"satisfaction": 6}, format="json")

    assert response.status_code == 400
    assert {"contact_channel", "satisfaction"} <= set(response.json())


def test_an_attempt_and_a_reassignment(task, staff, api_client_for):
    api = api_client_for(staff["advisor"])

    assert api.post(f"{URL}{task.pk}/attempt/", {"channel": "phone"}, format="json").json()["attempts"] == 1
    response = api.post(f"{URL}{task.pk}/reassign/", {"owner_role": "customer_care"}, format="json")
    assert response.status_code == 200
    assert response.json()["owner"] is None and response.json()["owner_role"] == "customer_care"


def test_a_technician_gets_403_and_another_store_404(task, staff, other_store, api_client_for):
    assert api_client_for(staff["technician"]).get(URL).status_code == 403
    stranger = UserFactory(username="stranger")
    MembershipFactory(user=stranger, store=other_store, role="advisor")

    assert api_client_for(stranger).get(f"{URL}{task.pk}/").status_code == 404
    assert api_client_for(stranger).post(f"{URL}{task.pk}/attempt/", {"channel": "phone"}).status_code == 404


def test_the_list_filters_by_customer_and_repair_order(task, store, staff, api_client_for):
    from aftercare.tests.factories import CustomerFactory

    other = services.followup_create(
        store=store, customer=CustomerFactory(store=store), kind="churn", due_at=task.due_at, source_key="other",
        owner=staff["advisor"],
    )  # fmt: skip
    api = api_client_for(staff["advisor"])

    assert [row["id"] for row in api.get(URL, {"customer": task.customer_id}).json()["results"]] == [task.pk]
    assert [row["id"] for row in api.get(URL, {"customer": other.customer_id}).json()["results"]] == [other.pk]
    assert [row["id"] for row in api.get(URL, {"repair_order": task.repair_order_id}).json()["results"]] == [task.pk]
    assert api.get(URL, {"customer": "abc"}).status_code == 400
