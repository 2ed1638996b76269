"""Warranty's spreadsheet imports on the one import flow (core/import_views.py):
policies, the carmaker's answer file and payment list (docs/DOMAIN.md §14.4)."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.core import import_views as flow_views
from aftercare.core.import_views import ImportFlow, ImportKindInfo
from aftercare.core.permissions import Perm
from aftercare.core.spreadsheets import staged_upload_path
from aftercare.core.views import permission_required

from . import imports


class WarrantyImportFlow(ImportFlow):
    session_key = "warranty_import"
    title = gettext_lazy("Import warranty files")
    intro = gettext_lazy(
        "Policies, or the carmaker's answer file and payment list. A line of the carmaker's file already imported "
        "changes nothing."
    )
    upload_url, preview_url, run_url = "warranty:import", "warranty:import_preview", "warranty:import_run"
    result_url, template_url, back_url = "warranty:import_result", "warranty:import_template", "warranty:claims"
    back_label = gettext_lazy("Back to the claims")

    def kinds(self):
        return [ImportKindInfo(slug, spec) for slug, spec in imports.IMPORT_KINDS.items()]

    def store(self, request):
        return flow_views.require_store(request, lambda store: request.user.has_perm(Perm.WARRANTY_MANAGE, store))

    def importer_factory(self, request, pending, store):
        path = staged_upload_path(pending.get("token"))
        digest = imports.file_hash(path.read_bytes()) if path else ""
        return imports.importer_factory(actor=request.user, store=store, kind=pending["kind"], digest=digest)

    def counts(self, result, *, done):
        return [
            (_("Rows in the file"), result.total, ""),
            (_("New entries"), result.created, "text-success"),
            (_("Lines applied"), result.updated, "text-success"),
            (_("Already imported or unchanged"), result.unchanged, ""),
            (_("Left out") if done else _("Rows with problems"), result.invalid, "text-danger"),
        ]

    def done_message(self, result):
        return _("%(written)d of %(total)d rows imported.") % {"written": result.written, "total": result.total}


FLOW = WarrantyImportFlow()


@permission_required(Perm.WARRANTY_MANAGE)
def upload(request: HttpRequest) -> HttpResponse:
    return flow_views.upload(request, FLOW)


@permission_required(Perm.WARRANTY_MANAGE)
def preview(request: HttpRequest) -> HttpResponse:
    return flow_views.preview(request, FLOW)


@permission_required(Perm.WARRANTY_MANAGE)
def run(request: HttpRequest) -> HttpResponse:
    return flow_views.run(request, FLOW)


@permission_required(Perm.WARRANTY_MANAGE)
def result(request: HttpRequest) -> HttpResponse:
    return flow_views.result(request, FLOW)


@permission_required(Perm.WARRANTY_MANAGE)
def template(request: HttpRequest, kind: str) -> HttpResponse:
    return flow_views.template(request, FLOW, kind)
