"""Spreadsheet uploads built in memory, for the import tests of every app."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation


def csv_upload(headers, rows, encoding="utf-8-sig", name="list.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), content_type="text/csv")


def xlsx_upload(headers, rows, name="list.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def english_uploads(settings, tmp_path):
    """Messages asserted in English, whatever the translations say; uploads wait in a temporary folder."""
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield
