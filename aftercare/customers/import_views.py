"""Pages for importing customers and vehicles from a spreadsheet, the import
templates, and the list exports.

Import is two steps: upload -> preview (every bad row with its row number and
reason) -> import, all or nothing or only the valid rows. Between the steps
the upload waits in MEDIA_ROOT/imports/ under a random name kept in the
session, and is deleted after the import (or after a day, if abandoned).
"""

import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftercare.core.forms import StyledForm
from aftercare.core.models import Store
from aftercare.core.permissions import Perm
from aftercare.core.spreadsheets import MAX_BYTES, MAX_ROWS, SpreadsheetError, read_table, xlsx_response
from aftercare.core.views import permission_required

from . import exports, imports
from .filters import CustomerFilterSet
from .models import Customer

SESSION_KEY = "customer_import"
ABANDONED_AFTER_SECONDS = 24 * 3600
# A file of 20,000 rows with a wrong date format has 20,000 problems; the page shows the first ones.
ERRORS_SHOWN = 500


class ImportUploadForm(StyledForm):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=list(imports.KINDS.items()))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("Excel workbook (.xlsx) or CSV, at most %(mb)s MB and %(rows)s rows.")
        % {"mb": MAX_BYTES // (1024 * 1024), "rows": f"{MAX_ROWS:,}"},
    )


def _import_dir() -> Path:
    directory = Path(settings.MEDIA_ROOT) / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _forget_abandoned_uploads(directory: Path) -> None:
    cutoff = time.time() - ABANDONED_AFTER_SECONDS
    for path in directory.glob("*.upload"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:  # another request removed it first
            pass


def _pending(request: HttpRequest) -> tuple[dict, Path, Store]:
    """The upload waiting for this session, its file and its store (404 if none)."""
    pending = request.session.get(SESSION_KEY)
    if not pending:
        raise Http404
    path = _import_dir() / f"{pending['token']}.upload"
    store = Store.objects.filter(pk=pending["store_id"]).first()
    if not path.exists() or store is None:
        request.session.pop(SESSION_KEY, None)
        raise Http404
    if not request.user.has_perm(Perm.CUSTOMER_EDIT, store):
        raise PermissionDenied
    return pending, path, store


def _discard(request: HttpRequest, path: Path | None = None) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if path is None and pending:
        path = _import_dir() / f"{pending['token']}.upload"
    if path is not None:
        path.unlink(missing_ok=True)


def _import_store(request: HttpRequest) -> Store:
    store = getattr(request, "store", None)
    if store is None or not request.user.has_perm(Perm.CUSTOMER_EDIT, store):
        raise PermissionDenied
    return store


@permission_required(Perm.CUSTOMER_EDIT)
def customer_import(request: HttpRequest) -> HttpResponse:
    """Upload a file; it is read at once, so a file that is not a usable table is refused here."""
    store = _import_store(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            kind = form.cleaned_data["kind"]
            try:
                headers, _rows = read_table(upload)
                imports._column_map(kind, headers)
            except SpreadsheetError as error:
                form.add_error("file", error.message)
            else:
                directory = _import_dir()
                _forget_abandoned_uploads(directory)
                _discard(request)
                token = secrets.token_urlsafe(24)
                with open(directory / f"{token}.upload", "wb") as target:
                    upload.seek(0)
                    for chunk in upload.chunks():
                        target.write(chunk)
                request.session[SESSION_KEY] = {
                    "token": token, "kind": kind, "filename": upload.name[:200], "store_id": store.pk,
                }  # fmt: skip
                return redirect("customers:customer_import_preview")
        status = 400
    columns = [
        (kind, label, [(aliases[0], aliases[1:], name in required) for name, aliases in spec.items()])
        for kind, label in imports.KINDS.items()
        for spec, required in [imports.SPECS[kind]]
    ]
    context = {"form": form, "store": store, "columns": columns}
    return render(request, "customers/import_upload.html", context, status=status)


def _report_context(preview: imports.ImportPreview, pending: dict, store: Store) -> dict:
    return {
        "preview": preview,
        "pending": pending,
        "store": store,
        "kind_label": imports.KINDS[pending["kind"]],
        "errors_shown": preview.errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(preview.errors) - ERRORS_SHOWN),
    }


def _read_pending(path: Path):
    with open(path, "rb") as upload:
        return read_table(upload)


@permission_required(Perm.CUSTOMER_EDIT)
def customer_import_preview(request: HttpRequest) -> HttpResponse:
    pending, path, store = _pending(request)
    try:
        headers, rows = _read_pending(path)
        preview = imports.preview_import(
            actor=request.user, store=store, kind=pending["kind"], headers=headers, rows=rows
        )
    except SpreadsheetError as error:
        _discard(request, path)
        messages.error(request, error.message)
        return redirect("customers:customer_import")
    return render(request, "customers/import_preview.html", _report_context(preview, pending, store))


@permission_required(Perm.CUSTOMER_EDIT)
@require_POST
def customer_import_run(request: HttpRequest) -> HttpResponse:
    pending, path, store = _pending(request)
    mode = request.POST.get("mode")
    if mode not in imports.MODES:
        return redirect("customers:customer_import_preview")
    try:
        headers, rows = _read_pending(path)
        result = imports.run_import(
            actor=request.user, store=store, kind=pending["kind"], headers=headers, rows=rows, mode=mode,
            filename=pending["filename"],
        )  # fmt: skip
    except SpreadsheetError as error:
        _discard(request, path)
        messages.error(request, error.message)
        return redirect("customers:customer_import")
    context = _report_context(result, pending, store)
    if result.rolled_back:
        # Nothing was written; keep the file so the user can still import the valid rows.
        messages.error(request, _("Nothing was imported: some rows have problems (listed below)."))
        return render(request, "customers/import_preview.html", context)
    _discard(request, path)
    messages.success(
        request,
        _("%(created)d of %(total)d rows imported.") % {"created": result.created, "total": result.total},
    )
    return render(request, "customers/import_result.html", context)


@permission_required(Perm.CUSTOMER_EDIT)
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """An xlsx with the columns the import expects and one example row."""
    if kind not in imports.KINDS:
        raise Http404
    headers, rows = imports.template_rows(kind)
    filename = _("%(kind)s import template") % {"kind": imports.KINDS[kind]}
    return xlsx_response(f"{filename}.xlsx", headers, rows)


def _export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    if fmt not in exports.FORMATS:
        raise Http404
    queryset = None
    if kind == exports.CUSTOMERS and request.GET:
        # The list page's filters: the export holds what the list shows.
        queryset = CustomerFilterSet(
            request.GET, queryset=Customer.objects.for_user(request.user, Perm.CUSTOMER_VIEW)
        ).qs
    return exports.export_list(user=request.user, kind=kind, fmt=fmt, queryset=queryset)


@permission_required(Perm.DATA_EXPORT)
def customer_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return _export(request, exports.CUSTOMERS, fmt)


@permission_required(Perm.DATA_EXPORT)
def vehicle_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return _export(request, exports.VEHICLES, fmt)
