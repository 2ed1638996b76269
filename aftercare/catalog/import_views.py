"""Pages for importing catalogue entries from a spreadsheet, the import
templates, and the list exports.

Import is two steps, as for customers: upload -> preview (every bad row with
its row number and reason, what would be created and updated) -> import, all
or nothing or only the valid rows. Between the steps the upload waits on disk
(`core.spreadsheets.stage_upload`) under a random name kept in the session.
"""

from django import forms
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
from aftercare.core.spreadsheets import (
    MAX_BYTES,
    MAX_ROWS,
    SpreadsheetError,
    discard_staged_upload,
    read_table,
    stage_upload,
    staged_upload_path,
    xlsx_response,
)
from aftercare.core.views import permission_required

from . import exports, imports
from .kinds import KINDS
from .views import catalog_read_required

SESSION_KEY = "catalog_import"
# A file of 20,000 rows with a wrong number format has 20,000 problems; the page shows the first ones.
ERRORS_SHOWN = 500


class CatalogImportForm(StyledForm):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"))
    scope = forms.ChoiceField(label=gettext_lazy("Import into"))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("Excel workbook (.xlsx) or CSV, at most %(mb)s MB and %(rows)s rows.")
        % {"mb": MAX_BYTES // (1024 * 1024), "rows": f"{MAX_ROWS:,}"},
    )

    def __init__(self, *args, store: Store, scopes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.slug, kind.label) for kind in imports.IMPORT_KINDS]
        self.fields["scope"].choices = [(scope, imports.scope_label(store, scope)) for scope in scopes]
        self.fields["scope"].initial = scopes[0]


def _import_store(request: HttpRequest) -> tuple[Store, list[str]]:
    """The current store and the levels the user may import into from it (403 if none)."""
    store = getattr(request, "store", None)
    scopes = imports.allowed_scopes(request.user, store)
    if not scopes:
        raise PermissionDenied
    return store, scopes


def _pending(request: HttpRequest):
    """The upload waiting for this session, its file and its store (404 if none)."""
    pending = request.session.get(SESSION_KEY)
    if not pending:
        raise Http404
    path = staged_upload_path(pending["token"])
    store = Store.objects.filter(pk=pending["store_id"]).select_related("group").first()
    if path is None or store is None:
        request.session.pop(SESSION_KEY, None)
        raise Http404
    if pending["scope"] not in imports.allowed_scopes(request.user, store):
        raise PermissionDenied
    return pending, path, store


def _discard(request: HttpRequest) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        discard_staged_upload(pending["token"])


def _read_pending(path):
    with open(path, "rb") as upload:
        return read_table(upload)


@permission_required(Perm.CATALOG_MANAGE)
def catalog_import(request: HttpRequest) -> HttpResponse:
    """Upload a file; it is read at once, so a file that is not a usable table is refused here."""
    store, scopes = _import_store(request)
    initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") in imports.IMPORT_KINDS_BY_SLUG else {}
    form = CatalogImportForm(request.POST or None, request.FILES or None, store=store, scopes=scopes, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            kind = form.cleaned_data["kind"]
            try:
                headers, _rows = read_table(upload)
                imports.column_map_for(imports.import_kind(kind), headers)
            except SpreadsheetError as error:
                form.add_error("file", error.message)
            else:
                _discard(request)
                request.session[SESSION_KEY] = {
                    "token": stage_upload(upload),
                    "kind": kind,
                    "scope": form.cleaned_data["scope"],
                    "filename": upload.name[:200],
                    "store_id": store.pk,
                }
                return redirect("catalog:import_preview")
        status = 400
    columns = [
        (kind.slug, kind.label, [(aliases[0], aliases[1:], name in required) for name, aliases in spec.items()])
        for kind in imports.IMPORT_KINDS
        for spec, required in [(kind.columns, kind.required)]
    ]
    context = {
        "form": form,
        "store": store,
        "columns": columns,
        "kinds": KINDS,
        "selected_kind": form["kind"].value() or imports.IMPORT_KINDS[0].slug,
    }
    return render(request, "catalog/import_upload.html", context, status=status)


def _report_context(preview: imports.ImportPreview, pending: dict, store: Store) -> dict:
    kind = imports.import_kind(pending["kind"])
    return {
        "preview": preview,
        "pending": pending,
        "store": store,
        "import_kind": kind,
        "kinds": KINDS,
        "scope_label": imports.scope_label(store, pending["scope"]),
        "errors_shown": preview.errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(preview.errors) - ERRORS_SHOWN),
    }


@permission_required(Perm.CATALOG_MANAGE)
def catalog_import_preview(request: HttpRequest) -> HttpResponse:
    pending, path, store = _pending(request)
    try:
        headers, rows = _read_pending(path)
        preview = imports.preview_import(
            actor=request.user, store=store, scope=pending["scope"], kind=pending["kind"], headers=headers, rows=rows
        )
    except SpreadsheetError as error:
        _discard(request)
        messages.error(request, error.message)
        return redirect("catalog:import")
    return render(request, "catalog/import_preview.html", _report_context(preview, pending, store))


@permission_required(Perm.CATALOG_MANAGE)
@require_POST
def catalog_import_run(request: HttpRequest) -> HttpResponse:
    pending, path, store = _pending(request)
    mode = request.POST.get("mode")
    if mode not in imports.MODES:
        return redirect("catalog:import_preview")
    try:
        headers, rows = _read_pending(path)
        result = imports.run_import(
            actor=request.user,
            store=store,
            scope=pending["scope"],
            kind=pending["kind"],
            headers=headers,
            rows=rows,
            mode=mode,
            filename=pending["filename"],
        )
    except SpreadsheetError as error:
        _discard(request)
        messages.error(request, error.message)
        return redirect("catalog:import")
    context = _report_context(result, pending, store)
    if result.rolled_back:
        # Nothing was written; keep the file so the user can still import the valid rows.
        messages.error(request, _("Nothing was imported: some rows have problems (listed below)."))
        return render(request, "catalog/import_preview.html", context)
    _discard(request)
    messages.success(
        request,
        _("%(created)d entries created and %(updated)d updated from %(total)d rows.")
        % {"created": result.created, "updated": result.updated, "total": result.total},
    )
    return render(request, "catalog/import_result.html", context)


@permission_required(Perm.CATALOG_MANAGE)
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """An xlsx with the columns the import expects and one example row."""
    if kind not in imports.IMPORT_KINDS_BY_SLUG:
        raise Http404
    headers, rows = imports.template_rows(kind)
    filename = _("%(kind)s import template") % {"kind": imports.import_kind(kind).label}
    return xlsx_response(f"{filename}.xlsx", headers, rows)


@catalog_read_required
def item_export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """The current store's effective list of one kind, in the import's columns."""
    if kind not in imports.IMPORT_KINDS_BY_SLUG or fmt not in exports.FORMATS:
        raise Http404
    return exports.export_list(user=request.user, store=request.store, kind=kind, fmt=fmt)
