"""Reading uploaded spreadsheets (xlsx and CSV): tables, columns and cells.

Uploads come from whatever the store's PC produced: Chinese Excel writes CSV
in GB18030, WPS writes xlsx, people rename a photo to .xlsx. Everything a user
can get wrong ends in a `SpreadsheetError` whose message can be shown as is,
never in a 500. Writing downloads is core/exports.py; the import pipeline
(preview, row errors, modes) is core/imports.py.
"""

import csv
import io
import json
import re
import secrets
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
# An xlsx is a zip: a small upload can unpack to gigabytes (a zip bomb), and
# openpyxl holds the shared-strings table in memory even in read-only mode.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024

_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (OLE2)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_HEADER_NOISE = re.compile(r"[\s*＊:：_\-()（）\[\]【】]")


class SpreadsheetError(Exception):
    """The upload cannot be read as a table; `message` is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SheetRow(NamedTuple):
    """A data row and its number as the user sees it in Excel (the header is row 1)."""

    number: int
    values: tuple


# --- reading ------------------------------------------------------------------------


def read_table(uploaded_file, *, max_rows: int | None = None, max_bytes: int | None = None, json_records=False):
    """(headers, rows) of the first sheet of an xlsx or of a CSV file; with `json_records`, also of
    a JSON array of objects (or {"rows": [...]}): the keys are the headers and record N is numbered
    N + 1, as the same records would be in a sheet under a header row.

    The format is told from the content, not the file name. The limits
    default to MAX_ROWS and MAX_BYTES. `headers` are the
    texts of the first non-empty row (a blank line above it is tolerated);
    `rows` are the SheetRows below it, blank rows left out but counted, so
    row numbers match what Excel shows.
    """
    max_rows = MAX_ROWS if max_rows is None else max_rows
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    data = _read_bounded(uploaded_file, max_bytes)
    if not data.strip():
        raise SpreadsheetError(_("The file is empty."))
    if data.startswith(_XLSX_MAGIC):
        lines = _xlsx_rows(data, max_rows)
    elif data.startswith(_XLS_MAGIC):
        raise SpreadsheetError(
            _(
                "This is an old Excel 97-2003 file (.xls). Save it as an Excel workbook (.xlsx) or as CSV and "
                "upload again."
            )
        )
    elif json_records and data.lstrip()[:1] in (b"[", b"{"):
        lines = _json_rows(data, max_rows)
    else:
        lines = _csv_rows(data, max_rows)
    return _split_header(lines, max_rows)


def _json_rows(data: bytes, max_rows: int) -> list[SheetRow]:
    try:
        records = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SpreadsheetError(_("This file is not valid JSON.")) from None
    if isinstance(records, dict):
        records = records.get("rows")
    if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
        raise SpreadsheetError(_("The JSON file must hold a list of objects, one per row."))
    if len(records) > max_rows:
        raise _too_many_rows(max_rows)
    headers: dict[str, None] = {}
    for record in records:
        headers.update(dict.fromkeys(str(key) for key in record))
    keys = list(headers)
    values = [tuple(_json_cell(record.get(key)) for key in keys) for record in records]
    return [SheetRow(1, tuple(keys)), *(SheetRow(i + 2, row) for i, row in enumerate(values) if not _is_blank(row))]


def _json_cell(value):
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _read_bounded(uploaded_file, max_bytes: int) -> bytes:
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > max_bytes:
        raise _too_big(max_bytes)
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    data = uploaded_file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_big(max_bytes)
    return data


def _too_big(max_bytes: int) -> SpreadsheetError:
    return SpreadsheetError(
        _("The file is larger than %(size)s MB. Split it into smaller files.") % {"size": max_bytes // (1024 * 1024)}
    )


def _too_many_rows(max_rows: int) -> SpreadsheetError:
    return SpreadsheetError(
        _("The file has more than %(rows)s rows. Split it into smaller files.") % {"rows": f"{max_rows:,}"}
    )


def _not_a_spreadsheet() -> SpreadsheetError:
    return SpreadsheetError(_("This file is not a spreadsheet. Upload an Excel workbook (.xlsx) or a CSV file."))


def _xlsx_rows(data: bytes, max_rows: int) -> list[SheetRow]:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise _too_big(MAX_BYTES)
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except SpreadsheetError:
        raise
    except Exception as error:  # BadZipFile, KeyError (a zip but no workbook), InvalidFileException...
        raise _not_a_spreadsheet() from error
    try:
        if not workbook.worksheets:
            raise SpreadsheetError(_("The file is empty."))
        sheet = workbook.worksheets[0]
        # Some programs write a wrong <dimension>; without this openpyxl would cut rows off.
        sheet.reset_dimensions()
        return _numbered(sheet.iter_rows(values_only=True), max_rows)
    except SpreadsheetError:
        raise
    except Exception as error:  # a damaged sheet inside a valid zip
        raise _not_a_spreadsheet() from error
    finally:
        workbook.close()


def _numbered(lines: Iterable[Sequence], max_rows: int) -> list[SheetRow]:
    """The non-blank lines with their 1-based line numbers; stops as soon as
    there are more than a header and max_rows rows."""
    numbered = []
    for number, values in enumerate(lines, start=1):
        if not _is_blank(values):
            numbered.append(SheetRow(number=number, values=tuple(values)))
            if len(numbered) > max_rows + 1:
                raise _too_many_rows(max_rows)
    return numbered


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        # UTF-16 text or binary data (an image, a PDF): not what we accept.
        raise _not_a_spreadsheet()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:8192]
        if sample and len(_CONTROL.findall(sample)) > len(sample) // 100:
            raise _not_a_spreadsheet()
        return text
    raise _not_a_spreadsheet()


def _csv_rows(data: bytes, max_rows: int) -> list[SheetRow]:
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        return _numbered(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), max_rows)
    except csv.Error as error:
        raise _not_a_spreadsheet() from error


def _is_blank(values: Sequence) -> bool:
    return all(cell_text(value) == "" for value in values)


def _split_header(lines: list[SheetRow], max_rows: int) -> tuple[list[str], list[SheetRow]]:
    if not lines:
        raise SpreadsheetError(_("The file is empty."))
    headers = [cell_text(value) for value in lines[0].values]
    rows = lines[1:]
    if not rows:
        raise SpreadsheetError(_("The file has column names but no rows below them."))
    if len(rows) > max_rows:
        raise _too_many_rows(max_rows)
    return headers, rows


def cell_text(value) -> str:
    """A cell as text: Excel stores 13812345678 as a number (maybe 13812345678.0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# --- matching columns -------------------------------------------------------------------


def _header_key(text: str) -> str:
    return _HEADER_NOISE.sub("", text).lower()


@dataclass
class ColumnMap:
    """Which column holds which field; what was missing or not understood."""

    headers: list[str] = field(default_factory=list)  # as the file has them
    columns: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # the headers expected for missing required fields
    unknown: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)

    def values(self, row: Sequence) -> dict:
        """{field: raw cell value} of one row; absent cells are None."""
        return {name: (row[index] if index < len(row) else None) for name, index in self.columns.items()}


