"""Importing targets from a spreadsheet: the one import flow of core/import_views.py."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.core import import_views as flow_views
from aftercare.core.import_views import ImportFlow, ImportKindInfo
from aftercare.core.imports import ImportResult
from aftercare.core.permissions import Perm
from aftercare.core.views import permission_required

from . import imports


class TargetImportFlow(ImportFlow):
    session_key = "target_import"
    title = gettext_lazy("Import targets")
    upload_url = "reports:target_import"
    preview_url = "reports:target_import_preview"
    run_url = "reports:target_import_run"
    result_url = "reports:target_import_result"
    template_url = "reports:target_import_template"
    back_url = "reports:targets_edit"
    back_label = gettext_lazy("Back to targets")

    def kinds(self):
        note = _("One row per store, month and figure. Rates (satisfaction, KPIs) in percent.")
        return [ImportKindInfo(imports.TARGETS, imports.TargetImporter, note)]

    def store(self, request):
        store = getattr(request, "store", None)
        if store is None or not request.user.has_perm(Perm.TARGET_SET):
            raise PermissionDenied
        return store

    def intro_for(self, store):
        return _("Targets of the stores you manage. You see every problem before anything is saved.")

    def where(self, pending, store):
        return _("the stores you manage")

    def importer_factory(self, request, pending, store):
        return imports.importer_factory(actor=request.user)

    def counts(self, result: ImportResult, *, done: bool):
        middle = (
            (_("Imported"), result.created, "text-success") if done else (_("Valid rows"), result.valid, "text-success")
        )
        last = _("Left out") if done else _("Rows with problems")
        return [(_("Rows in the file"), result.total, ""), middle, (last, result.invalid, "text-danger")]

    def done_message(self, result: ImportResult) -> str:
        return _("%(created)d of %(total)d rows imported.") % {"created": result.created, "total": result.total}


FLOW = TargetImportFlow()


@permission_required(Perm.TARGET_SET)
def target_import(request: HttpRequest) -> HttpResponse:
    return flow_views.upload(request, FLOW)


@permission_required(Perm.TARGET_SET)
def target_import_preview(request: HttpRequest) -> HttpResponse:
    return flow_views.preview(request, FLOW)


@permission_required(Perm.TARGET_SET)
def target_import_run(request: HttpRequest) -> HttpResponse:
    return flow_views.run(request, FLOW)


@permission_required(Perm.TARGET_SET)
def target_import_result(request: HttpRequest) -> HttpResponse:
    return flow_views.result(request, FLOW)


@permission_required(Perm.TARGET_SET)
def target_import_template(request: HttpRequest, kind: str) -> HttpResponse:
    return flow_views.template(request, FLOW, kind)
