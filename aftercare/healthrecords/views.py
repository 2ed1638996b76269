"""Pages of the electronic vehicle health record (docs/DOMAIN.md §23): the store's
list with filters, a record's page with its correction and resend, the export,
the settings, and the panels on the repair order's and the vehicle's pages."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.core.audit import audit_record
from aftercare.core.exports import export_response
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm
from aftercare.core.views import permission_required, post_form, run_action
from aftercare.customers.models import Vehicle
from aftercare.service.models import RepairOrder

from . import selectors, services
from .forms import CorrectionForm, RecordFilterForm, SettingsForm
from .models import HealthRecord, HealthRecordSettings

LIST_LIMIT = 200


def _filtered(request: HttpRequest):
    form = RecordFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    records = selectors.records_for_user(
        request.user, start=data.get("start"), end=data.get("end"), state=data.get("state") or ""
    )
    return form, records


@permission_required(Perm.REPAIR_ORDER_VIEW)
def record_list(request: HttpRequest) -> HttpResponse:
    form, records = _filtered(request)
    context = {
        "form": form,
        "records": records.select_related("store")[:LIST_LIMIT],
        "counts": selectors.state_counts(records),
        "query": request.GET.urlencode(),
        "can_configure": request.store is not None and request.user.has_perm(Perm.STORE_MANAGE, request.store),
    }
    return render(request, "healthrecords/list.html", context)


@permission_required(Perm.DATA_EXPORT)
def export(request: HttpRequest) -> HttpResponse:
    """The period's records in the national interface's columns (docs/DOMAIN.md §23.3)."""
    _form, records = _filtered(request)
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    records = records.filter(store_id__in=request.user.store_ids(Perm.DATA_EXPORT))
    audit_record(
        actor=request.user, action=AuditEntry.Action.EXPORT, store=request.store,
        object_repr="health_records", changes={"query": [None, request.GET.urlencode()]},
    )  # fmt: skip
    return export_response(fmt, f"health-records.{fmt}", selectors.export_headers(), selectors.export_rows(records))


def _record(request: HttpRequest, pk: int) -> HealthRecord:
    records = HealthRecord.objects.for_user(request.user, Perm.REPAIR_ORDER_VIEW).select_related(
        "store", "repair_order", "vehicle"
    )
    return get_object_or_404(records, pk=pk)


@permission_required(Perm.REPAIR_ORDER_VIEW)
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record(request, pk)
    form = CorrectionForm(initial={f: getattr(record, f) for f in services.CORRECTABLE})
    context = {
        "record": record,
        "history": record.status_changes.select_related("changed_by"),
        "form": form,
        "can_edit": request.user.has_perm(Perm.REPAIR_ORDER_EDIT, record.store),
    }
    return render(request, "healthrecords/detail.html", context)


@require_POST
@permission_required(Perm.REPAIR_ORDER_EDIT)
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record(request, pk)
    form = CorrectionForm(request.POST)
    done = post_form(
        request, form,
        lambda data: services.health_record_correct(actor=request.user, record=record, **data),
        success=_("Corrected; the record will be sent again."),
    )  # fmt: skip
    if not done.ok:
        from aftercare.core.views import flash_form_errors

        flash_form_errors(request, form)
    return redirect("healthrecords:detail", pk=record.pk)


@require_POST
@permission_required(Perm.REPAIR_ORDER_EDIT)
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record(request, pk)
    run_action(
        request, lambda: services.health_record_resend(actor=request.user, record=record),
        success=_("The record will be sent again."),
    )  # fmt: skip
    return redirect("healthrecords:detail", pk=record.pk)


@permission_required(Perm.STORE_MANAGE)
def settings_edit(request: HttpRequest) -> HttpResponse:
    store = request.store
    if store is None:
        raise Http404
    instance = HealthRecordSettings.objects.filter(store=store).first()
    form = SettingsForm(request.POST or None, instance=instance)
    if request.method == "POST":
        fields = list(SettingsForm._meta.fields)
        done = post_form(
            request, form,
            lambda data: services.settings_save(
                actor=request.user, store=store, data={name: data[name] for name in fields}
            ),
            success=_("Health record settings saved."),
        )  # fmt: skip
        if done.ok:
            return redirect("healthrecords:settings")
    return render(request, "healthrecords/settings.html", {"form": form, "store": store, "settings": instance})


@permission_required(Perm.REPAIR_ORDER_VIEW)
def order_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The order's record (or, before settlement, the elements still missing) on the repair order page."""
    order = get_object_or_404(
        RepairOrder.objects.for_user(request.user, Perm.REPAIR_ORDER_VIEW).select_related("store", "vehicle"), pk=pk
    )
    record = HealthRecord.objects.filter(repair_order=order).first()
    missing = [] if record else services.missing_elements(order)
    return render(
        request, "healthrecords/order_panel.html",
        {"order": order, "record": record, "missing": missing},
    )  # fmt: skip


@permission_required(Perm.CUSTOMER_VIEW, Perm.REPAIR_ORDER_VIEW)
def vehicle_panel(request: HttpRequest, pk: int) -> HttpResponse:
    vehicle = get_object_or_404(Vehicle.objects.for_user(request.user), pk=pk)
    records = selectors.records_for_vehicle(vehicle).filter(
        store_id__in=request.user.store_ids(Perm.REPAIR_ORDER_VIEW)
    )[:20]
    return render(request, "healthrecords/vehicle_panel.html", {"vehicle": vehicle, "records": records})