def match_headers(headers: Sequence[str], spec: dict[str, Sequence[str]], required: Iterable[str] = ()) -> ColumnMap:
    """Match the file's headers against `spec` ({field: accepted headers, the
    first one the canonical Chinese name}). Case, spaces, '*' and brackets are
    ignored, so "手机号*", "Mobile" and "手 机" all match."""
    accepted = {_header_key(alias): name for name, aliases in spec.items() for alias in aliases}
    result = ColumnMap(headers=list(headers))
    for index, header in enumerate(headers):
        if not header:
            continue
        name = accepted.get(_header_key(header))
        if name is None:
            result.unknown.append(header)
        elif name in result.columns:
            result.duplicated.append(header)
        else:
            result.columns[name] = index
    result.missing = [spec[name][0] for name in required if name not in result.columns]
    return result


def missing_columns_error(columns: Sequence[str]) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "Required columns are missing: %(columns)s. The first row must hold the column names; download the "
            "template to see them."
        )
        % {"columns": "、".join(columns)}
    )


def require_columns(column_map: ColumnMap) -> None:
    """Raise the error a user sees for a file with the wrong columns."""
    if column_map.missing:
        raise missing_columns_error(column_map.missing)
    if column_map.duplicated:
        raise SpreadsheetError(
            _("These columns appear twice: %(columns)s. Keep one of each.")
            % {"columns": "、".join(column_map.duplicated)}
        )


