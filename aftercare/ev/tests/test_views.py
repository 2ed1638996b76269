"""The EV panel of the vehicle page, the reception's entry, the care specialist's list, the API
and the segment filters (docs/DOMAIN.md §17)."""

import random
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from aftercare.crm.filters import SegmentFilterSet
from aftercare.customers.models import Customer
from aftercare.ev import services
from aftercare.ev.demo import FAST, seed_ev
from aftercare.ev.models import BatteryForecast, BatteryReading, SoftwareVersion
from aftercare.ev.selectors import version_history

pytestmark = pytest.mark.django_db


def _at(days_ago: int, hour: int = 9):
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=hour)


@pytest.fixture
def demo_car(store, bev):
    bev.plate = FAST
    bev.save(update_fields=["plate"])
    seed_ev(store, random.Random("ev:test"), timezone.localdate())
    return bev


def test_version_history_is_per_controller_newest_first(store, bev):
    for version, days in (("2.1.0", 600), ("3.0.1", 10), ("2.3.4", 300)):
        services.version_save(actor=None, vehicle=bev, controller="BMS", version=version, installed_at=_at(days))
    services.version_save(actor=None, vehicle=bev, controller="IVI", version="6.0", installed_at=_at(5))
    services.version_save(actor=None, vehicle=bev, controller="VCU", version="1.0", installed_at=_at(50))
    rows = [(v.controller, v.version) for v in version_history(bev)]
    assert rows == [("BMS", "3.0.1"), ("BMS", "2.3.4"), ("BMS", "2.1.0"), ("VCU", "1.0"), ("IVI", "6.0")]
    # An older update imported late never becomes the current one.
    services.version_save(actor=None, vehicle=bev, controller="BMS", version="1.9", installed_at=_at(900))
    assert SoftwareVersion.objects.get(vehicle=bev, controller="BMS", is_current=True).version == "3.0.1"


def test_a_segment_finds_owners_whose_bms_is_below_a_version(store, bev, phev):
    services.version_save(actor=None, vehicle=bev, controller="BMS", version="3.9.15", installed_at=_at(30))
    services.version_save(actor=None, vehicle=phev, controller="BMS", version="3.10.2", installed_at=_at(30))
    base = Customer.objects.filter(store=store)
    below = SegmentFilterSet({"software_controller": "BMS", "software_below": "3.10"}, queryset=base).qs
    assert list(below) == [bev.owner]


def test_the_nightly_forecast_lists_the_fast_degrading_demo_car_and_feeds_a_segment(store, staff, client_for,
                                                                                     demo_car):  # fmt: skip
    forecast = BatteryForecast.objects.get(vehicle=demo_car)
    assert forecast.status == "forecast" and forecast.service_on <= timezone.localdate() + timedelta(days=183)
    page = client_for(staff["customer_care"]).get("/ev/battery-forecasts/")
    assert page.status_code == 200 and FAST in page.content.decode()
    members = SegmentFilterSet({"battery_within": 6}, queryset=Customer.objects.filter(store=store)).qs
    assert demo_car.owner in members


def test_the_panel_shows_soh_forecast_codes_and_versions(store, staff, client_for, demo_car):
    html = client_for(staff["advisor"]).get(f"/ev/vehicles/{demo_car.pk}/panel/").content.decode()
    for text in ('data-soh-chart="ev-soh-data"', "ev-soh-data", "P1A10", "BMS", 'data-testid="forecast-service"'):
        assert text in html


def test_the_vehicle_page_loads_echarts_only_for_an_electric_car(store, staff, client_for, bev, ice):
    client = client_for(staff["advisor"])
    assert "echarts.min.js" in client.get(f"/vehicles/{bev.pk}/").content.decode()
    assert "echarts.min.js" not in client.get(f"/vehicles/{ice.pk}/").content.decode()


def test_two_readings_say_not_enough_data_on_the_panel(store, staff, client_for, bev):
    for days, soh in ((400, "98"), (10, "96")):
        services.reading_save(actor=None, vehicle=bev, read_at=_at(days), soh=soh)
    html = client_for(staff["advisor"]).get(f"/ev/vehicles/{bev.pk}/panel/").content.decode()
    assert "数据不足" in html  # "Not enough data": pages are in Chinese by default


def test_reception_enters_a_reading_and_a_fault_code_from_the_diagnostic_tool(store, staff, client_for, bev):
    response = client_for(staff["advisor"]).post(f"/ev/vehicles/{bev.pk}/readings/", {
        "reading-read_at": "2026-01-05T10:00", "reading-soh": "93.5", "reading-dc_share": "70",
        "reading-code": "p0aa6", "reading-code_description": "绝缘故障",
    })  # fmt: skip
    assert response.status_code == 302
    reading = BatteryReading.objects.get(vehicle=bev)
    assert (str(reading.soh), reading.source) == ("93.50", "reception")
    assert bev.trouble_codes.get().code == "P0AA6"


def test_a_technician_may_see_the_panel_but_not_enter_a_reading(store, staff, client_for, bev):
    client = client_for(staff["technician"])
    assert client.get(f"/ev/vehicles/{bev.pk}/panel/").status_code == 200
    assert client.post(f"/ev/vehicles/{bev.pk}/readings/", {"reading-soh": "90"}).status_code == 403


def test_the_api_gives_readings_codes_versions_and_the_forecast(store, staff, api_client_for, demo_car):
    api = api_client_for(staff["advisor"])
    base = f"/api/v1/ev/vehicles/{demo_car.pk}"
    assert len(api.get(f"{base}/readings/").json()) >= 20
    assert any(c["code"] == "P1A10" for c in api.get(f"{base}/codes/").json())
    assert {v["controller"] for v in api.get(f"{base}/versions/").json()} == {"BMS", "VCU", "MCU", "IVI"}
    forecast = api.get(f"{base}/forecast/").json()
    assert forecast["status"] == "forecast" and forecast["crossings"][0]["on"]
    assert any(f["vehicle"] == demo_car.pk for f in api.get("/api/v1/ev/forecasts/").json())


def test_the_api_refuses_a_bad_reading_with_field_errors_and_imports_a_file(store, staff, api_client_for, bev):
    api = api_client_for(staff["advisor"])
    bad = api.post(f"/api/v1/ev/vehicles/{bev.pk}/readings/", {"read_at": "2026-01-05T10:00:00", "soh": "120"},
                   format="json")  # fmt: skip
    assert bad.status_code == 400 and "soh" in bad.json()
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("r.csv", f"VIN,读取时间,SOH\n{bev.vin},2025-01-10,97\nBAD,2025-01-10,97\n".encode())
    result = api.post("/api/v1/ev/imports/readings/", {"file": upload}, format="multipart").json()
    assert result["created"] == 1 and result["errors"][0]["row"] == 3


def test_the_panel_costs_the_same_queries_for_two_or_forty_readings(store, staff, client_for, bev):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(staff["advisor"])

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/ev/vehicles/{bev.pk}/panel/").status_code == 200
        return len(captured)

    for days in (700, 600):
        services.reading_save(actor=None, vehicle=bev, read_at=_at(days), soh="97")
    count()  # the session's first request costs more
    few = count()
    for n in range(38):
        services.reading_save(actor=None, vehicle=bev, read_at=_at(500 - 10 * n), soh="96")
    assert count() == few <= 9
