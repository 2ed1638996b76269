import csv
import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aftercare.accounts.roles import ROLE_PERMISSIONS, Role
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm
from aftercare.core.spreadsheets import SpreadsheetError, read_table
from aftercare.core.vin import with_check_digit
from aftercare.customers import exports, imports
from aftercare.customers.models import Customer, SearchKey, Vehicle
from aftercare.customers.search import search
from aftercare.tests.factories import CustomerFactory, MembershipFactory, UserFactory, VehicleFactory
from aftercare.tests.uploads import csv_upload, xlsx_upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_uploads")]

GOOD_VIN = "1M8GDM9AXKP042788"
OTHER_VIN = "LHGCV1659RA012345"
BAD_CHECK_DIGIT_VIN = "1M8GDM9A1KP042788"
THIRD_VIN = with_check_digit("LSVAU2180N2123456")

CUSTOMER_HEADERS = ["姓名", "手机号", "客户类型", "性别", "生日", "来源", "标签"]
VEHICLE_HEADERS = ["车主手机", "客户编号", "车牌", "VIN", "品牌", "车型", "动力类型", "里程", "保险到期"]


def _run(staff, store, kind, upload, mode=imports.VALID_ROWS):
    headers, rows = read_table(upload)
    return imports.run_import(actor=staff["advisor"], store=store, kind=kind, headers=headers, rows=rows, mode=mode)


def _preview(staff, store, kind, upload):
    headers, rows = read_table(upload)
    return imports.preview_import(actor=staff["advisor"], store=store, kind=kind, headers=headers, rows=rows)


def _errors(result) -> dict[int, str]:
    """{row: "column: message"}, several problems of one row joined with " | "."""
    errors: dict[int, list[str]] = {}
    for error in result.errors:
        errors.setdefault(error.row, []).append(f"{error.field}: {error.message}")
    return {row: " | ".join(messages) for row, messages in errors.items()}


# --- reading files -----------------------------------------------------------------------


def test_a_csv_import_of_good_rows_creates_customers_with_normalised_mobiles_and_search_keys(staff, store):
    upload = csv_upload(
        CUSTOMER_HEADERS,
        [
            ["李娜", "+86 139-0000-1111", "个人", "女", "1990/5/6", "转介绍", "老客户，商务"],
            ["广州顺达物流有限公司", "138 0000 2222", "公司", "", "", "", ""],
        ],
    )
    result = _run(staff, store, imports.CUSTOMERS, upload)
    assert (result.created, result.errors) == (2, [])
    li_na = Customer.objects.get(name="李娜")
    assert li_na.mobile == "13900001111"
    assert (li_na.gender, li_na.birthday, li_na.source, li_na.tags) == (
        "F",
        date(1990, 5, 6),
        "referral",
        ["商务", "老客户"],
    )
    assert li_na.number.startswith("C")
    assert [r.customer_name for r in search(staff["advisor"], "1111")] == ["李娜"]
    assert [r.customer_name for r in search(staff["advisor"], "lina")] == ["李娜"]
    assert [r.customer_name for r in search(staff["advisor"], "顺达物流")] == ["广州顺达物流有限公司"]


def test_an_xlsx_import_of_vehicles_normalises_plates_and_builds_plate_search_keys(staff, store):
    owner = CustomerFactory(store=store, mobile="13900001111", name="李娜")
    upload = xlsx_upload(
        VEHICLE_HEADERS,
        [
            [13900001111, None, "粤a·12345", GOOD_VIN.lower(), "广汽本田", "雅阁", "插混", 12000, date(2026, 3, 1)],
            [None, owner.number, "粤B 54321", OTHER_VIN, "比亚迪", "汉", "BEV", "8,500 km", "2026/04/01"],
        ],
    )
    result = _run(staff, store, imports.VEHICLES, upload)
    assert (result.created, result.errors) == (2, [])
    accord = Vehicle.objects.get(vin=GOOD_VIN)
    assert (accord.owner, accord.plate, accord.powertrain, accord.odometer_km) == (owner, "粤A12345", "PHEV", 12000)
    assert accord.insurance_expiry == date(2026, 3, 1)
    assert Vehicle.objects.get(vin=OTHER_VIN).odometer_km == 8500
    assert SearchKey.objects.filter(vehicle=accord, key="12345").exists()
    assert [r.plate for r in search(staff["advisor"], "54321")] == ["粤B54321"]


