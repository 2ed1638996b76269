"""Pages, export layout, API and store scoping of the health records (docs/DOMAIN.md §23)."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from aftercare.healthrecords.choices import UploadState
from aftercare.healthrecords.models import HealthRecord, HealthRecordSettings
from aftercare.healthrecords.selectors import EXPORT_COLUMNS, records_for_vehicle
from aftercare.tests.factories import CustomerFactory, MembershipFactory, UserFactory, VehicleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(ready_order, settle):
    return settle(ready_order)


@pytest.fixture
def other_record(other_store, record):
    """A record of a store where the cast has no role."""
    vehicle = VehicleFactory(owner=CustomerFactory(store=other_store), plate="粤B99999")
    from aftercare.service.models import RepairOrder

    order = RepairOrder.objects.create(store=other_store, number="RO-OTHER-1", customer=vehicle.owner, vehicle=vehicle,
                                       repair_type=record.repair_order.repair_type,
                                       advisor=record.repair_order.advisor)  # fmt: skip
    return HealthRecord.objects.create(
        store=other_store, repair_order=order, vehicle=vehicle, company_name="番禺店", vin=vehicle.vin,
        plate=vehicle.plate, repair_date=date(2026, 11, 2), settle_date=date(2026, 11, 3), settle_number="RO-OTHER-1",
    )  # fmt: skip


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_export_has_the_interface_columns_and_one_row_per_record(client_for, staff, record, other_record):
    response = client_for(staff["service_manager"]).get(reverse("healthrecords:export") + "?format=csv")

    rows = _csv(response)
    assert [header.split("(")[-1].rstrip(")") for header in rows[0]] == [key for key, _ in EXPORT_COLUMNS]
    assert len(rows) == 2  # the other store's record is not exported
    row = dict(zip((key for key, _ in EXPORT_COLUMNS), rows[1], strict=True))
    assert row["costlistcode"] == record.settle_number
    assert row["repairmileage"] == "20000"
    assert row["settledate"] == record.settle_date.strftime("%Y%m%d")
    assert row["partscode"] == record.parts[0]["code"]
    assert row["repairproject"] == record.repair_items[0]["name"]


def test_the_list_filters_by_state_and_shows_only_the_users_stores(client_for, staff, record, other_record):
    client = client_for(staff["advisor"])
    page = client.get(reverse("healthrecords:list")).content.decode()
    assert record.settle_number in page and "RO-OTHER-1" not in page

    rejected = client.get(reverse("healthrecords:list") + "?state=rejected").content.decode()
    assert record.settle_number not in rejected
    assert client.get(reverse("healthrecords:detail", args=[other_record.pk])).status_code == 404


def test_the_records_page_corrects_and_the_panels_show_the_record(client_for, staff, record, ready_order, vehicle):
    client = client_for(staff["advisor"])
    detail = client.get(reverse("healthrecords:detail", args=[record.pk])).content.decode()
    assert "发动机异响" in detail

    client.post(reverse("healthrecords:correct", args=[record.pk]),
                {"plate": "粤A12345", "repair_mileage": "20100", "fault_description": "发动机异响"})  # fmt: skip
    record.refresh_from_db()
    assert record.repair_mileage == 20100 and record.fault_description == "发动机异响"

    assert (
        record.settle_number in client.get(reverse("healthrecords:order_panel", args=[ready_order.pk])).content.decode()
    )
    assert (
        record.settle_number in client.get(reverse("healthrecords:vehicle_panel", args=[vehicle.pk])).content.decode()
    )
    assert list(records_for_vehicle(vehicle)) == [record]


def test_the_order_panel_names_what_is_missing_before_settlement(client_for, staff, make_order):
    order = make_order()
    page = client_for(staff["advisor"]).get(reverse("healthrecords:order_panel", args=[order.pk])).content.decode()
    assert "health-missing" in page


def test_the_store_manager_saves_the_settings_and_the_secret_is_kept(client_for, staff, store):
    client = client_for(staff["admin"])
    url = reverse("healthrecords:settings")
    data = {"check_on_settlement": "on", "upload_enabled": "on", "endpoint_url": "https://jt.example.cn/upload",
            "company_code": "4401", "app_key": "k", "app_secret": "secret-of-4401"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    assert client.post(url, {**data, "app_secret": ""}).status_code == 302
    assert HealthRecordSettings.objects.get(store=store).app_secret == "secret-of-4401"
    assert "secret-of-4401" not in client.get(url).content.decode()
    assert client_for(staff["advisor"]).get(url).status_code == 403


def test_the_api_lists_records_with_their_upload_state_for_the_users_stores(api_client_for, staff, record,
                                                                         other_record):  # fmt: skip
    client = api_client_for(staff["advisor"])
    data = client.get("/api/v1/health-records/").json()
    assert [(row["settle_number"], row["status"]) for row in data] == [(record.settle_number, UploadState.PENDING)]
    assert client.get(f"/api/v1/health-records/{other_record.pk}/").status_code == 404
    assert client.get("/api/v1/health-records/?bogus=1").status_code == 400

    export = api_client_for(staff["service_manager"]).get("/api/v1/health-records/export/?file=csv")
    assert len(_csv(export)) == 2


def test_someone_with_no_role_in_the_store_sees_no_records(client_for, record, other_store):
    outsider = UserFactory(username="outsider")
    MembershipFactory(user=outsider, store=other_store, role="advisor")
    page = client_for(outsider).get(reverse("healthrecords:list")).content.decode()
    assert record.settle_number not in page