# --- reading cells ----------------------------------------------------------------------------


class CellError(Exception):
    """One cell cannot be read; the message is for the user (shown with the row number)."""


_YES_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "✔"}
_NO_WORDS = {"否", "n", "no", "false", "0", "×", "✗"}
_NUMBER_NOISE = re.compile(r"[\s,，¥￥]|元|rmb|cny", re.IGNORECASE)


_SPACES = re.compile(r"\s+")


class ChoiceReader:
    """Reads a cell as one of `choices`: its value, its label in any of the site's
    languages (so an export imports back) or one of the `synonyms` dealers' files
    use ({value: [words]}). Case and spaces are ignored."""

    def __init__(self, choices, synonyms: dict | None = None):
        self.choices = choices
        self.lookup = {self.key(value): value for value in choices.values}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                self.lookup.update({self.key(str(label)): value for value, label in choices.choices})
        for value, words in (synonyms or {}).items():
            self.lookup.update({self.key(word): value for word in words})

    @staticmethod
    def key(text: str) -> str:
        return _SPACES.sub("", text).lower()

    def find(self, text: str) -> str | None:
        return self.lookup.get(self.key(text))

    def __call__(self, raw) -> str:
        text = cell_text(raw)
        value = self.find(text)
        if value is None:
            raise CellError(
                _("Unknown value “%(value)s”. Use one of: %(choices)s.")
                % {"value": text, "choices": "、".join(str(label) for label in self.choices.labels)}
            )
        return value


def parse_yes_no(value, *, yes: Iterable[str] = (), no: Iterable[str] = ()) -> bool | None:
    """是/否, yes/no, y/n, 1/0, √/× and the column's own words `yes` and `no`; None for an empty cell."""
    text = cell_text(value).lower()
    if text == "":
        return None
    if text in _YES_WORDS or text in yes:
        return True
    if text in _NO_WORDS or text in no:
        return False
    raise CellError(_("Enter 是 or 否 (yes or no)."))


def parse_decimal(value) -> Decimal | None:
    """A number as Decimal, None for an empty cell. Thousands separators and
    a currency sign or 元 are ignored ("¥1,280.00", "1280元"). An Excel float
    goes through str(), so 0.1 stays 0.1 and not 0.1000000000000000055511151231257827."""
    if isinstance(value, bool):
        raise CellError(_("Enter a number such as 1.5."))
    if isinstance(value, Decimal | int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    else:
        text = _NUMBER_NOISE.sub("", cell_text(value))
        if text == "":
            return None
        try:
            number = Decimal(text)
        except ArithmeticError:  # decimal.InvalidOperation
            raise CellError(_("Enter a number such as 1.5.")) from None
    if not number.is_finite():
        raise CellError(_("Enter a number such as 1.5."))
    return number


# --- keeping an upload between preview and import ---------------------------------------------------

STAGED_UPLOAD_MAX_AGE_SECONDS = 24 * 3600
_STAGE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _staging_dir() -> Path:
    directory = Path(settings.MEDIA_ROOT) / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def stage_upload(uploaded_file) -> str:
    """Keep an upload on disk (MEDIA_ROOT/imports/<token>.upload) until the user
    has seen the preview and chosen how to import; returns the token to keep in
    the session. Uploads abandoned for a day are removed on the way."""
    directory = _staging_dir()
    cutoff = datetime.now().timestamp() - STAGED_UPLOAD_MAX_AGE_SECONDS
    for path in directory.glob("*.upload"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:  # another request removed it first
            pass
    token = secrets.token_urlsafe(24)
    with open(directory / f"{token}.upload", "wb") as target:
        uploaded_file.seek(0)
        for chunk in uploaded_file.chunks():
            target.write(chunk)
    return token


def staged_upload_path(token: str) -> Path | None:
    """The staged file of `token`, or None when it is gone (imported, abandoned, or a bad token)."""
    if not isinstance(token, str) or not _STAGE_TOKEN.match(token):
        return None
    path = _staging_dir() / f"{token}.upload"
    return path if path.exists() else None


def discard_staged_upload(token: str) -> None:
    if path := staged_upload_path(token):
        path.unlink(missing_ok=True)