def test_a_gb18030_csv_from_chinese_excel_reads_correctly(staff, store):
    upload = csv_upload(CUSTOMER_HEADERS, [["王强", "13700003333", "个人", "男", "", "到店", ""]], encoding="gb18030")
    headers, rows = read_table(upload)
    assert headers == CUSTOMER_HEADERS
    assert rows[0].values[0] == "王强"
    _run(staff, store, imports.CUSTOMERS, upload)
    assert Customer.objects.get(mobile="13700003333").name == "王强"


def test_english_column_names_and_values_are_accepted_too(staff, store):
    upload = csv_upload(["Name", "Mobile", "Type", "Preferred channel"], [["Li Na", "13900001111", "Person", "WeChat"]])
    result = _run(staff, store, imports.CUSTOMERS, upload)
    assert result.created == 1
    assert Customer.objects.get().preferred_channel == "wechat"


# --- reporting bad rows ------------------------------------------------------------------------


def test_bad_rows_are_reported_with_the_row_number_excel_shows_and_the_reason(staff, store):
    CustomerFactory(store=store, number="OLD-1", mobile="13900009999")  # not a number our sequence hands out
    upload = csv_upload(
        CUSTOMER_HEADERS,
        [
            ["李娜", "13900001111", "", "", "", "", ""],  # row 2: fine
            ["王强", "12345", "", "", "", "", ""],  # row 3: not a mobile
            ["", "", "", "", "", "", ""],  # row 4: blank, skipped but counted
            ["赵敏", "139 0000 1111", "", "", "", "", ""],  # row 5: same mobile as row 2
            ["周杰", "13900009999", "", "", "", "", ""],  # row 6: mobile already on file
            ["孙丽", "13600001234", "外星人", "", "", "", ""],  # row 7: unknown type
            ["吴磊", "13600005678", "", "", "31/02/2020", "", ""],  # row 8: not a date
        ],
    )
    preview = _preview(staff, store, imports.CUSTOMERS, upload)
    errors = _errors(preview)
    assert sorted(errors) == [3, 5, 6, 7, 8]
    assert errors[3].startswith("手机号: Enter an 11-digit mainland mobile")
    assert errors[5] == "手机号: Row 2 has the same mobile."
    assert "already belongs to" in errors[6]
    assert errors[7].startswith("客户类型: Unknown value “外星人”")
    assert errors[8].startswith("生日: Enter a date")
    assert (preview.total, preview.valid, preview.invalid) == (6, 1, 5)
    assert not Customer.objects.filter(name="李娜").exists()  # a preview writes nothing


def test_bad_vehicle_rows_report_a_wrong_vin_check_digit_a_missing_owner_and_duplicates_in_the_file(staff, store):
    CustomerFactory(store=store, mobile="13900001111")
    row = ["13900001111", "", "", GOOD_VIN, "广汽本田", "雅阁", "燃油", "", ""]
    upload = csv_upload(
        VEHICLE_HEADERS,
        [
            row,  # row 2: fine
            [*row[:3], BAD_CHECK_DIGIT_VIN, *row[4:]],  # row 3: wrong check digit
            ["13500000000", *row[1:3], OTHER_VIN, *row[4:]],  # row 4: no such owner
            [row[0], "C999999", *row[2:3], THIRD_VIN, *row[4:]],  # row 5: no customer with this number
            [row[0], "", "粤A11111", GOOD_VIN.lower(), *row[4:]],  # row 6: same VIN as row 2
        ],
    )
    errors = _errors(_preview(staff, store, imports.VEHICLES, upload))
    assert sorted(errors) == [3, 4, 5, 6]
    assert errors[3].startswith("VIN: The check digit (9th character) should be X")
    assert errors[4].startswith("车主手机: No customer with this mobile in this store")
    assert errors[5].startswith("客户编号: No customer with this number in this store")
    assert errors[6] == "VIN: Row 2 has the same VIN."


