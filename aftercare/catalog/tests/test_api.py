"""The catalogue API: read for the service side, write for managers, 400 with field errors."""

import pytest

from aftercare.catalog.models import Bay, LabourOperation, PackageJob, Part
from aftercare.core.models import AuditEntry

pytestmark = pytest.mark.django_db

API = "/api/v1/catalog"
ENDPOINTS = [
    "repair-types",
    "labour-rates",
    "operation-categories",
    "operations",
    "package-jobs",
    "parts",
    "other-charges",
    "bays",
    "inspection-items",
    "survey-questions",
    "discount-levels",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_endpoint_lists_for_a_technician(endpoint, catalog, staff, api_client_for):
    response = api_client_for(staff["technician"]).get(f"{API}/{endpoint}/")
    assert response.status_code == 200
    assert response.json()["results"]


def test_customer_care_reads_the_catalogue_with_customer_view(catalog, staff, api_client_for):
    assert api_client_for(staff["customer_care"]).get(f"{API}/survey-questions/").status_code == 200


def test_a_technician_gets_403_on_write(catalog, staff, store, api_client_for):
    client = api_client_for(staff["technician"])
    response = client.post(f"{API}/operations/", {"store": store.pk, "code": "X1", "name": "x", "frt_hours": "1"})
    assert response.status_code == 403
    operation = LabourOperation.objects.get(code="M001")
    assert client.patch(f"{API}/operations/{operation.pk}/", {"name": "x"}).status_code == 403


def test_a_manager_creates_a_store_operation_and_it_is_audited(catalog, staff, store, api_client_for):
    response = api_client_for(staff["service_manager"]).post(
        f"{API}/operations/",
        {"store": store.pk, "code": "X1", "name": "底盘装甲", "frt_hours": "2.5", "powertrains": ["ICE"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["frt_hours"] == "2.50" and body["group"] == store.group_id and not body["is_group_default"]
    assert AuditEntry.objects.filter(object_type="catalog.labouroperation", object_id=str(body["id"])).exists()


def test_a_manager_creates_a_group_default_when_no_store_is_given(group_manager, catalog, staff, store, api_client_for):
    response = api_client_for(group_manager).post(
        f"{API}/other-charges/", {"code": "PARK", "name": "停车费", "default_amount": "10"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["is_group_default"]


def test_negative_frt_hours_are_a_400_with_the_field_error(catalog, staff, store, api_client_for):
    response = api_client_for(staff["service_manager"]).post(
        f"{API}/operations/", {"store": store.pk, "code": "X2", "name": "x", "frt_hours": "-0.5"}, format="json"
    )
    assert response.status_code == 400
    assert "frt_hours" in response.json()


def test_an_unknown_bay_capability_is_a_400_with_the_field_error(catalog, staff, store, api_client_for):
    response = api_client_for(staff["service_manager"]).post(
        f"{API}/bays/", {"store": store.pk, "code": "B20", "name": "x", "capabilities": ["hoist"]}, format="json"
    )
    assert response.status_code == 400
    assert "capabilities" in response.json()


def test_a_duplicate_code_is_a_400_on_the_code(catalog, staff, store, api_client_for):
    response = api_client_for(staff["service_manager"]).post(
        f"{API}/bays/", {"store": store.pk, "code": "B01", "name": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "code" in response.json()


def test_another_stores_bay_is_a_404(catalog, staff, other_store, api_client_for):
    theirs = Bay.objects.create(store=other_store, code="B01", name="x")
    client = api_client_for(staff["service_manager"])
    assert client.get(f"{API}/bays/{theirs.pk}/").status_code == 404
    assert client.patch(f"{API}/bays/{theirs.pk}/", {"name": "y"}, format="json").status_code == 404


def test_a_manager_cannot_create_in_another_store(catalog, staff, other_store, api_client_for):
    response = api_client_for(staff["service_manager"]).post(
        f"{API}/parts/", {"store": other_store.pk, "part_no": "P", "name": "x", "unit_price": "1"}, format="json"
    )
    assert response.status_code == 400
    assert "store" in response.json()


def test_group_defaults_are_visible_from_both_stores(catalog, staff, other_manager, api_client_for):
    part = Part.objects.get(part_no="15400-RTA-003")
    assert api_client_for(staff["technician"]).get(f"{API}/parts/{part.pk}/").status_code == 200
    assert api_client_for(other_manager).get(f"{API}/parts/{part.pk}/").status_code == 200


def test_the_store_cannot_be_changed_after_creation(group_manager, catalog, staff, store, api_client_for):
    part = Part.objects.get(part_no="15400-RTA-003")
    response = api_client_for(group_manager).patch(
        f"{API}/parts/{part.pk}/", {"store": store.pk, "unit_price": "46.00"}, format="json"
    )
    # Refused, not silently dropped: the client learns the store was not changed.
    assert response.status_code == 400 and "store" in response.json()
    part.refresh_from_db()
    assert part.store_id is None and str(part.unit_price) != "46.00"


def test_entries_are_deactivated_not_deleted(group_manager, catalog, staff, api_client_for):
    part = Part.objects.get(part_no="15400-RTA-003")
    client = api_client_for(group_manager)
    assert client.delete(f"{API}/parts/{part.pk}/").status_code == 405
    assert client.patch(f"{API}/parts/{part.pk}/", {"is_active": False}, format="json").json()["is_active"] is False


def test_a_package_job_is_created_with_its_lines_and_priced(catalog, staff, store, api_client_for):
    operation = LabourOperation.objects.get(code="T001", store=None)
    part = Part.objects.get(part_no="MI-215-55R17")
    client = api_client_for(staff["service_manager"])
    response = client.post(
        f"{API}/package-jobs/",
        {
            "store": store.pk,
            "code": "TYRE4",
            "name": "换四条轮胎含定位",
            "repair_type": PackageJob.objects.get(code="PKG-5K").repair_type_id,
            "lines": [{"operation": operation.pk, "quantity": "1"}, {"part": part.pk, "quantity": "4"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert len(response.json()["lines"]) == 2
    price = client.get(f"{API}/package-jobs/{response.json()['id']}/price/").json()
    assert price["total"] == "3940.00"  # 1.0 h × ¥380 + 4 × ¥890


def test_a_package_line_must_be_an_operation_or_a_part(group_manager, catalog, staff, store, api_client_for):
    package = PackageJob.objects.get(code="PKG-5K")
    response = api_client_for(group_manager).patch(
        f"{API}/package-jobs/{package.pk}/", {"lines": [{"quantity": "1"}]}, format="json"
    )
    assert response.status_code == 400
    assert "lines" in response.json()


def test_a_store_manager_cannot_change_a_group_default_part(catalog, staff, api_client_for):
    part = Part.objects.get(part_no="15400-RTA-003", store=None)
    before = part.unit_price
    response = api_client_for(staff["service_manager"]).patch(
        f"{API}/parts/{part.pk}/", {"unit_price": "1.00"}, format="json"
    )
    assert response.status_code == 403
    part.refresh_from_db()
    assert part.unit_price == before


def test_a_group_manager_changes_a_group_default_part(catalog, group_manager, api_client_for):
    part = Part.objects.get(part_no="15400-RTA-003", store=None)
    response = api_client_for(group_manager).patch(f"{API}/parts/{part.pk}/", {"unit_price": "47.00"}, format="json")
    assert response.status_code == 200 and response.json()["unit_price"] == "47.00"
