"""What a customer or vehicle export holds, cell by cell, in CSV and in xlsx alike."""

import csv
import io
import tracemalloc
from datetime import UTC, date, datetime

import openpyxl
import pytest
from django.utils import translation

from aftercare.accounts.roles import ROLE_PERMISSIONS, Role
from aftercare.core import exports as writers
from aftercare.core.exports import WRITE_CHUNK_ROWS
from aftercare.core.permissions import Perm
from aftercare.customers import exports
from aftercare.customers.models import Customer
from aftercare.tests.factories import CustomerFactory, MembershipFactory, UserFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def _cells(response, fmt: str) -> list[list[str]]:
    """Every cell as text, trailing empty cells left out: the CSV as written, the
    xlsx as openpyxl reads it (dates come back as datetimes)."""
    data = b"".join(response.streaming_content)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8").removeprefix("\ufeff"))))
    else:
        response.file_to_stream.close()  # the temporary file (response.close() would end the "request")
        sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
        rows = [
            ["" if value is None else value.date().isoformat() if isinstance(value, datetime) else str(value)
             for value in row]
            for row in sheet.iter_rows(values_only=True)
        ]  # fmt: skip
    for row in rows:
        while row and row[-1] == "":
            row.pop()
    return rows


@pytest.fixture
def two_stores(store, other_store, monkeypatch):
    """A manager of both stores who sees full contacts only in the first (as an advisor there)."""
    monkeypatch.setitem(
        ROLE_PERMISSIONS, Role.SERVICE_MANAGER, ROLE_PERMISSIONS[Role.SERVICE_MANAGER] - {Perm.CONTACT_REVEAL}
    )
    user = UserFactory(username="area-manager")
    MembershipFactory(user=user, store=store, role=Role.SERVICE_MANAGER)
    MembershipFactory(user=user, store=store, role=Role.ADVISOR)  # reveals contacts here
    MembershipFactory(user=user, store=other_store, role=Role.SERVICE_MANAGER)
    return user


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_customer_row_shows_labels_tags_the_local_visit_date_and_masks_only_where_it_must(
    fmt, store, other_store, two_stores
):
    late_evening = datetime(2024, 5, 31, 17, 30, tzinfo=UTC)  # 1 June, 01:30 in Shanghai
    CustomerFactory(
        store=store, number="C000001", name="李娜", kind="person", gender="F", mobile="13900001111",
        birthday=date(1990, 2, 3), region="天河区", address="天河路 1 号", preferred_channel="wechat",
        source="referral", wechat_id="lina1990", email="li@example.com", tags=["VIP", "老客户"],
        last_visit_at=late_evening,
    )  # fmt: skip
    CustomerFactory(
        store=other_store, number="C000002", name="顺达物流", kind="company", contact_person="王经理",
        mobile="13900002222", address="番禺大道 8 号", wechat_id="shunda-logistics", email="service@shunda.example",
    )  # fmt: skip
    with translation.override("en"):
        header, here, there = _cells(exports.export_list(user=two_stores, kind=exports.CUSTOMERS, fmt=fmt), fmt)
    assert header[:3] == ["客户编号", "姓名", "客户类型"] and header[-2:] == ["门店", "最近到店"]
    assert here == [
        "C000001", "李娜", "Person", "", "13900001111", "Female", "1990-02-03", "天河区", "天河路 1 号", "WeChat",
        "Referral", "lina1990", "li@example.com", "VIP、老客户", "天河店", "2024-06-01",
    ]  # fmt: skip
    assert there[:5] == ["C000002", "顺达物流", "Company", "王经理", "139****2222"]
    assert (there[8], there[11], there[12]) == ("番禺大道 8…", "shunda…", "servic…")
    assert there[13:] == ["", "番禺店"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_vehicle_row_shows_its_owner_labels_dates_and_yes_or_no(fmt, store, staff):
    VehicleFactory(
        owner=CustomerFactory(store=store, number="C000009", name="张三", mobile="13812345678"),
        plate="粤A12345", plate_kind="temporary", powertrain="BEV", purchase_date=date(2021, 7, 1),
        odometer_km=52300, is_active=False,
    )  # fmt: skip
    with translation.override("en"):
        _header, row = _cells(exports.export_list(user=staff["service_manager"], kind=exports.VEHICLES, fmt=fmt), fmt)
    assert row[:5] == ["张三", "C000009", "13812345678", "粤A12345", "Temporary plate"]
    assert "Battery electric" in row and "2021-07-01" in row and "52300" in row
    assert row[-2:] == ["否", "天河店"]


def test_csv_and_xlsx_exports_of_many_customers_hold_the_same_cells(store, staff):
    for n in range(WRITE_CHUNK_ROWS + 5):  # more than one chunk of rows
        CustomerFactory(store=store, name=f"客户{n}", tags=["VIP"] if n % 3 else [])
    manager = staff["service_manager"]
    csv_cells = _cells(exports.export_list(user=manager, kind=exports.CUSTOMERS, fmt="csv"), "csv")
    xlsx_cells = _cells(exports.export_list(user=manager, kind=exports.CUSTOMERS, fmt="xlsx"), "xlsx")
    assert len(csv_cells) == WRITE_CHUNK_ROWS + 6
    assert csv_cells == xlsx_cells


def _peak_bytes_of_exporting(user, fmt: str) -> int:
    """The most memory allocated at once while the export is written and sent."""
    tracemalloc.start()
    try:
        response = exports.export_list(user=user, kind=exports.CUSTOMERS, fmt=fmt)
        for _chunk in response.streaming_content:
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        if fmt == "xlsx":
            response.file_to_stream.close()


def _add_customers(store, count: int, start: int) -> None:
    Customer.objects.bulk_create(
        Customer(
            store=store, number=f"C{n:06d}", name=f"客户{n}", mobile=f"138{n:08d}", region="天河区",
            address=f"天河路 {n} 号", wechat_id=f"wx{n}", email=f"c{n}@example.com", tags=["VIP"],
        )
        for n in range(start, start + count)
    )  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exporting_four_times_the_rows_needs_no_more_memory(fmt, store, staff, monkeypatch):
    """Rows stream from the database cursor to the file chunk by chunk: memory stays that
    of a chunk. Building the rows in memory first would need about four times as much
    for four times the rows, far beyond the tolerance."""
    monkeypatch.setattr(exports, "CHUNK_SIZE", 100)
    monkeypatch.setattr(writers, "WRITE_CHUNK_ROWS", 100)
    manager = staff["service_manager"]
    rows = 500
    _add_customers(store, rows, start=0)
    _peak_bytes_of_exporting(manager, fmt)  # first use: translations, templates of queries, imports
    small = _peak_bytes_of_exporting(manager, fmt)
    _add_customers(store, 3 * rows, start=rows)
    large = _peak_bytes_of_exporting(manager, fmt)
    assert large < small * 1.25 + 32 * 1024, (small, large)
