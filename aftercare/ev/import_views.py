"""The EV imports on the one import flow (core/import_views.py): battery readings, trouble
codes and software versions of many vehicles in one file (docs/DOMAIN.md §17.2)."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.core import import_views as flow_views
from aftercare.core.import_views import ImportFlow, ImportKindInfo
from aftercare.core.permissions import Perm
from aftercare.core.views import permission_required

from . import imports


class EvImportFlow(ImportFlow):
    session_key = "ev_import"
    title = gettext_lazy("Import EV data")
    intro = gettext_lazy(
        "Battery readings, trouble codes or software versions of many vehicles, matched by VIN in this store "
        "(CSV, Excel or JSON). A row already imported changes nothing."
    )
    json_records = True
    upload_url, preview_url, run_url = "ev:import", "ev:import_preview", "ev:import_run"
    result_url, template_url, back_url = "ev:import_result", "ev:import_template", "ev:forecast_list"
    back_label = gettext_lazy("Back to the batteries about to need service")

    def kinds(self):
        return [ImportKindInfo(slug, spec) for slug, spec in imports.IMPORT_KINDS.items()]

    def store(self, request):
        return flow_views.require_store(request, lambda store: request.user.has_perm(Perm.CUSTOMER_EDIT, store))

    def importer_factory(self, request, pending, store):
        return imports.importer_factory(actor=request.user, store=store, kind=pending["kind"])

    def counts(self, result, *, done):
        return [
            (_("Rows in the file"), result.total, ""),
            (_("New entries"), result.created, "text-success"),
            (_("Updated entries"), result.updated, "text-success"),
            (_("Already imported or unchanged"), result.unchanged, ""),
            (_("Left out") if done else _("Rows with problems"), result.invalid, "text-danger"),
        ]

    def done_message(self, result):
        return _("%(written)d of %(total)d rows imported.") % {"written": result.written, "total": result.total}


FLOW = EvImportFlow()


@permission_required(Perm.CUSTOMER_EDIT)
def upload(request: HttpRequest) -> HttpResponse:
    return flow_views.upload(request, FLOW)


@permission_required(Perm.CUSTOMER_EDIT)
def preview(request: HttpRequest) -> HttpResponse:
    return flow_views.preview(request, FLOW)


@permission_required(Perm.CUSTOMER_EDIT)
def run(request: HttpRequest) -> HttpResponse:
    return flow_views.run(request, FLOW)


@permission_required(Perm.CUSTOMER_EDIT)
def result(request: HttpRequest) -> HttpResponse:
    return flow_views.result(request, FLOW)


@permission_required(Perm.CUSTOMER_EDIT)
def template(request: HttpRequest, kind: str) -> HttpResponse:
    return flow_views.template(request, FLOW, kind)
