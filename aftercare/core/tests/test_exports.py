"""Writing CSV and xlsx downloads: every cell as the user must see it, whatever the chunking."""

import csv
import io
import zipfile
from datetime import UTC, date, datetime, time
from decimal import Decimal
from xml.etree import ElementTree

import openpyxl
import pytest

from aftercare.core import exports
from aftercare.core.exports import WRITE_CHUNK_ROWS, csv_response, xlsx_response
from aftercare.core.spreadsheets import cell_text

TRICKY_TEXT = [
    "=HYPERLINK(\"http://x\")", "+86 138", "-1", "@SUM(A1)", " 张三 ", "\u3000李四", "王五\t", "a,b", 'say "hi"',
    "two\nlines", "&<>", "", "普通文字",
]  # fmt: skip
OTHER_VALUES = [
    None, 0, -5, 12, 1.0, 2.5, Decimal("-3.20"), Decimal("4.50"), True, False, date(2024, 2, 29),
    datetime(2024, 3, 1), datetime(2024, 3, 1, 9, 30, 15), time(8, 5),
]  # fmt: skip


def _csv_by_cell(headers, rows) -> str:
    """The rule, one cell at a time: `cell_text`, then formulas quoted."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        cells = [cell_text(value) for value in row]
        writer.writerow(["'" + text if text.startswith(("=", "+", "-", "@")) else text for text in cells])
    return "\ufeff" + out.getvalue()


def _body(response) -> str:
    return b"".join(response.streaming_content).decode()


def _plain_rows(count):
    return [[f"C{n:06d}", "张伟", None, date(1990, 1, 1 + n % 28), "天河店"] for n in range(count)]


@pytest.mark.parametrize("value", TRICKY_TEXT + OTHER_VALUES)
def test_a_csv_cell_is_written_as_cell_text_with_formulas_quoted(value):
    rows = [*_plain_rows(5), ["x", value, "y"], *_plain_rows(5)]
    assert _body(csv_response("e.csv", ["a", "b", "c", "d", "e"], rows)) == _csv_by_cell(
        ["a", "b", "c", "d", "e"], rows
    )


def test_one_tricky_cell_deep_in_a_long_export_is_still_quoted():
    rows = _plain_rows(3 * WRITE_CHUNK_ROWS)
    rows[2 * WRITE_CHUNK_ROWS + 7][1] = "=cmd|' /C calc'!A0"
    rows[WRITE_CHUNK_ROWS - 1][4] = "门店 "
    body = _body(csv_response("e.csv", ["a", "b", "c", "d", "e"], rows))
    assert body == _csv_by_cell(["a", "b", "c", "d", "e"], rows)
    assert "'=cmd" in body and "门店 " not in body


def test_a_csv_is_streamed_in_chunks_with_one_bom_and_the_header_even_without_rows():
    response = csv_response("客户.csv", ["编号", "姓名"], iter(_plain_rows(2 * WRITE_CHUNK_ROWS + 1)))
    chunks = list(response.streaming_content)
    assert len(chunks) >= 3
    assert b"".join(chunks).decode().count("\ufeff") == 1
    assert _body(csv_response("e.csv", ["编号", "姓名"], [])) == "\ufeff编号,姓名\r\n"
    assert "filename*=UTF-8''%E5%AE%A2%E6%88%B7.csv" in response["Content-Disposition"]


# --- xlsx ------------------------------------------------------------------------------------------


def _xlsx(response) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        response.file_to_stream.close()  # (response.close() would signal the end of a request to the database)


def _sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]


def test_an_xlsx_opens_with_openpyxl_and_every_part_is_well_formed_xml():
    data = _xlsx(xlsx_response("e.xlsx", ["编号"], [["C000001"]]))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist()[0] == "[Content_Types].xml"
        for name in archive.namelist():
            ElementTree.fromstring(archive.read(name))
    assert [[cell.value for cell in row] for row in _sheet(data).iter_rows()] == [["编号"], ["C000001"]]


def test_xlsx_headers_are_bold_and_values_keep_their_type():
    aware = datetime(2024, 3, 1, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
    row = ["张三", 12, -2.5, Decimal("3.20"), True, date(2024, 2, 29), datetime(2024, 3, 1, 9, 30, 15), aware, None]
    sheet = _sheet(_xlsx(xlsx_response("e.xlsx", [f"h{n}" for n in range(9)], [row])))
    assert all(cell.font.b for cell in sheet[1])
    values = [cell.value for cell in sheet[2]]
    assert values[:5] == ["张三", 12, -2.5, 3.2, True]
    assert values[5:8] == [datetime(2024, 2, 29), datetime(2024, 3, 1, 9, 30, 15), datetime(2024, 3, 1, 9, 30)]
    assert values[8] is None
    assert sheet["F2"].number_format == "yyyy-mm-dd"


def test_xlsx_text_is_never_a_formula_and_keeps_its_spaces_and_markup():
    texts = ['=HYPERLINK("http://x")', " 张三 ", "a & <b>", "two\nlines", "123", "-1"]
    sheet = _sheet(_xlsx(xlsx_response("e.xlsx", ["t"], [[text] for text in texts])))
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == texts
    assert {cell.data_type for cell in cells} == {"s"}


def test_xlsx_text_excel_cannot_hold_is_written_with_excels_escapes():
    data = _xlsx(xlsx_response("e.xlsx", ["t"], [["bell\x07"], ["nul\x00here"], ["_x0041_ stays as typed"]]))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "bell_x0007_" in sheet and "nul_x0000_here" in sheet
    assert "_x005F_x0041_ stays as typed" in sheet


def test_a_long_wide_xlsx_keeps_every_row_and_column_in_place():
    headers = [f"列{n}" for n in range(30)]  # past Z: AA, AB, ...
    rows = [[n, *(f"r{n}c{c}" for c in range(1, 30))] for n in range(2 * WRITE_CHUNK_ROWS + 3)]
    rows[1498][7] = "a<b & c "  # one cell of the second chunk needs escaping
    sheet = _sheet(_xlsx(xlsx_response("e.xlsx", headers, iter(rows))))
    assert sheet.max_row == len(rows) + 1
    assert sheet["AD1"].value == "列29"
    assert sheet[f"AD{len(rows) + 1}"].value == f"r{len(rows) - 1}c29"
    assert [cell.value for cell in sheet[1500]] == rows[1498]


def test_a_chunk_of_plain_text_numbers_blanks_and_dates_needs_no_cell_by_cell_care():
    """The fast paths: no formatting or escaping cell by cell when nothing needs it (most of an export's time)."""
    chunk = [
        ["C000001", "", "张伟", None, date(2024, 1, 2), 12, Decimal("368.00")],
        ["C000002", "", "", None, None, 0, None],
        ["C000003", "李四"],
    ]
    assert exports._csv_ready(chunk) is chunk
    assert exports._csv_ready([*chunk, ["C000004", "王五 "]]) is not chunk
    assert exports._csv_ready([*chunk, ["C000005", "", "", None, None, -1]]) is not chunk
    assert exports._csv_ready([*chunk, ["C000006", Decimal("-0.50")]]) is not chunk