def test_a_vehicle_row_with_a_bad_plate_a_16_character_vin_and_abc_as_mileage_reports_all_three(staff, store):
    CustomerFactory(store=store, mobile="13900001111")
    upload = csv_upload(
        VEHICLE_HEADERS, [["13900001111", "", "粤A1", GOOD_VIN[:16], "广汽本田", "雅阁", "", "abc", ""]]
    )
    for result in (_preview(staff, store, imports.VEHICLES, upload), _run(staff, store, imports.VEHICLES, upload)):
        assert [(error.row, error.field) for error in result.errors] == [(2, "车牌"), (2, "VIN"), (2, "里程")]
        assert result.errors[1].message.startswith("A VIN has exactly 17 characters")
        assert result.errors[2].message.startswith("Enter the odometer as a whole number")
    assert not Vehicle.objects.exists()


def test_a_vehicle_row_without_its_owner_still_reports_its_bad_vin_and_plate(staff, store):
    upload = csv_upload(VEHICLE_HEADERS, [["13500000000", "", "粤A1", GOOD_VIN[:16], "广汽本田", "雅阁", "", "", ""]])
    errors = _preview(staff, store, imports.VEHICLES, upload).errors
    assert [error.field for error in errors] == ["车主手机", "车牌", "VIN"]


def test_a_customer_row_reports_its_unreadable_cells_and_what_the_service_refuses_together(staff, store):
    upload = csv_upload(CUSTOMER_HEADERS, [["李娜", "12345", "外星人", "", "1990-13-45", "", ""]])
    errors = _preview(staff, store, imports.CUSTOMERS, upload).errors
    assert [error.field for error in errors] == ["手机号", "客户类型", "生日"]
    assert Customer.objects.count() == 0


def test_the_preview_and_the_import_agree_on_every_row(staff, store):
    upload = csv_upload(CUSTOMER_HEADERS, [["李娜", "13900001111"], ["王强", "bad"], ["赵敏", "13900001111"]])
    preview = _preview(staff, store, imports.CUSTOMERS, upload)
    result = _run(staff, store, imports.CUSTOMERS, upload)
    assert result.errors == preview.errors
    assert result.created == preview.valid == 1


def test_a_mobile_marked_as_shared_may_repeat(staff, store):
    CustomerFactory(store=store, number="OLD-1", mobile="13900001111")
    upload = csv_upload(["姓名", "手机", "共用手机"], [["李娜", "13900001111", "是"], ["王强", "13900001111", "是"]])
    assert (_run(staff, store, imports.CUSTOMERS, upload).created, Customer.objects.count()) == (2, 3)


def test_all_or_nothing_writes_nothing_when_one_row_is_bad(staff, store):
    upload = csv_upload(CUSTOMER_HEADERS, [["李娜", "13900001111"], ["王强", "13900002222"], ["赵敏", "not a mobile"]])
    result = _run(staff, store, imports.CUSTOMERS, upload, mode=imports.ALL_OR_NOTHING)
    assert (result.created, result.rolled_back, sorted(_errors(result))) == (0, True, [4])
    assert Customer.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_all_or_nothing_writes_everything_when_every_row_is_good(staff, store):
    upload = csv_upload(CUSTOMER_HEADERS, [["李娜", "13900001111"], ["王强", "13900002222"]])
    result = _run(staff, store, imports.CUSTOMERS, upload, mode=imports.ALL_OR_NOTHING)
    assert result.created == Customer.objects.count() == 2


