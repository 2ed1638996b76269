"""The EV import through the pages: upload, preview with a row's problem, import, result."""

import json
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aftercare.ev.models import BatteryReading, SoftwareVersion


def _upload(client, content: bytes, name: str, kind: str = "readings"):
    return client.post(reverse("ev:import"), {"kind": kind, "file": SimpleUploadedFile(name, content)})


def test_a_json_file_of_readings_is_previewed_with_its_bad_row_then_its_valid_rows_imported(
    store, staff, client_for, bev
):
    client = client_for(staff["advisor"])
    assert 'data-testid="ev-import-link"' in client.get(reverse("ev:forecast_list")).content.decode()
    rows = [
        {"VIN": bev.vin, "读取时间": "2026-03-01 08:30", "SOH": "96.5"},
        {"VIN": "LGXCE4CB0N9999999", "读取时间": "2026-03-02 08:30", "SOH": "96.4"},
    ]
    response = _upload(client, json.dumps(rows).encode(), "readings.json")
    assert (response.status_code, response.url) == (302, reverse("ev:import_preview"))

    preview = client.get(reverse("ev:import_preview"))
    assert preview.status_code == 200
    assert [(e.row, e.field) for e in preview.context["preview"].errors] == [(3, "VIN")]
    assert "LGXCE4CB0N9999999" in preview.content.decode()
    assert BatteryReading.objects.count() == 0

    done = client.post(reverse("ev:import_run"), {"mode": "valid_rows"})
    assert done.status_code == 302 and done["Location"] == reverse("ev:import_result")
    result = client.get(done["Location"])
    # rows in the file, new, updated, already imported, left out
    assert [number for _label, number, _css in result.context["counts"]] == [2, 1, 0, 0, 1]
    assert [e["row"] for e in result.context["errors_shown"]] == [3]
    reading = BatteryReading.objects.get()
    assert (reading.vehicle_id, reading.soh) == (bev.pk, Decimal("96.5"))


def test_a_csv_of_versions_uploads_and_the_template_downloads(store, staff, client_for, bev):
    client = client_for(staff["advisor"])
    content = f"VIN,控制器,版本,升级时间\n{bev.vin},BMS,3.2.1,2026-01-15 02:00\n".encode()
    assert _upload(client, content, "versions.csv", kind="versions").status_code == 302
    assert client.post(reverse("ev:import_run"), {"mode": "all_or_nothing"}).status_code == 302
    assert [v.version for v in SoftwareVersion.objects.filter(vehicle=bev)] == ["3.2.1"]
    assert client.get(reverse("ev:import_template", args=["codes"])).status_code == 200


def test_the_ev_import_needs_customer_edit(staff, client_for):
    client = client_for(staff["technician"])
    assert client.get(reverse("ev:import")).status_code == 403
    assert client.post(reverse("ev:import_run"), {"mode": "valid_rows"}).status_code == 403
