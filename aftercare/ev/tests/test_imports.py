"""Telematics and diagnostic exports into the history (docs/DOMAIN.md §17.2): many vehicles per
file matched by VIN, row errors with their row number, idempotent, CSV / xlsx / JSON."""

import io
import json

import openpyxl
import pytest
from django.utils import timezone

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


def _many_vehicles(store, count):
    from aftercare.tests.factories import CustomerFactory, VehicleFactory

    owner = CustomerFactory(store=store, name="车队")
    return [VehicleFactory(owner=owner, powertrain="BEV", plate=f"粤AD{index:05d}") for index in range(count)]


def _codes_file(vehicles) -> bytes:
    lines = ["VIN,故障码,描述,首次出现,最近出现,状态"]
    for index, vehicle in enumerate(vehicles):
        for day in (1, 2, 3, 4, 5, 6):
            lines.append(
                f"{vehicle.vin},P1A{index % 7}{day},单体压差过大,2025-05-0{day} 10:00,2025-05-1{day} 10:00,当前"
            )
    return ("\n".join(lines) + "\n").encode()


def _versions_file(vehicles) -> bytes:
    lines = ["VIN,控制器,版本,升级时间,方式"]
    for vehicle in vehicles:
        for month, version in ((1, "2.1.0"), (4, "2.3.4"), (9, "3.0.1")):
            lines.append(f"{vehicle.vin},BMS,{version},2025-0{month}-10 02:00,OTA")
            lines.append(f"{vehicle.vin},车机,5.{month}.0,2025-0{month}-12 02:00,OTA")
    return ("\n".join(lines) + "\n").encode()


def test_a_file_of_hundreds_of_codes_is_written_in_a_few_queries_and_reimporting_it_changes_nothing(
    store, staff, django_assert_max_num_queries
):
    vehicles = _many_vehicles(store, 50)
    data = _codes_file(vehicles)
    kw = {"actor": staff["advisor"], "store": store, "kind": "codes", "filename": "dtc.csv", "mode": VALID_ROWS}
    # The vehicles, their stored codes, the actor's memberships, one insert per 500 rows, the audit row.
    with django_assert_max_num_queries(10):
        first = import_bytes(data=data, **kw)
    assert (first.created, first.updated, first.errors) == (300, 0, [])
    with django_assert_max_num_queries(6):
        again = import_bytes(data=data, **kw)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 300)
    assert TroubleCode.objects.count() == 300


def test_a_file_of_hundreds_of_versions_is_written_in_a_few_queries_and_marks_each_controllers_latest(
    store, staff, django_assert_max_num_queries
):
    vehicles = _many_vehicles(store, 50)
    data = _versions_file(vehicles)
    kw = {"actor": staff["advisor"], "store": store, "kind": "versions", "filename": "v.csv", "mode": VALID_ROWS}
    # As for codes, and one read and at most two updates to mark each controller's latest current.
    with django_assert_max_num_queries(12):
        first = import_bytes(data=data, **kw)
    assert (first.created, first.updated, first.errors) == (300, 0, [])
    with django_assert_max_num_queries(6):
        again = import_bytes(data=data, **kw)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 300)
    current = SoftwareVersion.objects.filter(is_current=True)
    assert current.count() == 100
    assert set(current.values_list("controller", "version")) == {("BMS", "3.0.1"), ("IVI", "5.9.0")}
    assert SoftwareVersion.objects.get(vehicle=vehicles[0], controller="BMS", version="3.0.1").version_key == (
        "000003.000000.000001"
    )


def test_codes_written_a_chunk_at_a_time_keep_row_errors_later_reports_and_idempotency(
    store, staff, bev, ice, monkeypatch
):
    from aftercare.ev.imports import CodeImporter

    monkeypatch.setattr(CodeImporter, "batch_size", 2)
    lines = [
        "VIN,故障码,描述,首次出现,最近出现,状态",
        f"{bev.vin},P0AA6,高压绝缘故障,2025-05-01 10:00,2025-05-02 10:00,当前",
        f"{bev.vin},P1A10,,2025-05-01 10:00,2025-04-30 10:00,当前",  # row 3: last seen before first seen
        f"{ice.vin},P0300,,2025-05-01 10:00,,当前",  # row 4: a petrol car
        f"{bev.vin},p0aa6,,2025-05-01 10:00,2025-05-09 10:00,已清除",  # row 5: a later report of row 2's, chunk 2
        f"{bev.vin},U0111,,2025-06-01 10:00,2025-06-01 12:00,当前",
        f"{bev.vin},U0111,,2025-06-01 10:00,2025-06-01 11:00,当前",  # row 7: an older report, same chunk as row 6
    ]
    data = ("\n".join(lines) + "\n").encode()
    kw = {"actor": staff["advisor"], "store": store, "kind": "codes", "filename": "dtc.csv", "mode": VALID_ROWS}
    first = import_bytes(data=data, **kw)
    assert [(e.row, e.field) for e in first.errors] == [(3, "最近出现"), (4, "VIN")]
    assert (first.created, first.updated, first.unchanged) == (2, 1, 1)
    stored = {c.code: (c.status, f"{timezone.localtime(c.last_seen):%m-%d %H}") for c in TroubleCode.objects.all()}
    assert stored == {"P0AA6": ("cleared", "05-09 10"), "U0111": ("open", "06-01 12")}
    assert TroubleCode.objects.get(code="P0AA6").description == "高压绝缘故障"
    again = import_bytes(data=data, **kw)
    assert (again.created, again.updated, again.unchanged, again.invalid) == (0, 0, 4, 2)


def test_a_bad_version_row_gets_its_own_error_while_the_good_rows_land(store, staff, bev, phev, monkeypatch):
    from aftercare.ev.imports import VersionImporter

    monkeypatch.setattr(VersionImporter, "batch_size", 2)
    lines = [
        "VIN,控制器,版本,升级时间,方式",
        f"{bev.vin},BMS,3.9.15,2025-01-10 02:00,OTA",
        f"{bev.vin},BMS,,2025-02-10 02:00,OTA",  # row 3: no version
        f"{phev.vin},刹车,1.0,2025-02-10 02:00,OTA",  # row 4: no such controller
        f"{bev.vin},BMS,3.10.2,2025-06-10 02:00,店内",
        f"{bev.vin},BMS,3.10.3,2025-06-10 02:00,店内",  # row 6: corrects row 5, the same chunk
        f"{bev.vin},BMS,3.9.16,2025-01-10 02:00,OTA",  # row 7: corrects row 2, written in the chunk before
    ]
    data = ("\n".join(lines) + "\n").encode()
    kw = {"actor": staff["advisor"], "store": store, "kind": "versions", "filename": "v.csv", "mode": VALID_ROWS}
    first = import_bytes(data=data, **kw)
    assert [(e.row, e.field) for e in first.errors] == [(3, "版本"), (4, "控制器")]
    assert (first.created, first.updated, first.unchanged) == (2, 2, 0)
    versions = SoftwareVersion.objects.filter(vehicle=bev).order_by("installed_at")
    assert [(v.version, v.is_current) for v in versions] == [("3.9.16", False), ("3.10.3", True)]
    assert not SoftwareVersion.objects.filter(vehicle=phev).exists()