def test_valid_rows_mode_writes_the_good_rows_and_reports_the_bad_ones_with_one_summary_audit_row(staff, store):
    upload = csv_upload(CUSTOMER_HEADERS, [["李娜", "13900001111"], ["王强", "bad"], ["赵敏", "13900003333"]])
    headers, rows = read_table(upload)
    result = imports.run_import(
        actor=staff["advisor"], store=store, kind=imports.CUSTOMERS, headers=headers, rows=rows,
        mode=imports.VALID_ROWS, filename="客户.csv",
    )  # fmt: skip
    assert (result.created, sorted(_errors(result))) == (2, [3])
    assert set(Customer.objects.values_list("name", flat=True)) == {"李娜", "赵敏"}
    assert AuditEntry.objects.filter(action="create", object_type="customers.customer").count() == 2
    summary = AuditEntry.objects.get(action="create", object_type="")
    assert summary.changes["import_file"] == [None, "客户.csv"]
    assert summary.changes["rows_created"] == [None, 2]
    assert summary.changes["rows_refused"] == [None, 1]


def test_an_old_system_customer_number_is_kept_and_ours_are_refused(staff, store):
    upload = csv_upload(
        ["客户编号", "姓名", "手机"], [["dms-001", "李娜", "13900001111"], ["C000042", "王强", "13900002222"]]
    )
    result = _run(staff, store, imports.CUSTOMERS, upload)
    assert Customer.objects.get().number == "DMS-001"
    assert sorted(_errors(result)) == [3]


def test_an_import_needs_customer_edit_in_the_store(staff, store):
    from django.core.exceptions import PermissionDenied

    headers, rows = read_table(csv_upload(CUSTOMER_HEADERS, [["李娜", "13900001111"]]))
    with pytest.raises(PermissionDenied):
        imports.run_import(
            actor=staff["technician"], store=store, kind=imports.CUSTOMERS, headers=headers, rows=rows,
            mode=imports.VALID_ROWS,
        )  # fmt: skip


# --- files that are not usable ---------------------------------------------------------------


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.png", PNG, "not a spreadsheet"),
        ("random.xlsx", bytes(range(256)) * 40, "not a spreadsheet"),
        ("broken.xlsx", b"PK\x03\x04" + b"\x01" * 200, "not a spreadsheet"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97-2003"),
        ("empty.csv", b"", "empty"),
        ("header-only.csv", "姓名,手机\n".encode(), "no rows"),
    ],
)
def test_an_unusable_file_gets_a_clear_error(name, content, message):
    with pytest.raises(SpreadsheetError) as error:
        read_table(SimpleUploadedFile(name, content))
    assert message in error.value.message


def test_a_file_over_the_size_or_row_limit_is_refused():
    with pytest.raises(SpreadsheetError, match="larger than 1 MB"):
        read_table(SimpleUploadedFile("big.csv", b"a,b\n" * 300_000), max_bytes=1024 * 1024)
    with pytest.raises(SpreadsheetError, match="more than 10 rows"):
        read_table(csv_upload(["姓名", "手机"], [["李娜", "13900001111"]] * 11), max_rows=10)
    assert len(read_table(csv_upload(["姓名", "手机"], [["李娜", "13900001111"]] * 10), max_rows=10)[1]) == 10


def _upload(client, content: bytes, name: str, kind: str = "customers"):
    return client.post(reverse("customers:customer_import"), {"kind": kind, "file": SimpleUploadedFile(name, content)})


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.png", PNG, "not a spreadsheet"),
        ("random.csv", bytes(range(256)) * 40, "not a spreadsheet"),
        ("empty.csv", b"", "The submitted file is empty"),  # refused by Django's FileField already
        ("wrong.csv", b"product,price\nwidget,3\n", "Required columns are missing: 姓名、手机"),
    ],
)
def test_the_upload_page_shows_a_clear_error_for_an_unusable_file_never_a_500(
    staff, client_for, name, content, message
):
    response = _upload(client_for(staff["advisor"]), content, name)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_upload_page_refuses_a_file_over_the_limit(staff, client_for, monkeypatch):
    monkeypatch.setattr("aftercare.core.spreadsheets.MAX_BYTES", 100)
    response = _upload(client_for(staff["advisor"]), "姓名,手机\n".encode() + b"x,1\n" * 100, "big.csv")
    assert response.status_code == 400
    assert "larger than" in response.content.decode()


