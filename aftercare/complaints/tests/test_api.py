"""/api/v1/complaints/: create for the front desk, details and handling for the manager, 409 on a refused move."""

from datetime import timedelta

import pytest

from aftercare.complaints.models import Complaint
from aftercare.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"


@pytest.fixture
def complaint(make_complaint):
    return make_complaint(description="投诉内容")


def test_the_front_desk_records_a_complaint_and_gets_only_number_and_status(api_client_for, staff, vehicle):
    response = api_client_for(staff["cashier"]).post(
        URL,
        {"customer": vehicle.owner_id, "vehicle": vehicle.pk, "channel": "wechat", "complaint_type": "attitude",
         "description": "收银员态度差"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201
    assert set(response.json()) == {"id", "store", "number", "status", "received_at"}
    assert Complaint.objects.get().submitted_by == staff["cashier"]


def test_the_manager_gets_the_full_complaint_back(api_client_for, staff, vehicle):
    response = api_client_for(staff["service_manager"]).post(
        URL, {"customer": vehicle.owner_id, "channel": "phone", "complaint_type": "parts", "description": "缺件",
              "is_crisis": True}, format="json",
    )  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert body["description"] == "缺件" and body["priority"] == "urgent" and len(body["clocks"]) == 3


def test_bad_input_is_a_400_with_field_errors(api_client_for, staff, other_store):
    client = api_client_for(staff["advisor"])
    response = client.post(URL, {"customer": 999999, "channel": "fax", "complaint_type": "x"}, format="json")
    assert response.status_code == 400
    assert {"channel", "complaint_type", "description"} <= set(response.json())
    foreign = CustomerFactory(store=other_store)
    response = client.post(
        URL, {"customer": foreign.pk, "channel": "web", "complaint_type": "price", "description": "x"}, format="json"
    )
    assert response.status_code == 400 and "customer" in response.json()


@pytest.mark.parametrize("role", ["advisor", "cashier", "customer_care", "vic_specialist", "technician"])
def test_only_the_manager_reads_and_handles_complaints(api_client_for, staff, complaint, role):
    client = api_client_for(staff[role])
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{complaint.pk}/").status_code == 403
    assert client.patch(f"{URL}{complaint.pk}/", {"priority": "high"}, format="json").status_code == 403
    assert client.post(f"{URL}{complaint.pk}/transition/", {"to": "contacted"}, format="json").status_code == 403
    assert client.post(f"{URL}{complaint.pk}/resolve/", {"result": "x"}, format="json").status_code == 403
    assert client.post(f"{URL}{complaint.pk}/close/", {"satisfaction": 5}, format="json").status_code == 403


def test_a_technician_cannot_record_a_complaint(api_client_for, staff, vehicle):
    response = api_client_for(staff["technician"]).post(
        URL, {"customer": vehicle.owner_id, "channel": "web", "complaint_type": "price", "description": "x"}
    )
    assert response.status_code == 403


def test_the_manager_works_a_complaint_through_the_api(api_client_for, staff, complaint):
    client = api_client_for(staff["service_manager"])
    listing = client.get(URL)
    assert listing.status_code == 200 and [row["id"] for row in listing.json()["results"]] == [complaint.pk]
    assert client.post(f"{URL}{complaint.pk}/transition/", {"to": "resolved"}, format="json").status_code == 409
    assert client.post(f"{URL}{complaint.pk}/transition/", {"to": "contacted"}, format="json").status_code == 200
    assert client.post(f"{URL}{complaint.pk}/transition/", {"to": "plan"}, format="json").status_code == 409
    due = (complaint.received_at + timedelta(days=1)).isoformat()
    patched = client.patch(
        f"{URL}{complaint.pk}/", {"resolution_plan": "退还工时费", "plan_due_at": due}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["resolution_plan"] == "退还工时费"
    assert client.patch(f"{URL}{complaint.pk}/", {"owner": staff["advisor"].pk}, format="json").status_code == 400
    assert client.post(f"{URL}{complaint.pk}/transition/", {"to": "plan"}, format="json").status_code == 200
    assert client.post(f"{URL}{complaint.pk}/close/", {"satisfaction": 5}, format="json").status_code == 409
    resolved = client.post(f"{URL}{complaint.pk}/resolve/", {"result": "已退还"}, format="json")
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert client.post(f"{URL}{complaint.pk}/transition/", {"to": "informed"}, format="json").status_code == 200
    assert client.post(f"{URL}{complaint.pk}/close/", {"satisfaction": 7}, format="json").status_code == 400
    closed = client.post(f"{URL}{complaint.pk}/close/", {"satisfaction": 4, "note": "基本满意"}, format="json")
    assert closed.status_code == 200
    body = closed.json()
    assert body["status"] == "closed" and body["satisfaction"] == 4
    assert [c["to_status"] for c in body["status_changes"]] == ["new", "contacted", "plan", "resolved", "informed",
                                                                  "closed"]  # fmt: skip


def test_unknown_target_state_is_a_400(api_client_for, staff, complaint):
    response = api_client_for(staff["service_manager"]).post(
        f"{URL}{complaint.pk}/transition/", {"to": "teleported"}, format="json"
    )
    assert response.status_code == 400


def test_another_stores_complaint_is_a_404(api_client_for, staff, other_store):
    from aftercare.complaints import services
    from aftercare.tests.factories import MembershipFactory, UserFactory

    boss = UserFactory(username="py-boss")
    MembershipFactory(user=boss, store=other_store, role="service_manager")
    elsewhere = services.complaint_create(
        actor=boss, store=other_store, customer=CustomerFactory(store=other_store), channel="web",
        complaint_type="price", description="x",
    )  # fmt: skip
    client = api_client_for(staff["service_manager"])
    assert client.get(f"{URL}{elsewhere.pk}/").status_code == 404
    assert client.post(f"{URL}{elsewhere.pk}/transition/", {"to": "contacted"}, format="json").status_code == 404
    assert client.get(URL).json()["results"] == []


def test_the_list_filters_by_status(api_client_for, staff, make_complaint):
    first = make_complaint()
    make_complaint()
    client = api_client_for(staff["service_manager"])
    client.post(f"{URL}{first.pk}/transition/", {"to": "contacted"}, format="json")
    rows = client.get(URL, {"status": "contacted"}).json()["results"]
    assert [row["id"] for row in rows] == [first.pk]
