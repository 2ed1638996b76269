"""The pages of every spreadsheet import: upload -> preview -> result.

An app describes its import with an `ImportFlow` (its kinds, who may import
where, the URL names) and routes four URLs to `upload`, `preview`, `run` and
`result`. Between upload and import the file waits on disk
(`core.spreadsheets.stage_upload`) under a random name kept in the session.

Every step is safe to repeat with Back or a reload: the import itself is a POST
answered by a redirect to the result (Post/Redirect/Get), and a preview or an
import of a file already imported leads to that import's result, never to a
404 page.
"""

from collections.abc import Callable, Sequence

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import imports as pipeline
from .exports import xlsx_response
from .forms import StyledForm
from .imports import MODES, ImportResult, column_map_for, template_rows
from .models import Store
from .spreadsheets import (
    MAX_BYTES,
    MAX_ROWS,
    SpreadsheetError,
    discard_staged_upload,
    read_table,
    stage_upload,
    staged_upload_path,
)

# A file of 20,000 rows with a wrong date format has 20,000 problems; the page shows the first ones.
ERRORS_SHOWN = 500


class ImportForm(StyledForm):
    """What the file holds, and the file; an app's flow may add fields (the catalogue's level)."""

    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("Excel workbook (.xlsx) or CSV, at most %(mb)s MB and %(rows)s rows.")
        % {"mb": MAX_BYTES // (1024 * 1024), "rows": f"{MAX_ROWS:,}"},
    )

    def __init__(self, *args, kinds: Sequence, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.slug, kind.label) for kind in kinds]


class ImportKindInfo:
    """One kind the flow imports, as the upload page lists it."""

    def __init__(self, slug: str, spec, note: str = ""):
        self.slug, self.spec, self.note = slug, spec, note
        self.label = spec.label

    @property
    def columns(self) -> list[tuple[str, list[str], bool]]:
        """(canonical header, other accepted headers, required) of each column."""
        return [(aliases[0], aliases[1:], name in self.spec.required) for name, aliases in self.spec.columns.items()]


class ImportFlow:
    """One app's import: subclasses fill in the attributes and methods below."""

    session_key = ""
    permission = ""
    title = ""
    intro = ""
    footnote = ""
    # URL names: the four steps, the template of a kind (takes the kind), where "back" goes.
    upload_url = preview_url = run_url = result_url = template_url = back_url = ""
    back_label = ""
    form_class: type[ImportForm] = ImportForm
    json_records = False  # also a JSON array of records (core.spreadsheets.read_table)

    def kinds(self) -> list[ImportKindInfo]:
        raise NotImplementedError

    def store(self, request: HttpRequest) -> Store:
        """The store the upload goes into; PermissionDenied if the user may not import there."""
        raise NotImplementedError

    def form_kwargs(self, request: HttpRequest, store: Store) -> dict:
        return {}

    def pending_extra(self, form) -> dict:
        """What else of the upload form the later steps need (the catalogue's level)."""
        return {}

    def importer_factory(self, request: HttpRequest, pending: dict, store: Store) -> Callable:
        """core.imports' make_importer for the pending upload; PermissionDenied if the user may no longer import."""
        raise NotImplementedError

    def audit_store(self, request: HttpRequest, pending: dict, store: Store):
        return store

    def where(self, pending: dict, store: Store) -> str:
        """Where the rows go, as the pages say it."""
        return str(store)

    def intro_for(self, store: Store) -> str:
        return self.intro

    def counts(self, result: ImportResult, *, done: bool) -> list[tuple[str, int, str]]:
        """(label, number, CSS class) of the counts a preview (`done` False) and a result show."""
        raise NotImplementedError

    def done_message(self, result: ImportResult) -> str:
        raise NotImplementedError

    def back_href(self, kind: str) -> str:
        return reverse(self.back_url)

    def upload_href(self, kind: str) -> str:
        return f"{reverse(self.upload_url)}?kind={kind}"

    # ---

    def kind(self, slug: str) -> ImportKindInfo:
        for kind in self.kinds():
            if kind.slug == slug:
                return kind
        raise Http404


def _context(flow: ImportFlow, slug: str, **extra) -> dict:
    return {
        "flow": flow,
        "back_href": flow.back_href(slug),
        "upload_href": flow.upload_href(slug),
        "run_href": reverse(flow.run_url),
        **extra,
    }