# --- the pages, end to end ---------------------------------------------------------------------


def test_upload_preview_and_import_of_the_valid_rows_through_the_pages(staff, store, client_for, settings):
    client = client_for(staff["advisor"])
    content = xlsx_upload(["姓名", "手机"], [["李娜", "13900001111"], ["王强", "123"]]).read()
    response = _upload(client, content, "客户.xlsx")
    assert (response.status_code, response.url) == (302, reverse("customers:customer_import_preview"))
    token = client.session["customer_import"]["token"]
    stored = Path(settings.MEDIA_ROOT) / "imports" / f"{token}.upload"
    assert stored.exists()

    preview = client.get(reverse("customers:customer_import_preview"))
    assert preview.status_code == 200
    assert [e.row for e in preview.context["preview"].errors] == [3]
    assert Customer.objects.count() == 0

    refused = client.post(reverse("customers:customer_import_run"), {"mode": "all_or_nothing"}, follow=True)
    assert refused.redirect_chain == [(reverse("customers:customer_import_preview"), 302)]
    assert "Nothing was imported" in refused.content.decode() and Customer.objects.count() == 0
    assert stored.exists()  # kept: the user may still import the valid rows

    done = client.post(reverse("customers:customer_import_run"), {"mode": "valid_rows"})
    assert done.status_code == 302 and done["Location"] == reverse("customers:customer_import_result")
    result = client.get(done["Location"])
    assert [(label, number) for label, number, _css in result.context["counts"]] == [
        ("Rows in the file", 2), ("Imported", 1), ("Left out", 1),
    ]  # fmt: skip
    assert [e["row"] for e in result.context["errors_shown"]] == [3]
    assert list(Customer.objects.values_list("name", flat=True)) == ["李娜"]
    assert not stored.exists()
    assert "customer_import" not in client.session


def test_back_and_resubmit_after_an_import_show_its_result_and_import_nothing_twice(staff, store, client_for):
    client = client_for(staff["advisor"])
    _upload(client, xlsx_upload(["姓名", "手机"], [["李娜", "13900001111"]]).read(), "客户.xlsx")
    result_url = reverse("customers:customer_import_result")
    assert client.post(reverse("customers:customer_import_run"), {"mode": "valid_rows"})["Location"] == result_url

    resubmitted = client.post(reverse("customers:customer_import_run"), {"mode": "valid_rows"}, follow=True)
    back = client.get(reverse("customers:customer_import_preview"), follow=True)
    for response in (resubmitted, back):
        assert response.redirect_chain == [(result_url, 302)]
        assert "This file has already been imported" in response.content.decode()
    assert Customer.objects.count() == 1


def test_the_import_pages_need_customer_edit_and_without_a_file_lead_to_the_upload(staff, client_for):
    assert client_for(staff["technician"]).get(reverse("customers:customer_import")).status_code == 403
    advisor = client_for(staff["advisor"])
    assert advisor.get(reverse("customers:customer_import")).status_code == 200
    for response in (
        advisor.get(reverse("customers:customer_import_preview"), follow=True),
        advisor.post(reverse("customers:customer_import_run"), {"mode": "valid_rows"}, follow=True),
        advisor.get(reverse("customers:customer_import_result"), follow=True),
    ):
        assert response.redirect_chain == [(reverse("customers:customer_import"), 302)]
        assert "No file is waiting to be imported" in response.content.decode()


