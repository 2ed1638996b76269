"""Telematics and diagnostic exports into the history (docs/DOMAIN.md §17.2): many vehicles per
file matched by VIN, row errors with their row number, idempotent, CSV / xlsx / JSON."""

import io
import json

import openpyxl
import pytest

from aftercare.core.imports import ALL_OR_NOTHING, VALID_ROWS
from aftercare.ev.imports import import_bytes
from aftercare.ev.models import BatteryReading, SoftwareVersion, TroubleCode

pytestmark = pytest.mark.django_db

HEAD = "VIN,读取时间,SOH,SOC,循环次数,压差mV,最高温度,快充占比,放电深度,每周充电次数\n"


def _csv(rows: list[str]) -> bytes:
    return (HEAD + "\n".join(rows) + "\n").encode()


def test_one_file_of_two_vehicles_is_matched_by_vin_and_reimporting_it_adds_nothing(store, staff, bev, phev):
    data = _csv([
        f"{bev.vin},2025-01-10 08:00,97.5,80,120,15,33.5,20,55,3",
        f"{bev.vin},2025-07-10 08:00,96.1,64,260,18,35,22,60,3.5",
        f"{phev.vin.lower()},2025-03-01,98.2,,,,,,,",
    ])  # fmt: skip
    user = staff["advisor"]
    first = import_bytes(actor=user, store=store, kind="readings", data=data, filename="t.csv", mode=ALL_OR_NOTHING)
    assert (first.created, first.errors) == (3, [])
    again = import_bytes(actor=user, store=store, kind="readings", data=data, filename="t.csv", mode=ALL_OR_NOTHING)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert BatteryReading.objects.filter(vehicle=bev).count() == 2
    assert str(BatteryReading.objects.get(vehicle=phev).soh) == "98.20"


def test_bad_rows_are_reported_with_their_row_number_and_reason(store, staff, bev, ice):
    data = _csv([
        f"{bev.vin},2025-01-10 08:00,97.5,,,,,,,",
        "LSVAA4186N2000000,2025-01-10,97,,,,,,,",
        f"{bev.vin},someday,97,,,,,,,",
        f"{bev.vin},2025-02-10,130,,,,,,,",
        f"{ice.vin},2025-02-10,90,,,,,,,",
    ])  # fmt: skip
    result = import_bytes(actor=staff["advisor"], store=store, kind="readings", data=data, filename="t.csv",
                          mode=VALID_ROWS)  # fmt: skip
    problems = {(e.row, e.field): e.message for e in result.errors}
    assert result.created == 1
    assert "No vehicle with VIN LSVAA4186N2000000" in problems[(3, "VIN")]
    assert (4, "读取时间") in problems
    assert (5, "SOH") in problems
    assert "no traction battery" in problems[(6, "VIN")]


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(store, staff, bev):
    data = _csv([f"{bev.vin},2025-01-10,97.5,,,,,,,", f"{bev.vin},2025-02-10,abc,,,,,,,"])
    result = import_bytes(actor=staff["advisor"], store=store, kind="readings", data=data, filename="t.csv",
                          mode=ALL_OR_NOTHING)  # fmt: skip
    assert result.rolled_back and not BatteryReading.objects.exists()


def test_a_vin_of_another_store_is_not_matched(store, other_store, bev):
    data = _csv([f"{bev.vin},2025-01-10,97.5,,,,,,,"])
    result = import_bytes(actor=None, store=other_store, kind="readings", data=data, filename="t.csv",
                          mode=VALID_ROWS)  # fmt: skip
    assert result.created == 0 and result.errors[0].field == "VIN"
    assert not BatteryReading.objects.exists()


def test_a_json_export_of_codes_imports_and_a_later_report_moves_last_seen(store, staff, bev):
    rows = [{"VIN": bev.vin, "故障码": "p0aa6", "描述": "高压绝缘故障", "首次出现": "2025-05-01 10:00",
             "最近出现": "2025-05-03 10:00", "状态": "当前"}]  # fmt: skip
    kw = {"actor": staff["advisor"], "store": store, "kind": "codes", "filename": "dtc.json", "mode": VALID_ROWS}
    assert import_bytes(data=json.dumps(rows).encode(), **kw).created == 1
    rows[0].update({"最近出现": "2025-05-09 10:00", "状态": "已清除"})
    assert import_bytes(data=json.dumps({"rows": rows}).encode(), **kw).updated == 1
    code = TroubleCode.objects.get(vehicle=bev)
    assert (code.code, code.status, code.last_seen.day) == ("P0AA6", "cleared", 9)
    assert import_bytes(data=json.dumps(rows).encode(), **kw).unchanged == 1


