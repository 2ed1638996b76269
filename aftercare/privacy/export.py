"""A customer's export (docs/DOMAIN.md §16.5): one zip with a readable summary
(summary.html), every section as JSON (data.json) and as CSV (csv/<section>.csv),
and the photos of their vehicles. Built from the registered sections when it is
downloaded, in memory (one customer's data), never stored on disk nor emailed."""

import csv
import io
import json
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone

from .registry import sections


def export_data(customer) -> list[tuple[object, list[dict]]]:
    return [(section, section.rows(customer)) for section in sections()]


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: json.dumps(v, cls=DjangoJSONEncoder, ensure_ascii=False) if isinstance(v, (list, dict))
                             else ("" if v is None else v) for k, v in row.items()})  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _table(section, rows: list[dict]) -> dict:
    headers = list(rows[0]) if rows else []
    return {"section": section, "headers": headers, "rows": [[row[h] for h in headers] for row in rows]}


def build_zip(customer, *, request_number: str = "") -> bytes:
    data = export_data(customer)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json",
            json.dumps({s.key: rows for s, rows in data}, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
        )
        for section, rows in data:
            archive.writestr(f"csv/{section.key}.csv", _csv(rows))
        files = []
        for section, _rows in data:
            for name, handle in section.files(customer) if section.files else ():
                with handle.open("rb") as opened:
                    archive.writestr(name, opened.read())
                files.append(name)
        archive.writestr(
            "summary.html",
            render_to_string(
                "privacy/export_summary.html",
                {"customer": customer, "sections": [_table(s, rows) for s, rows in data],
                 "files": files, "number": request_number, "now": timezone.now()},
            ),
        )  # fmt: skip
    return buffer.getvalue()
