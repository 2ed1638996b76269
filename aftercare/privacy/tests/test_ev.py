"""The EV history of a customer's vehicles in their export and their erasure (docs/DOMAIN.md §16.5, §17)."""

import io
import json
import zipfile
from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from aftercare.ev.models import BatteryForecast, BatteryReading, SoftwareVersion, TroubleCode
from aftercare.privacy import services
from aftercare.privacy.export import build_zip

pytestmark = pytest.mark.django_db


@pytest.fixture
def ev_history(rich, store):
    vehicle = rich.vehicles.get()
    moment = timezone.make_aware(datetime(2026, 3, 1, 8, 30))
    BatteryReading.objects.create(store=store, vehicle=vehicle, read_at=moment, soh=Decimal("96.5"),
                                  dc_share=Decimal("35"), sessions_per_week=Decimal("3.5"))  # fmt: skip
    TroubleCode.objects.create(store=store, vehicle=vehicle, code="P0AA6", first_seen=moment, last_seen=moment)
    SoftwareVersion.objects.create(store=store, vehicle=vehicle, controller="BMS", version="3.2.1", installed_at=moment)
    BatteryForecast.objects.create(store=store, vehicle=vehicle, status="stable", readings=1, last_soh=Decimal("96.5"))
    return rich


def test_the_export_holds_the_readings_codes_versions_and_forecast_of_the_customer_s_vehicles(ev_history):
    data = json.loads(zipfile.ZipFile(io.BytesIO(build_zip(ev_history))).read("data.json"))
    assert [Decimal(str(r["soh"])) for r in data["ev_readings"]] == [Decimal("96.5")]
    assert [c["code"] for c in data["ev_trouble_codes"]] == ["P0AA6"]
    assert [v["version"] for v in data["ev_software_versions"]] == ["3.2.1"]
    assert len(data["ev_battery_forecasts"]) == 1


def test_erasure_removes_the_forecast_and_charging_habits_and_keeps_the_battery_history_with_its_reason(
    staff, store, ev_history
):
    manager = staff["service_manager"]
    request = services.request_create(actor=manager, store=store, customer=ev_history, kind="erasure",
                                      channel="counter")  # fmt: skip
    services.request_check_identity(actor=manager, request=request, identity_check="id_card")
    request = services.request_erase(actor=manager, request=services.request_start(actor=manager, request=request))

    assert not BatteryForecast.objects.exists()
    reading = BatteryReading.objects.get()
    assert (reading.soh, reading.dc_share, reading.sessions_per_week) == (Decimal("96.50"), None, None)
    assert (TroubleCode.objects.count(), SoftwareVersion.objects.count()) == (1, 1)
    kept = {k["key"]: k for k in request.outcome["kept"]}
    assert kept["ev_history"]["count"] == 3 and "汽车软件在线升级" in kept["ev_history"]["reason"]
