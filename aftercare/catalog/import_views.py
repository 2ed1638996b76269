"""Pages for importing catalogue entries from a spreadsheet (the one import
flow of core/import_views.py, into the current store or the group defaults),
and the list exports."""

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.core import import_views as flow_views
from aftercare.core.import_views import ImportFlow, ImportForm, ImportKindInfo
from aftercare.core.imports import ImportResult
from aftercare.core.permissions import Perm
from aftercare.core.views import permission_required

from . import exports, imports
from .views import catalog_read_required


class CatalogImportForm(ImportForm):
    scope = forms.ChoiceField(label=gettext_lazy("Import into"))

    field_order = ["kind", "scope", "file"]

    def __init__(self, *args, store, scopes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [(scope, imports.scope_label(store, scope)) for scope in scopes]
        self.fields["scope"].initial = scopes[0]


class CatalogImportFlow(ImportFlow):
    session_key = "catalog_import"
    title = gettext_lazy("Import catalogue entries")
    intro = gettext_lazy(
        "A code already in the catalogue at the chosen level updates that entry; a new code creates one. You see "
        "every problem before anything is saved."
    )
    footnote = gettext_lazy(
        "Into a store, a row equal to the group default is left out: the store keeps following the group default."
    )
    upload_url = "catalog:import"
    preview_url = "catalog:import_preview"
    run_url = "catalog:import_run"
    result_url = "catalog:import_result"
    template_url = "catalog:import_template"
    back_label = gettext_lazy("Back to the catalogue")
    form_class = CatalogImportForm

    def kinds(self):
        notes = {
            "operations": _(
                "The category is the code of an operation category in the catalogue. Powertrains: leave empty for "
                "every powertrain, or list them, e.g. 燃油、混动."
            ),
            "labour-rates": _("The repair type is the code of a repair type in the catalogue, e.g. general."),
        }
        return [ImportKindInfo(kind.slug, kind, notes.get(kind.slug, "")) for kind in imports.IMPORT_KINDS]

    def store(self, request):
        return flow_views.require_store(request, lambda store: bool(imports.allowed_scopes(request.user, store)))

    def form_kwargs(self, request, store):
        return {"store": store, "scopes": imports.allowed_scopes(request.user, store)}

    def pending_extra(self, form):
        return {"scope": form.cleaned_data["scope"]}

    def importer_factory(self, request, pending, store):
        return imports.importer_factory(actor=request.user, store=store, scope=pending["scope"], kind=pending["kind"])

    def audit_store(self, request, pending, store):
        return imports.audit_store(request.user, store, pending["scope"])

    def where(self, pending, store):
        return imports.scope_label(store, pending["scope"])

    def back_href(self, kind):
        return reverse("catalog:item_list", args=[kind])

    def counts(self, result: ImportResult, *, done: bool):
        return [
            (_("Rows in the file"), result.total, ""),
            (_("New entries"), result.created, "text-success"),
            (_("Entries updated"), result.updated, "text-success"),
            (_("Unchanged"), result.unchanged, ""),
            (_("Left out") if done else _("Rows with problems"), result.invalid, "text-danger"),
        ]

    def done_message(self, result: ImportResult) -> str:
        return _("%(created)d entries created and %(updated)d updated from %(total)d rows.") % {
            "created": result.created, "updated": result.updated, "total": result.total,
        }  # fmt: skip


FLOW = CatalogImportFlow()


@permission_required(Perm.CATALOG_MANAGE)
def catalog_import(request: HttpRequest) -> HttpResponse:
    return flow_views.upload(request, FLOW)


@permission_required(Perm.CATALOG_MANAGE)
def catalog_import_preview(request: HttpRequest) -> HttpResponse:
    return flow_views.preview(request, FLOW)


@permission_required(Perm.CATALOG_MANAGE)
def catalog_import_run(request: HttpRequest) -> HttpResponse:
    return flow_views.run(request, FLOW)


@permission_required(Perm.CATALOG_MANAGE)
def catalog_import_result(request: HttpRequest) -> HttpResponse:
    return flow_views.result(request, FLOW)


@permission_required(Perm.CATALOG_MANAGE)
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    return flow_views.template(request, FLOW, kind)


@catalog_read_required
def item_export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """The current store's effective list of one kind, in the import's columns."""
    if kind not in imports.IMPORT_KINDS_BY_SLUG or fmt not in exports.FORMATS:
        raise Http404
    return exports.export_list(user=request.user, store=request.store, kind=kind, fmt=fmt)
