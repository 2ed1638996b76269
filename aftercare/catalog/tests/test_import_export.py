"""Catalogue import (xlsx / CSV, into a store or the group defaults) and list exports."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from aftercare.catalog import exports, imports
from aftercare.catalog.kinds import KINDS
from aftercare.catalog.models import LabourOperation, LabourRate, OperationCategory, Part, SurveyQuestion
from aftercare.core.models import AuditEntry
from aftercare.core.spreadsheets import read_table
from aftercare.tests.uploads import csv_upload, xlsx_upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_uploads")]

OPERATION_HEADERS = ["代码", "名称", "类别代码", "工时", "适用动力", "高压作业"]
PART_HEADERS = ["零件号", "名称", "品牌", "原厂件", "单价"]


def _run(actor, store, kind, upload, *, scope=imports.STORE, mode=imports.VALID_ROWS, filename=""):
    headers, rows = read_table(upload)
    return imports.run_import(
        actor=actor, store=store, scope=scope, kind=kind, headers=headers, rows=rows, mode=mode, filename=filename
    )


def _preview(actor, store, kind, upload, *, scope=imports.STORE):
    headers, rows = read_table(upload)
    return imports.preview_import(actor=actor, store=store, scope=scope, kind=kind, headers=headers, rows=rows)


def _errors(result) -> dict[int, str]:
    """{row: "column: message"}, several problems of one row joined with " | "."""
    errors: dict[int, list[str]] = {}
    for error in result.errors:
        errors.setdefault(error.row, []).append(f"{error.field}: {error.message}")
    return {row: " | ".join(messages) for row, messages in errors.items()}


def _store_part(store, part_no="15400-RTA-003", **values) -> Part:
    fields = {"name": "机油滤清器", "brand": "本田", "is_oem": True, "unit_price": Decimal("45.00"), **values}
    return Part.objects.create(group=store.group, store=store, part_no=part_no, **fields)


# --- importing operations and parts ----------------------------------------------------------------


def test_a_csv_import_of_operations_into_the_group_defaults_updates_known_codes_and_creates_new_ones(
    catalog, staff, store, group_manager
):
    upload = csv_upload(
        OPERATION_HEADERS,
        [
            ["M001", "更换机油机滤", "maintenance", "0.6", "燃油、混动、插混", "否"],  # FRT changed
            ["V101", "更换高压线束", "ev", "2.5", "纯电, PHEV", "是"],  # new
            ["M002", "更换空气滤清器", "maintenance", "0.30", "ICE、HEV、PHEV", "否"],  # the same as stored
        ],
    )
    result = _run(group_manager, store, "operations", upload, scope=imports.GROUP, filename="工时.csv")
    assert (result.created, result.updated, result.unchanged, result.errors) == (1, 1, 1, [])

    oil = LabourOperation.objects.get(code="M001", store=None)
    assert oil.frt_hours == Decimal("0.60")
    entry = AuditEntry.objects.get(action="update", object_type="catalog.labouroperation", object_id=str(oil.pk))
    assert entry.changes == {"frt_hours": ["0.50", "0.60"]}
    assert entry.actor == group_manager and entry.store_id == store.pk

    harness = LabourOperation.objects.get(code="V101")
    assert (harness.store_id, harness.group_id) == (None, store.group_id)
    assert (harness.category.code, harness.frt_hours, harness.powertrains, harness.high_voltage) == (
        "ev",
        Decimal("2.50"),
        ["PHEV", "BEV"],
        True,
    )
    assert AuditEntry.objects.filter(action="create", object_id=str(harness.pk)).exists()
    summary = AuditEntry.objects.get(action="create", object_type="")
    assert summary.changes["import_file"] == [None, "工时.csv"]
    assert (summary.changes["rows_created"], summary.changes["rows_updated"]) == ([None, 1], [None, 1])


def test_into_a_store_a_changed_row_overrides_the_group_default_and_an_equal_one_is_left_alone(catalog, staff, store):
    upload = csv_upload(["代码", "名称", "工时"], [["M001", "更换机油机滤", "0.8"], ["M002", "更换空气滤清器", "0.3"]])
    result = _run(staff["service_manager"], store, "operations", upload)
    assert (result.created, result.updated, result.unchanged) == (1, 0, 1)
    own = LabourOperation.objects.get(code="M001", store=store)
    default = LabourOperation.objects.get(code="M001", store=None)
    assert own.frt_hours == Decimal("0.80") and default.frt_hours == Decimal("0.50")
    # Columns the file does not have are copied from the group default.
    assert (own.category_id, own.powertrains) == (default.category_id, default.powertrains)
    assert not LabourOperation.objects.filter(code="M002", store=store).exists()

    again = _run(
        staff["service_manager"], store, "operations", csv_upload(["代码", "名称", "工时"], [["M001", "换油", "0.8"]])
    )
    assert (again.created, again.updated) == (0, 1)
    own.refresh_from_db()
    assert own.name == "换油"


def test_an_xlsx_import_of_parts_creates_and_updates_with_prices_rounded_to_the_cent(catalog, staff, store):
    existing = _store_part(store)
    upload = xlsx_upload(
        PART_HEADERS,
        [
            ["15400-RTA-003", "机油滤清器", "本田", "是", 48.005],  # update: 48.01 (half up)
            ["BX-001", "雨刮片 前", "博世", "否", "¥1,280.5"],  # new
            ["M1-5W30", "美孚1号 5W-30 4L", "", "N", 299],  # new, no brand
        ],
    )
    result = _run(staff["service_manager"], store, "parts", upload)
    assert (result.created, result.updated, result.errors) == (2, 1, [])
    existing.refresh_from_db()
    assert existing.unit_price == Decimal("48.01")
    assert isinstance(existing.unit_price, Decimal)
    wiper = Part.objects.get(part_no="BX-001", store=store)
    assert (wiper.name, wiper.brand, wiper.is_oem, wiper.unit_price) == ("雨刮片 前", "博世", False, Decimal("1280.50"))
    assert Part.objects.get(part_no="M1-5W30", store=store).unit_price == Decimal("299.00")
    entry = AuditEntry.objects.get(action="update", object_type="catalog.part", object_id=str(existing.pk))
    assert entry.changes == {"unit_price": ["45.00", "48.01"]}


def test_english_headers_are_accepted_too(catalog, staff, store):
    upload = csv_upload(["Part No.", "Name", "Unit price", "OEM"], [["X-1", "Filter", "10", "yes"]])
    assert _run(staff["service_manager"], store, "parts", upload).created == 1
    assert Part.objects.get(part_no="X-1").unit_price == Decimal("10.00")


def test_labour_rates_survey_questions_and_inspection_items_import_with_their_choices(catalog, staff, store):
    manager = staff["service_manager"]
    rates = _run(
        manager, store, "labour-rates", csv_upload(["修理种类代码", "工时单价"], [["general", "450"], ["nope", "1"]])
    )
    assert (rates.created, _errors(rates)) == (1, {3: "修理种类代码: Unknown repair type code “nope”. " + _USE_CODE})
    assert LabourRate.rate_for(store, "general") == Decimal("450.00")

    questions = _run(
        manager,
        store,
        "survey-questions",
        csv_upload(["代码", "问题", "维度", "答案类型"], [["Q9", "满意吗？", "维修质量", "是否"]]),
    )
    assert questions.created == 1
    question = SurveyQuestion.objects.get(code="Q9")
    assert (question.dimension, question.answer_type) == ("repair_quality", "yes_no")

    items = _run(
        manager,
        store,
        "inspection-items",
        csv_upload(["代码", "名称", "区域", "顺序"], [["X9", "雨刮", "外观", "1.5"]]),
    )
    assert _errors(items) == {2: "顺序: Enter a whole number from 0 to 999."}


_USE_CODE = "Use a code from the catalogue, or create it first."


# --- reporting bad rows ------------------------------------------------------------------------------


def test_bad_rows_are_reported_with_the_row_number_excel_shows_and_the_reason(catalog, staff, store):
    upload = csv_upload(
        OPERATION_HEADERS,
        [
            ["N001", "好的一行", "brakes", "1", "", "否"],  # row 2: fine
            ["N002", "负工时", "brakes", "-1", "", "否"],  # row 3: negative FRT
            ["", "", "", "", "", ""],  # row 4: blank, skipped but counted
            ["N003", "未知类别", "wheels", "1", "", "否"],  # row 5: unknown category
            ["N004", "坏数字", "brakes", "1,5h", "", "否"],  # row 6: not a number
            ["N001", "重复代码", "brakes", "1", "", "否"],  # row 7: same code as row 2
            ["N005", "", "brakes", "1", "", "否"],  # row 8: no name
            ["N006", "动力不对", "brakes", "1", "柴电", "也许"],  # row 9: unknown powertrain, not yes/no
            ["N007", "三位小数", "brakes", "0.125", "", "否"],  # row 10: the model's own rule
        ],
    )
    preview = _preview(staff["service_manager"], store, "operations", upload)
    errors = _errors(preview)
    assert sorted(errors) == [3, 5, 6, 7, 8, 9, 10]
    assert errors[3] == "工时: Enter a number of 0 or more."
    assert errors[5] == "类别代码: Unknown operation category code “wheels”. " + _USE_CODE
    assert errors[6] == "工时: Enter the hours as a number such as 1.5."
    assert errors[7] == "代码: Row 2 has the same code."
    assert errors[8] == "名称: This column is required."
    assert errors[9].startswith("适用动力: Unknown value “柴电”. Use one of: Petrol / diesel、Hybrid")
    assert errors[9].endswith("高压作业: Enter 是 or 否 (yes or no).")
    assert "2 decimal places" in errors[10]
    assert (preview.total, preview.valid, preview.invalid, preview.created) == (8, 1, 7, 1)
    assert not LabourOperation.objects.filter(code="N001").exists()  # a preview writes nothing
    assert not AuditEntry.objects.exists()


def test_the_preview_and_the_import_agree_on_every_row(catalog, staff, store):
    upload = csv_upload(
        PART_HEADERS, [["P1", "甲", "", "是", "1"], ["P2", "乙", "", "是", "abc"], ["P1", "丙", "", "", "2"]]
    )
    preview = _preview(staff["service_manager"], store, "parts", upload)
    result = _run(staff["service_manager"], store, "parts", upload)
    assert result.errors == preview.errors
    assert result.created == preview.created == preview.valid == 1


def test_all_or_nothing_writes_nothing_when_one_row_is_bad(catalog, staff, store):
    existing = _store_part(store)
    upload = csv_upload(
        PART_HEADERS, [["15400-RTA-003", "机滤", "", "", "50"], ["P1", "甲", "", "", "1"], ["P2", "乙", "", "", "-3"]]
    )
    result = _run(staff["service_manager"], store, "parts", upload, mode=imports.ALL_OR_NOTHING)
    assert (result.created, result.updated, result.rolled_back, sorted(_errors(result))) == (0, 0, True, [4])
    existing.refresh_from_db()
    assert existing.unit_price == Decimal("45.00")
    assert Part.objects.filter(store=store).count() == 1
    assert not AuditEntry.objects.exists()


def test_valid_rows_mode_writes_the_good_rows_and_leaves_the_bad_ones_out(catalog, staff, store):
    upload = csv_upload(
        PART_HEADERS, [["P1", "甲", "", "", "1"], ["P2", "乙", "", "", "-3"], ["P3", "丙", "", "", "3"]]
    )
    result = _run(staff["service_manager"], store, "parts", upload)
    assert (result.created, sorted(_errors(result))) == (2, [3])
    assert set(Part.objects.filter(store=store).values_list("part_no", flat=True)) == {"P1", "P3"}
    assert AuditEntry.objects.get(object_type="").changes["rows_refused"] == [None, 1]


def test_a_technician_cannot_import(catalog, staff, store, group_manager):
    upload = csv_upload(PART_HEADERS, [["P1", "甲", "", "", "1"]])
    assert imports.allowed_scopes(staff["technician"], store) == []
    # The group defaults belong to group-wide roles; a store's manager imports into the store.
    assert imports.allowed_scopes(staff["service_manager"], store) == [imports.STORE]
    assert imports.allowed_scopes(group_manager, store) == [imports.STORE, imports.GROUP]
    with pytest.raises(PermissionDenied):
        _run(staff["technician"], store, "parts", upload)


def test_a_manager_of_another_store_cannot_import_into_this_one(catalog, staff, store, other_manager):
    with pytest.raises(PermissionDenied):
        _run(other_manager, store, "parts", csv_upload(PART_HEADERS, [["P1", "甲", "", "", "1"]]))


def test_a_row_reports_its_unreadable_cells_and_what_the_service_refuses_together(catalog, staff, store):
    upload = csv_upload(PART_HEADERS, [["P9", "长" * 101, "", "也许", "x"]])
    errors = _preview(staff["service_manager"], store, "parts", upload).errors
    assert [(error.row, error.field) for error in errors] == [(2, "名称"), (2, "原厂件"), (2, "单价")]
    assert not Part.objects.filter(part_no="P9").exists()


# --- the pages -------------------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def _upload(client, content: bytes, name: str, kind: str = "parts", scope: str = "store"):
    data = {"kind": kind, "scope": scope, "file": SimpleUploadedFile(name, content)}
    return client.post(reverse("catalog:import"), data)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.png", PNG, "not a spreadsheet"),
        ("photo.xlsx", b"PK\x03\x04" + b"\x01" * 200, "not a spreadsheet"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97-2003"),
        ("wrong.csv", "姓名,手机\n李娜,13900001111\n".encode(), "Required columns are missing: 零件号、零件名称、单价"),
    ],
)
def test_the_upload_page_shows_a_clear_error_for_an_unusable_file_never_a_500(
    catalog, staff, client_for, name, content, message
):
    response = _upload(client_for(staff["service_manager"]), content, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "catalog_import" not in response.wsgi_request.session


def test_the_upload_page_refuses_a_file_over_the_limit(catalog, staff, client_for, monkeypatch):
    monkeypatch.setattr("aftercare.core.spreadsheets.MAX_BYTES", 100)
    response = _upload(
        client_for(staff["service_manager"]), "零件号,名称,单价\n".encode() + b"x,y,1\n" * 100, "big.csv"
    )
    assert response.status_code == 400
    assert "larger than" in response.content.decode()


def test_the_import_pages_need_catalog_manage(catalog, staff, client_for):
    technician = client_for(staff["technician"])
    assert technician.get(reverse("catalog:import")).status_code == 403
    assert _upload(technician, "零件号,名称,单价\nP1,甲,1\n".encode(), "p.csv").status_code == 403
    assert technician.get(reverse("catalog:import_template", args=["parts"])).status_code == 403
    manager = client_for(staff["service_manager"])
    assert manager.get(reverse("catalog:import")).status_code == 200
    assert manager.get(reverse("catalog:import_preview"))["Location"] == reverse("catalog:import")


def test_upload_preview_and_import_of_the_valid_rows_through_the_pages(catalog, staff, store, client_for):
    client = client_for(staff["service_manager"])
    content = xlsx_upload(PART_HEADERS, [["P1", "甲", "", "是", 12.5], ["P2", "乙", "", "是", "x"]]).read()
    uploaded = _upload(client, content, "配件.xlsx")
    assert (uploaded.status_code, uploaded.url) == (302, reverse("catalog:import_preview"))

    preview = client.get(reverse("catalog:import_preview"))
    assert preview.status_code == 200
    assert [(e.row, e.field) for e in preview.context["preview"].errors] == [(3, "单价")]
    assert 'data-testid="import-errors"' in preview.content.decode()
    assert not Part.objects.filter(part_no="P1").exists()

    refused = client.post(reverse("catalog:import_run"), {"mode": "all_or_nothing"})
    assert refused["Location"] == reverse("catalog:import_preview")
    assert not Part.objects.filter(part_no="P1").exists()

    done = client.post(reverse("catalog:import_run"), {"mode": "valid_rows"}, follow=True)
    assert done.redirect_chain == [(reverse("catalog:import_result"), 302)]
    assert ("New entries", 1, "text-success") in done.context["counts"]
    assert Part.objects.get(part_no="P1", store=store).unit_price == Decimal("12.50")
    assert "catalog_import" not in client.session
    back = client.get(reverse("catalog:import_preview"), follow=True)
    assert back.redirect_chain == [(reverse("catalog:import_result"), 302)]
    assert Part.objects.filter(part_no="P1").count() == 1


def test_a_group_import_through_the_pages_changes_the_group_defaults(group_manager, catalog, staff, store, client_for):
    client = client_for(group_manager)
    content = "代码,名称,工时\nM001,更换机油机滤,0.7\n".encode()
    uploaded = _upload(client, content, "o.csv", kind="operations", scope="group")
    assert (uploaded.status_code, uploaded.url) == (302, reverse("catalog:import_preview"))
    ran = client.post(reverse("catalog:import_run"), {"mode": "all_or_nothing"})
    assert (ran.status_code, ran.url) == (302, reverse("catalog:import_result"))
    assert LabourOperation.objects.get(code="M001", store=None).frt_hours == Decimal("0.70")
    assert not LabourOperation.objects.filter(code="M001", store=store).exists()


@pytest.mark.parametrize("kind", [kind.slug for kind in imports.IMPORT_KINDS])
def test_the_template_has_the_import_columns_and_an_example_row_that_imports(catalog, staff, store, client_for, kind):
    response = client_for(staff["service_manager"]).get(reverse("catalog:import_template", args=[kind]))
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    headers, rows = read_table(SimpleUploadedFile("t.xlsx", b"".join(response.streaming_content)))
    assert headers == imports.import_kind(kind).headers()
    result = imports.run_import(
        actor=staff["service_manager"], store=store, scope=imports.STORE, kind=kind, headers=headers, rows=rows,
        mode=imports.ALL_OR_NOTHING,
    )  # fmt: skip
    assert (result.total, result.valid, result.errors) == (1, 1, [])


# --- exports ---------------------------------------------------------------------------------------------------


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx_rows(response) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def test_a_technician_exports_the_stores_effective_operations_as_csv_and_it_is_audited(
    catalog, staff, store, client_for
):
    LabourOperation.objects.create(
        group=store.group, store=store, code="M001", name="本店换油", frt_hours=Decimal("0.70"), powertrains=["BEV"]
    )
    response = client_for(staff["technician"]).get(reverse("catalog:item_export", args=["operations", "csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0] == ["项目代码", "项目名称", "类别代码", "工时", "适用动力", "高压作业", "在用"]
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["M001"] == ["M001", "本店换油", "", "0.70", "Battery electric", "否", "是"]  # the store's own row
    assert by_code["V001"] == ["V001", "动力电池包检测", "ev", "1.50", "Plug-in hybrid、Battery electric", "是", "是"]
    assert len(rows) - 1 == LabourOperation.objects.filter(store=None).count()
    entry = AuditEntry.objects.get(action="export")
    assert (entry.store_id, entry.actor, entry.changes["rows"], entry.changes["export_format"]) == (
        store.pk,
        staff["technician"],
        [None, len(rows) - 1],
        [None, "csv"],
    )


def test_parts_export_as_xlsx_with_numbers_and_imports_back_unchanged(catalog, staff, store, client_for):
    _store_part(store, unit_price=Decimal("48.50"))
    response = client_for(staff["service_manager"]).get(reverse("catalog:item_export", args=["parts", "xlsx"]))
    content = b"".join(response.streaming_content)
    rows = [tuple(row) for row in openpyxl.load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True)]
    assert rows[0] == ("零件号", "零件名称", "品牌", "原厂件", "单价", "在用")
    own = next(row for row in rows if row[0] == "15400-RTA-003")
    assert own == ("15400-RTA-003", "机油滤清器", "本田", "是", 48.5, "是")
    headers, sheet_rows = read_table(SimpleUploadedFile("e.xlsx", content))
    result = imports.run_import(
        actor=staff["service_manager"], store=store, scope=imports.STORE, kind="parts", headers=headers,
        rows=sheet_rows, mode=imports.ALL_OR_NOTHING,
    )  # fmt: skip
    assert (result.created, result.updated, result.unchanged, result.errors) == (0, 0, len(rows) - 1, [])
    assert Part.objects.filter(store=store).count() == 1


def test_an_export_never_holds_another_stores_rows(catalog, staff, store, other_store, client_for, other_manager):
    _store_part(store, part_no="OWN-1")
    _store_part(other_store, part_no="THEIRS-1")
    part_nos = {
        row[0]
        for row in _csv_rows(client_for(staff["advisor"]).get(reverse("catalog:item_export", args=["parts", "csv"])))
    }
    assert "OWN-1" in part_nos and "THEIRS-1" not in part_nos
    theirs = {
        row[0] for row in _csv_rows(exports.export_list(user=other_manager, store=other_store, kind="parts", fmt="csv"))
    }
    assert "THEIRS-1" in theirs and "OWN-1" not in theirs
    with pytest.raises(PermissionDenied):
        exports.export_list(user=staff["advisor"], store=other_store, kind="parts", fmt="csv")


def test_exports_need_read_access_and_an_exportable_kind(catalog, staff, client_for):
    from aftercare.tests.factories import UserFactory

    export = reverse("catalog:item_export", args=["parts", "csv"])
    anonymous = Client().get(export)
    assert (anonymous.status_code, anonymous.url) == (302, f"{reverse('login')}?next={export}")
    nobody = client_for(UserFactory(username="nobody"))
    assert nobody.get(reverse("catalog:item_export", args=["parts", "csv"])).status_code == 403
    manager = client_for(staff["service_manager"])
    assert manager.get(reverse("catalog:item_export", args=["bays", "csv"])).status_code == 404
    assert manager.get(reverse("catalog:item_export", args=["parts", "pdf"])).status_code == 404


def test_the_export_query_count_does_not_grow_with_the_rows(staff, store, django_assert_max_num_queries):
    category = OperationCategory.objects.create(group=store.group, code="brakes", name="制动")

    def export() -> list[list[str]]:
        user = type(staff["advisor"]).objects.get(pk=staff["advisor"].pk)  # no cached roles
        # The user's roles, the row count for the audit row, the audit row, the rows (one select with categories).
        with django_assert_max_num_queries(4):
            return _csv_rows(exports.export_list(user=user, store=store, kind="operations", fmt="csv"))

    def add(start, count):
        for index in range(start, start + count):
            LabourOperation.objects.create(
                group=store.group, store=store if index % 2 else None, code=f"Q{index:03}", name="x",
                category=category, frt_hours=Decimal("1"),
            )  # fmt: skip

    add(0, 5)
    assert len(export()) == 1 + 5
    add(5, 45)
    assert len(export()) == 1 + 50


def test_the_list_page_shows_import_to_managers_and_export_to_readers_for_the_kinds_that_have_them(
    catalog, staff, client_for
):
    manager, technician = client_for(staff["service_manager"]), client_for(staff["technician"])
    for kind in KINDS:
        importable = kind.slug in imports.IMPORT_KINDS_BY_SLUG
        import_url = f"{reverse('catalog:import')}?kind={kind.slug}"
        export_url = reverse("catalog:item_export", args=[kind.slug, "xlsx"])
        manager_page = manager.get(reverse("catalog:item_list", args=[kind.slug])).content.decode()
        technician_page = technician.get(reverse("catalog:item_list", args=[kind.slug])).content.decode()
        assert (import_url in manager_page, export_url in manager_page) == (importable, importable), kind.slug
        assert (import_url in technician_page, export_url in technician_page) == (False, importable), kind.slug
