"""/api/v1/warranty/: eligibility, claims with their lines and transitions, imports, policies."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = pytest.mark.django_db


def test_eligibility_of_a_vehicle(staff, api_client_for, vehicle, policies):
    response = api_client_for(staff["advisor"]).get("/api/v1/warranty/eligibility/", {"vehicle": vehicle.pk})
    assert response.status_code == 200
    assert {row["coverage"] for row in response.json()} == {"first_free", "basic", "powertrain"}


def test_eligibility_of_another_store_s_vehicle_is_not_found(staff, api_client_for, other_store, policies):
    from aftercare.tests.factories import CustomerFactory, VehicleFactory

    theirs = VehicleFactory(owner=CustomerFactory(store=other_store))
    response = api_client_for(staff["advisor"]).get("/api/v1/warranty/eligibility/", {"vehicle": theirs.pk})
    assert response.status_code == 404


def test_a_claim_is_built_moved_and_a_forbidden_move_is_a_conflict(staff, api_client_for, settled_order):
    client = api_client_for(staff["warranty_clerk"])
    built = client.post("/api/v1/warranty/claims/", {"repair_order": settled_order.pk}, format="json")
    assert built.status_code == 201 and len(built.json()["lines"]) == 3
    pk = built.json()["id"]
    url = f"/api/v1/warranty/claims/{pk}/transition/"
    assert client.post(url, {"to": "paid"}, format="json").status_code == 409
    assert client.post(url, {"to": "submitted"}, format="json").json()["status"] == "submitted"
    assert client.post(url, {"to": "submitted", "nope": 1}, format="json").status_code == 400
    assert client.get(f"/api/v1/warranty/claims/{pk}/").json()["history"][-1]["to_status"] == "submitted"


def test_a_payment_list_is_imported_through_the_api(staff, api_client_for, settled_order):
    client = api_client_for(staff["warranty_clerk"])
    upload = SimpleUploadedFile("pay.csv", "索赔单号,付款金额\nWC999,10\n".encode())
    response = client.post("/api/v1/warranty/imports/payments/", {"file": upload}, format="multipart")
    assert response.status_code == 200 and response.json()["updated"] == 1


def test_policies_are_listed_and_created(staff, api_client_for, policies):
    client = api_client_for(staff["warranty_clerk"])
    assert len(client.get("/api/v1/warranty/policies/").json()) == 4
    data = {"brand": "比亚迪", "coverage": "battery", "months": 96, "km": 150000}
    assert client.post("/api/v1/warranty/policies/", data, format="json").status_code == 201
    assert api_client_for(staff["advisor"]).post("/api/v1/warranty/policies/", data, format="json").status_code == 403