def upload(request: HttpRequest, flow: ImportFlow) -> HttpResponse:
    """Upload a file; it is read at once, so a file that is not a usable table is refused here."""
    store = flow.store(request)
    kinds = flow.kinds()
    slugs = [kind.slug for kind in kinds]
    initial = {"kind": request.GET["kind"]} if request.GET.get("kind") in slugs else {}
    form = flow.form_class(
        request.POST or None, request.FILES or None, kinds=kinds, initial=initial, **flow.form_kwargs(request, store)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            file, kind = form.cleaned_data["file"], form.cleaned_data["kind"]
            try:
                headers, _rows = read_table(file, json_records=flow.json_records)
                column_map_for(flow.kind(kind).spec, headers)
            except SpreadsheetError as error:
                form.add_error("file", error.message)
            else:
                _forget_pending(request, flow)
                request.session[flow.session_key] = {
                    "token": stage_upload(file), "kind": kind, "filename": file.name[:200], "store_id": store.pk,
                    **flow.pending_extra(form),
                }  # fmt: skip
                return redirect(flow.preview_url)
        status = 400
    selected = form["kind"].value() or slugs[0]
    context = _context(
        flow, selected, form=form, store=store, kinds=kinds, selected_kind=selected, intro=flow.intro_for(store)
    )
    return render(request, "imports/upload.html", context, status=status)


def _forget_pending(request: HttpRequest, flow: ImportFlow) -> None:
    pending = request.session.pop(flow.session_key, None)
    if pending and pending.get("token"):
        discard_staged_upload(pending["token"])


def _result_key(flow: ImportFlow) -> str:
    return f"{flow.session_key}_result"


def _nothing_pending(request: HttpRequest, flow: ImportFlow) -> HttpResponse:
    """Where a preview or an import without a file waiting goes: Back and a
    reload after an import show that import's result, anything else the upload."""
    if request.session.get(_result_key(flow)):
        messages.info(request, _("This file has already been imported; here is the result."))
        return redirect(flow.result_url)
    messages.info(request, _("No file is waiting to be imported. Upload one."))
    return redirect(flow.upload_url)


def _pending(request: HttpRequest, flow: ImportFlow):
    """(pending, path, store) of the upload waiting for this session, or None."""
    pending = request.session.get(flow.session_key)
    if not pending:
        return None
    path = staged_upload_path(pending.get("token"))
    store = Store.objects.filter(pk=pending.get("store_id")).select_related("group").first()
    if path is None or store is None:
        request.session.pop(flow.session_key, None)
        return None
    return pending, path, store


def _read(path, flow: ImportFlow):
    with open(path, "rb") as file:
        return read_table(file, json_records=flow.json_records)


def _report(flow: ImportFlow, result: ImportResult, pending: dict, store: Store, *, done: bool = False) -> dict:
    return _context(
        flow,
        pending["kind"],
        preview=result,
        pending=pending,
        store=store,
        kind=flow.kind(pending["kind"]),
        where=flow.where(pending, store),
        counts=flow.counts(result, done=done),
        errors_shown=result.errors[:ERRORS_SHOWN],
        errors_hidden=max(0, len(result.errors) - ERRORS_SHOWN),
    )


def preview(request: HttpRequest, flow: ImportFlow) -> HttpResponse:
    found = _pending(request, flow)
    if found is None:
        return _nothing_pending(request, flow)
    pending, path, store = found
    make = flow.importer_factory(request, pending, store)
    try:
        result = pipeline.preview(make, *_read(path, flow))
    except SpreadsheetError as error:
        _forget_pending(request, flow)
        messages.error(request, error.message)
        return redirect(flow.upload_url)
    return render(request, "imports/preview.html", _report(flow, result, pending, store))


@require_POST
def run(request: HttpRequest, flow: ImportFlow) -> HttpResponse:
    found = _pending(request, flow)
    if found is None:
        return _nothing_pending(request, flow)
    pending, path, store = found
    mode = request.POST.get("mode")
    if mode not in MODES:
        return redirect(flow.preview_url)
    make = flow.importer_factory(request, pending, store)
    try:
        headers, rows = _read(path, flow)
        result = pipeline.run(
            make, headers, rows, mode=mode, filename=pending["filename"],
            audit_store=flow.audit_store(request, pending, store),
        )  # fmt: skip
    except SpreadsheetError as error:
        _forget_pending(request, flow)
        messages.error(request, error.message)
        return redirect(flow.upload_url)
    if result.rolled_back:
        # Nothing was written; the file stays so that the valid rows can still be imported.
        messages.error(request, _("Nothing was imported: some rows have problems (listed below)."))
        return redirect(flow.preview_url)
    _forget_pending(request, flow)
    report = _report(flow, result, pending, store, done=True)
    request.session[_result_key(flow)] = {
        "kind": pending["kind"],
        "filename": pending["filename"],
        "where": str(report["where"]),
        "counts": [(str(label), number, css) for label, number, css in report["counts"]],
        "invalid": result.invalid,
        # Escaped here: a service's message may hold a link to the record a row clashes with.
        "errors": [(e.row, e.field, str(conditional_escape(e.message))) for e in report["errors_shown"]],
        "errors_hidden": report["errors_hidden"],
    }
    messages.success(request, flow.done_message(result))
    return redirect(flow.result_url)


def result(request: HttpRequest, flow: ImportFlow) -> HttpResponse:
    """The last import of this session, shown again as often as it is asked for."""
    done = request.session.get(_result_key(flow))
    if not done:
        messages.info(request, _("No file is waiting to be imported. Upload one."))
        return redirect(flow.upload_url)
    errors = [
        {"row": row, "field": field, "message": mark_safe(message)}  # escaped when it was kept  # noqa: S308
        for row, field, message in done["errors"]
    ]
    context = _context(
        flow,
        done["kind"],
        done=done,
        kind=flow.kind(done["kind"]),
        where=done["where"],
        counts=[tuple(count) for count in done["counts"]],
        preview={"errors": errors, "invalid": done["invalid"]},
        errors_shown=errors,
        errors_hidden=done["errors_hidden"],
    )
    return render(request, "imports/result.html", context)


def template(request: HttpRequest, flow: ImportFlow, kind: str) -> HttpResponse:
    """An xlsx with the columns the import expects and one example row."""
    info = flow.kind(kind)
    headers, rows = template_rows(info.spec)
    filename = _("%(kind)s import template") % {"kind": info.label}
    return xlsx_response(f"{filename}.xlsx", headers, rows)


def require_store(request: HttpRequest, allowed: Callable[[Store], bool]) -> Store:
    """The current store, if `allowed` says the user may import into it (403 otherwise)."""
    store = getattr(request, "store", None)
    if store is None or not allowed(store):
        raise PermissionDenied
    return store