@pytest.mark.parametrize("kind", ["customers", "vehicles"])
def test_the_template_has_the_columns_the_import_expects_and_an_example_row_that_imports(
    staff, store, client_for, kind
):
    response = client_for(staff["advisor"]).get(reverse("customers:import_template", args=[kind]))
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    headers, rows = read_table(SimpleUploadedFile("t.xlsx", content))
    columns = imports.IMPORTERS[kind].columns
    assert headers[: len(columns)] == [aliases[0] for aliases in columns.values()]
    if kind == "vehicles":
        CustomerFactory(store=store, mobile="13812345678")
    result = imports.run_import(
        actor=staff["advisor"], store=store, kind=kind, headers=headers, rows=rows, mode=imports.ALL_OR_NOTHING
    )
    assert (result.created, result.errors) == (1, [])


# --- exports -----------------------------------------------------------------------------------------


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx_rows(response) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def test_the_manager_exports_customers_as_csv_with_full_mobiles_and_the_export_is_audited(staff, store, client_for):
    CustomerFactory(store=store, name="李娜", mobile="13900001111")
    response = client_for(staff["service_manager"]).get(reverse("customers:customer_export", args=["csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0][:5] == ["客户编号", "姓名", "客户类型", "联系人", "手机"]
    assert rows[1][1] == "李娜" and rows[1][4] == "13900001111"
    entry = AuditEntry.objects.get(action="export")
    assert (entry.store_id, entry.changes["rows"], entry.changes["export_format"]) == (
        store.pk,
        [None, 1],
        [None, "csv"],
    )


@pytest.fixture
def manager_without_reveal(monkeypatch):
    """Every role with DATA_EXPORT also has CONTACT_REVEAL today; masking in
    exports must still hold if the matrix changes, so take it away here."""
    monkeypatch.setitem(
        ROLE_PERMISSIONS, Role.SERVICE_MANAGER, ROLE_PERMISSIONS[Role.SERVICE_MANAGER] - {Perm.CONTACT_REVEAL}
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exporter_without_contact_reveal_gets_masked_mobiles(staff, store, client_for, manager_without_reveal, fmt):
    owner = CustomerFactory(store=store, name="李娜", mobile="13900001111", wechat_id="lina1990")
    VehicleFactory(owner=owner)
    client = client_for(staff["service_manager"])
    customers = client.get(reverse("customers:customer_export", args=[fmt]))
    vehicles = client.get(reverse("customers:vehicle_export", args=[fmt]))
    read = _csv_rows if fmt == "csv" else _xlsx_rows
    customer_rows, vehicle_rows = read(customers), read(vehicles)
    assert customer_rows[1][4] == "139****1111"
    assert customer_rows[1][11] != "lina1990"
    assert vehicle_rows[1][2] == "139****1111"
    assert "13900001111" not in str(customer_rows) + str(vehicle_rows)
    assert AuditEntry.objects.filter(action="export").count() == 2
    assert AuditEntry.objects.filter(action="export").first().changes["contacts_masked"] == [None, True]


def test_an_exported_customer_list_imports_back_into_another_store(staff, store, other_store):
    CustomerFactory(store=store, number="C000001", name="李娜", mobile="13900001111")
    MembershipFactory(user=staff["service_manager"], store=other_store, role=Role.SERVICE_MANAGER)
    staff["service_manager"].forget_memberships()
    response = exports.export_list(user=staff["service_manager"], kind=exports.CUSTOMERS, fmt="xlsx")
    headers, rows = read_table(SimpleUploadedFile("e.xlsx", b"".join(response.streaming_content)))
    headers[headers.index("客户编号")] = "旧编号"  # let the other store number them afresh
    result = imports.run_import(
        actor=staff["service_manager"], store=other_store, kind=imports.CUSTOMERS, headers=headers, rows=rows,
        mode=imports.ALL_OR_NOTHING,
    )  # fmt: skip
    assert (result.created, result.errors) == (1, [])
    assert set(result.ignored_columns) == {"旧编号", "门店", "最近到店"}


def test_exports_never_hold_another_stores_rows(staff, store, other_store, client_for):
    CustomerFactory(store=store, name="李娜")
    CustomerFactory(store=other_store, name="外店客户")
    # A technician role there lets the manager see that store's customers, but not export them.
    MembershipFactory(user=staff["service_manager"], store=other_store, role=Role.TECHNICIAN)
    rows = _csv_rows(client_for(staff["service_manager"]).get(reverse("customers:customer_export", args=["csv"])))
    assert [row[1] for row in rows[1:]] == ["李娜"]


def test_the_export_follows_the_list_filters(staff, store, client_for):
    CustomerFactory(store=store, name="李娜", kind="person")
    CustomerFactory(store=store, name="顺达物流", kind="company")
    url = reverse("customers:customer_export", args=["csv"]) + "?kind=company"
    rows = _csv_rows(client_for(staff["service_manager"]).get(url))
    assert [row[1] for row in rows[1:]] == ["顺达物流"]


def test_exports_need_data_export(staff, client_for):
    for role in ("advisor", "customer_care", "technician"):
        assert client_for(staff[role]).get(reverse("customers:customer_export", args=["csv"])).status_code == 403


def test_a_name_that_looks_like_a_formula_is_exported_as_text(staff, store, client_for):
    CustomerFactory(store=store, name='=HYPERLINK("http://x")')
    client = client_for(staff["service_manager"])
    assert _csv_rows(client.get(reverse("customers:customer_export", args=["csv"])))[1][1].startswith("'=")
    assert _xlsx_rows(client.get(reverse("customers:customer_export", args=["xlsx"])))[1][1].startswith("=HYPER")


@pytest.mark.parametrize("kind", ["customers", "vehicles"])
def test_the_export_query_count_does_not_grow_with_the_rows(staff, store, django_assert_max_num_queries, kind):
    def export() -> list[list[str]]:
        user = type(staff["service_manager"]).objects.get(pk=staff["service_manager"].pk)  # no cached roles
        with django_assert_max_num_queries(5):
            return _csv_rows(exports.export_list(user=user, kind=kind, fmt="csv"))

    VehicleFactory.create_batch(5, owner__store=store)  # each with its own owner
    assert len(export()) == 1 + 5
    VehicleFactory.create_batch(45, owner__store=store)
    assert len(export()) == 1 + 50


def test_the_customer_list_shows_import_and_export_to_those_allowed(staff, client_for):
    manager_page = client_for(staff["service_manager"]).get(reverse("customers:customer_list")).content.decode()
    advisor_page = client_for(staff["advisor"]).get(reverse("customers:customer_list")).content.decode()
    assert reverse("customers:customer_import") in manager_page
    assert reverse("customers:customer_export", args=["csv"]) in manager_page
    assert reverse("customers:customer_import") in advisor_page
    assert reverse("customers:customer_export", args=["csv"]) not in advisor_page


def test_a_user_with_roles_in_two_stores_sees_full_mobiles_only_where_allowed(
    store, other_store, manager_without_reveal
):
    user = UserFactory(username="two-stores")
    MembershipFactory(user=user, store=store, role=Role.SERVICE_MANAGER)
    MembershipFactory(user=user, store=store, role=Role.ADVISOR)  # reveals contacts here
    MembershipFactory(user=user, store=other_store, role=Role.SERVICE_MANAGER)
    CustomerFactory(store=store, name="甲", mobile="13900001111")
    CustomerFactory(store=other_store, name="乙", mobile="13900002222")
    rows = _csv_rows(exports.export_list(user=user, kind=exports.CUSTOMERS, fmt="csv"))
    assert {row[1]: row[4] for row in rows[1:]} == {"甲": "13900001111", "乙": "139****2222"}
    masked = dict(AuditEntry.objects.filter(action="export").values_list("store_id", "changes__contacts_masked"))
    assert masked == {store.pk: [None, False], other_store.pk: [None, True]}
