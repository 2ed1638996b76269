"""Writing lists out as CSV or xlsx downloads.

Rows come in as any iterable, typically `QuerySet.iterator(chunk_size=...)`
over a `for_user()` QuerySet (a server-side cursor on PostgreSQL), and leave
in chunks: memory stays that of one chunk however many rows are exported.

- CSV is UTF-8 with a BOM, so Excel shows Chinese; every cell is written as
  `cell_text` gives it and text Excel would run as a formula is quoted.
- xlsx is written by XlsxWriter in `constant_memory` mode into a temporary
  file, then streamed from disk. Text stays text (never a formula, a link or a
  number); numbers, booleans, dates and times become Excel values, aware
  datetimes in local time. docs/ARCHITECTURE.md ("Lists and exports") says why
  XlsxWriter and not openpyxl's write-only mode.
"""

import csv
import io
import math
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from functools import partial
from itertools import islice, zip_longest
from operator import is_not
from urllib.parse import quote

import xlsxwriter
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.timezone import is_aware

from .spreadsheets import cell_text

# Writers format and send rows this many at a time.
WRITE_CHUNK_ROWS = 1000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def content_disposition(filename: str) -> str:
    """attachment with an ASCII fallback and the real (Chinese) name per RFC 5987/6266."""
    fallback = filename.encode("ascii", "ignore").decode().replace('"', "").strip() or "export"
    if fallback.startswith("."):
        fallback = "export" + fallback
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _chunks(rows: Iterable[Sequence], size: int | None = None) -> Iterator[list[Sequence]]:
    size = size or WRITE_CHUNK_ROWS
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def local_clock() -> Callable[[datetime | None], datetime | None]:
    """What turns a datetime into the current zone's wall-clock time in whole seconds
    (what a spreadsheet shows); None stays None. The zone is looked up once per
    export, not once per cell."""
    zone = timezone.get_current_timezone()

    def local(value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if is_aware(value):
            value = value.astimezone(zone).replace(tzinfo=None)
        return value.replace(microsecond=0)

    return local


# --- CSV ---------------------------------------------------------------------------------------------


def _safe_text(value: str) -> str:
    """Text that Excel would run as a formula ("=HYPERLINK(...)" typed as a customer's name) is quoted."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_cell(value) -> str:
    return "" if value is None else _safe_text(cell_text(value))


_TEXT_OR_BLANK = frozenset({str, type(None)})
# Values the csv module writes exactly as `cell_text` would (None as "", a date
# as its ISO form, a whole number or a Decimal as str() does), provided no text
# needs stripping or quoting and no number is negative (a leading "-" is quoted).
_CSV_PLAIN_TYPES = frozenset({str, type(None), date, int, Decimal})
_NUMBERS = frozenset({int, Decimal})
_NUMBERS_OR_BLANK = _NUMBERS | {type(None)}
_NOT_NONE = partial(is_not, None)
# In `_chunk_text`: a cell starting with a formula character or white space, or ending with white space.
_CSV_NEEDS_CARE = re.compile(r"\n(?:[=+\-@\s]|(?<=\s\n))")


def _chunk_text(chunk: list[Sequence]) -> tuple[set[type], str, bool]:
    """(the types of the chunk's cells, all its text joined and framed by line
    breaks, whether a number is negative), column by column: one search of that
    text then tells whether any cell needs care. A line break inside a text can
    only raise a false alarm, which costs time, not correctness."""
    kinds: set[type] = set()
    texts = []
    negative = False
    for column in zip_longest(*chunk):  # short rows padded with None
        column_kinds = set(map(type, column))
        kinds |= column_kinds
        if str in column_kinds:  # empty texts left out: two line breaks in a row would look like white space
            strings = (
                filter(None, column) if column_kinds <= _TEXT_OR_BLANK else (v for v in column if type(v) is str and v)
            )
            if text := "\n".join(strings):
                texts.append(text)
        if not negative and column_kinds & _NUMBERS:
            if column_kinds <= _NUMBERS_OR_BLANK:
                numbers = filter(_NOT_NONE, column)
            else:
                numbers = (value for value in column if type(value) in _NUMBERS)
            try:
                negative = min(numbers, default=0) < 0
            except ArithmeticError:  # a Decimal NaN: leave it to the careful path
                negative = True
    return kinds, "\n" + "\n".join(texts) + "\n", negative


def _csv_ready(chunk: list[Sequence]) -> list[Sequence]:
    """The chunk's rows with every cell as the CSV shows it (`cell_text`, formulas quoted).

    Nearly every chunk holds only text, numbers, dates and blanks with nothing to
    strip or quote: one look at the whole chunk shows that, and its rows go to
    the writer as they are instead of through a Python call per cell."""
    kinds, text, negative = _chunk_text(chunk)
    if kinds <= _CSV_PLAIN_TYPES and not negative and not _CSV_NEEDS_CARE.search(text):
        return chunk
    return [[_csv_cell(value) for value in row] for row in chunk]


def csv_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence]) -> StreamingHttpResponse:
    """A CSV download streamed in chunks of rows, UTF-8 with a BOM so Excel shows Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def lines():
        buffer.write("\ufeff")
        writer.writerow([str(h) for h in headers])
        for chunk in _chunks(rows):
            writer.writerows(_csv_ready(chunk))
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        if header_only := buffer.getvalue():  # no rows
            yield header_only

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition(filename)
    return response


# --- xlsx --------------------------------------------------------------------------------------------


def write_xlsx(output, headers: Sequence[str], rows: Iterable[Sequence]) -> None:
    """An xlsx workbook of one sheet into the binary file `output`: headers in bold, then the rows."""
    workbook = xlsxwriter.Workbook(
        output,
        {
            # Each row is written to a temporary file as soon as the next one starts.
            "constant_memory": True,
            # Text is data typed by people: never a formula, a link or a number.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        sheet = workbook.add_worksheet()
        bold = workbook.add_format({"bold": True})
        formats = {
            date: workbook.add_format({"num_format": "yyyy-mm-dd"}),
            datetime: workbook.add_format({"num_format": "yyyy-mm-dd h:mm:ss"}),
            time: workbook.add_format({"num_format": "h:mm:ss"}),
        }
        local = local_clock()
        for column, header in enumerate(headers):
            sheet.write_string(0, column, str(header), bold)
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                _write_cell(sheet, number, column, value, formats, local)
    finally:
        workbook.close()


def _write_cell(sheet, row: int, column: int, value, formats: dict, local: Callable) -> None:
    kind = type(value)
    if kind is str:
        if value:
            sheet.write_string(row, column, value)
    elif value is None:
        return
    elif kind is bool:
        sheet.write_boolean(row, column, value)
    elif kind is date:
        sheet.write_datetime(row, column, value, formats[date])
    elif kind is datetime:
        sheet.write_datetime(row, column, local(value), formats[datetime])
    elif kind is time:
        sheet.write_datetime(row, column, value, formats[time])
    elif isinstance(value, int | float | Decimal) and math.isfinite(value):
        sheet.write_number(row, column, value)
    elif text := str(value):
        sheet.write_string(row, column, text)


def xlsx_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence]) -> FileResponse:
    """An xlsx download, written row by row into a temporary file, then streamed from disk."""
    output = tempfile.TemporaryFile()  # deleted when the response closes it
    try:
        write_xlsx(output, headers, rows)
    except BaseException:
        output.close()
        raise
    output.seek(0)
    response = FileResponse(output, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    return response


def export_response(fmt: str, filename: str, headers: Sequence[str], rows: Iterable[Sequence]):
    """The download of `rows` in `fmt` ("csv" or "xlsx")."""
    if fmt == "csv":
        return csv_response(filename, headers, rows)
    if fmt == "xlsx":
        return xlsx_response(filename, headers, rows)
    raise ValueError(fmt)


FORMATS = ("csv", "xlsx")