def test_a_json_row_error_names_the_record_as_a_sheet_row(store, staff, bev):
    rows = [{"VIN": bev.vin, "故障码": "P0AA6", "首次出现": "2025-05-01"}, {"VIN": bev.vin, "故障码": "U0100"}]
    result = import_bytes(actor=staff["advisor"], store=store, kind="codes", data=json.dumps(rows).encode(),
                          filename="dtc.json", mode=VALID_ROWS)  # fmt: skip
    assert [(e.row, e.field) for e in result.errors] == [(3, "首次出现")]


def test_an_xlsx_of_versions_imports_and_marks_each_controllers_latest_current(store, staff, bev):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["VIN", "控制器", "版本", "升级时间", "方式"])
    sheet.append([bev.vin, "BMS", "3.9.15", "2025-01-10 02:00", "OTA"])
    sheet.append([bev.vin, "BMS", "3.10.2", "2025-06-10 02:00", "店内"])
    sheet.append([bev.vin, "车机", "5.0", "2025-03-10 02:00", "OTA"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_bytes(actor=staff["advisor"], store=store, kind="versions", data=buffer.getvalue(),
                          filename="v.xlsx", mode=VALID_ROWS)  # fmt: skip
    assert (result.created, result.errors) == (3, [])
    current = dict(SoftwareVersion.objects.filter(vehicle=bev, is_current=True).values_list("controller", "version"))
    assert current == {"BMS": "3.10.2", "IVI": "5.0"}


def test_two_rows_of_the_same_moment_in_one_file_keep_the_later_values(store, staff, bev):
    data = _csv([f"{bev.vin},2025-01-10 08:00,97.5,,,,,,,", f"{bev.vin},2025-01-10 08:00,97.1,,,,,,,"])
    result = import_bytes(actor=staff["advisor"], store=store, kind="readings", data=data, filename="t.csv",
                          mode=ALL_OR_NOTHING)  # fmt: skip
    assert (result.created, result.updated, result.errors) == (1, 1, [])
    assert str(BatteryReading.objects.get(vehicle=bev).soh) == "97.10"


def test_readings_written_a_chunk_at_a_time_keep_row_errors_duplicates_and_idempotency(
    store, staff, bev, phev, monkeypatch
):
    from aftercare.ev.imports import ReadingImporter

    monkeypatch.setattr(ReadingImporter, "batch_size", 2)
    data = _csv([
        f"{bev.vin},2025-01-10 08:00,97.5,,,,,,,",
        f"{bev.vin},2025-02-10 08:00,97.4,,,,,,,",
        f"{phev.vin},2025-02-10 08:00,abc,,,,,,,",  # row 4: unreadable SOH
        f"{bev.vin},2025-01-10 08:00,97.0,,,,,,,",  # row 5: the moment of row 2, written in the chunk before
        f"{phev.vin},2025-03-01 08:00,98.2,,,,,,,",
        f"{phev.vin},2025-03-01 08:00,98.2,,,,,,,",  # row 7: the same as row 6 in the same chunk
    ])  # fmt: skip
    user = staff["advisor"]
    first = import_bytes(actor=user, store=store, kind="readings", data=data, filename="t.csv", mode=VALID_ROWS)
    assert (first.created, first.updated, first.unchanged) == (3, 1, 1)
    assert [(e.row, e.field) for e in first.errors] == [(4, "SOH")]
    assert [str(r.soh) for r in BatteryReading.objects.filter(vehicle=bev).order_by("read_at")] == ["97.00", "97.40"]
    again = import_bytes(actor=user, store=store, kind="readings", data=data, filename="t.csv", mode=VALID_ROWS)
    # Rows 2 and 5 disagree about one moment: each again sets its value (97.5, then 97.0); the rest are unchanged.
    assert (again.created, again.updated, again.unchanged) == (0, 2, 3)
    assert BatteryReading.objects.count() == 3
