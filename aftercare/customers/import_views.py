"""Pages for importing customers and vehicles from a spreadsheet (the one
import flow of core/import_views.py), and the list exports."""

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.core import import_views as flow_views
from aftercare.core.import_views import ImportFlow, ImportKindInfo
from aftercare.core.imports import ImportResult
from aftercare.core.permissions import Perm
from aftercare.core.views import permission_required

from . import exports, imports
from .filters import CustomerFilterSet
from .models import Customer


class CustomerImportFlow(ImportFlow):
    session_key = "customer_import"
    title = gettext_lazy("Import customers and vehicles")
    upload_url = "customers:customer_import"
    preview_url = "customers:customer_import_preview"
    run_url = "customers:customer_import_run"
    result_url = "customers:customer_import_result"
    template_url = "customers:import_template"
    back_url = "customers:customer_list"
    back_label = gettext_lazy("Back to customers")

    def kinds(self):
        notes = {
            imports.VEHICLES: _(
                "Each vehicle needs its owner: the customer number or the owner's mobile of a customer already on file."
            )
        }
        return [ImportKindInfo(kind, imports.IMPORTERS[kind], notes.get(kind, "")) for kind in imports.IMPORTERS]

    def store(self, request):
        return flow_views.require_store(request, lambda store: request.user.has_perm(Perm.CUSTOMER_EDIT, store))

    def intro_for(self, store):
        return _("Records are imported into %(store)s. You see every problem before anything is saved.") % {
            "store": store
        }

    def importer_factory(self, request, pending, store):
        return imports.importer_factory(actor=request.user, store=store, kind=pending["kind"])

    def counts(self, result: ImportResult, *, done: bool):
        if done:
            middle = (_("Imported"), result.created, "text-success")
        else:
            middle = (_("Valid rows"), result.valid, "text-success")
        last = _("Left out") if done else _("Rows with problems")
        return [(_("Rows in the file"), result.total, ""), middle, (last, result.invalid, "text-danger")]

    def done_message(self, result: ImportResult) -> str:
        return _("%(created)d of %(total)d rows imported.") % {"created": result.created, "total": result.total}


FLOW = CustomerImportFlow()


@permission_required(Perm.CUSTOMER_EDIT)
def customer_import(request: HttpRequest) -> HttpResponse:
    return flow_views.upload(request, FLOW)


@permission_required(Perm.CUSTOMER_EDIT)
def customer_import_preview(request: HttpRequest) -> HttpResponse:
    return flow_views.preview(request, FLOW)


@permission_required(Perm.CUSTOMER_EDIT)
def customer_import_run(request: HttpRequest) -> HttpResponse:
    return flow_views.run(request, FLOW)


@permission_required(Perm.CUSTOMER_EDIT)
def customer_import_result(request: HttpRequest) -> HttpResponse:
    return flow_views.result(request, FLOW)


@permission_required(Perm.CUSTOMER_EDIT)
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    return flow_views.template(request, FLOW, kind)


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
