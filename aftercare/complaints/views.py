"""Complaint pages: thin views that parse input, call a service or selector,
render (the named partial for htmx requests).

Who sees what (docs/DOMAIN.md §8.1): the front desk (COMPLAINT_CREATE) records
complaints and sees its own submissions with their status only; the service
manager (COMPLAINT_VIEW / COMPLAINT_MANAGE) sees the details and handles them."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.core.audit import audit_record
from aftercare.core.exports import csv_response
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm
from aftercare.core.views import htmx_partial, permission_required, post_form, run_action
from aftercare.customers.models import Customer
from aftercare.service.models import RepairOrder

from . import selectors, services
from .filters import ComplaintFilterSet
from .forms import CloseForm, ComplaintCreateForm, ComplaintSettingsForm, HandlingForm, ResolveForm, TransitionForm
from .models import Complaint, ComplaintSettings


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return query.urlencode()


def _int(value) -> int:
    """A query-string id, or 0 (matches nothing) when it is not a number."""
    return int(value) if value and str(value).isdigit() else 0


def _complaint_for(request, pk: int, perm: str = Perm.COMPLAINT_VIEW) -> Complaint:
    """The complaint if the user may see its details in its store; 404 otherwise
    (someone else's store, or a front-desk user: they have no detail page)."""
    return get_object_or_404(
        Complaint.objects.for_user(request.user, perm).select_related(
            "store", "store__group", "customer", "vehicle", "repair_order", "staff_concerned", "owner",
            "submitted_by", "escalated_to",
        ),
        pk=pk,
    )  # fmt: skip


@permission_required(Perm.COMPLAINT_CREATE, Perm.COMPLAINT_VIEW)
def complaint_list(request: HttpRequest) -> HttpResponse:
    detail_store_ids = set(request.user.store_ids(Perm.COMPLAINT_VIEW))
    complaints = selectors.complaints_visible_to(request.user).select_related("customer", "vehicle", "owner")
    filterset = ComplaintFilterSet(request.GET or None, queryset=complaints)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    rows = [(complaint, complaint.store_id in detail_store_ids) for complaint in page.object_list]
    context = {"filter": filterset, "page": page, "rows": rows, "sees_details": bool(detail_store_ids),
               "query": _query_without_page(request)}  # fmt: skip
    template = "complaints/complaint_list.html#results" if htmx_partial(request) else "complaints/complaint_list.html"
    return render(request, template, context)


@permission_required(Perm.COMPLAINT_CREATE)
def complaint_create(request: HttpRequest) -> HttpResponse:
    store = request.store
    if store is None or not request.user.has_perm(Perm.COMPLAINT_CREATE, store):
        raise PermissionDenied
    initial = {}
    if request.method == "GET":
        order = RepairOrder.objects.for_user(request.user).filter(store=store, pk=_int(request.GET.get("repair_order")))
        customer = Customer.objects.for_user(request.user).filter(store=store, pk=_int(request.GET.get("customer")))
        if (order := order.select_related("customer").first()) is not None:
            initial = {"repair_order": order.number, "customer": order.customer.number}
        elif (customer := customer.first()) is not None:
            initial = {"customer": customer.number}
    form = ComplaintCreateForm(request.POST or None, store=store, initial=initial)
    if request.method == "POST":
        recorded = post_form(
            request, form,
            lambda data: services.complaint_create(
                actor=request.user, store=store, customer=data["customer"], channel=data["channel"],
                complaint_type=data["complaint_type"], priority=data["priority"], description=data["description"],
                customer_words=data["customer_words"], is_crisis=data["is_crisis"],
                repair_order=data["repair_order"],
            ),
            success=lambda complaint: _(
                "Complaint %(number)s recorded. The service manager will contact the customer."
            ) % {"number": complaint.number},
        )  # fmt: skip
        if recorded.ok:
            if request.user.has_perm(Perm.COMPLAINT_VIEW, recorded.result):
                return redirect("complaints:detail", pk=recorded.result.pk)
            return redirect("complaints:list")
    return render(request, "complaints/complaint_form.html", {"form": form, "store": store})


def _detail_context(request, complaint: Complaint, **forms) -> dict:
    can_manage = request.user.has_perm(Perm.COMPLAINT_MANAGE, complaint)
    return {
        "complaint": complaint,
        "clocks": complaint.clocks(),
        "history": complaint.status_changes.select_related("changed_by"),
        "can_manage": can_manage,
        "handling_form": forms.get("handling_form") or HandlingForm(complaint=complaint),
        "resolve_form": forms.get("resolve_form") or ResolveForm(initial={"result": complaint.result}),
        "close_form": forms.get("close_form") or CloseForm(),
        "moves": [m for m in complaint.allowed_transitions if m not in ("resolved", "closed")],
    }


@permission_required(Perm.COMPLAINT_VIEW)
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint_for(request, pk)
    return render(request, "complaints/complaint_detail.html", _detail_context(request, complaint))


@permission_required(Perm.COMPLAINT_MANAGE)
@require_POST
def complaint_update(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint_for(request, pk, Perm.COMPLAINT_MANAGE)
    form = HandlingForm(request.POST, complaint=complaint)
    saved = post_form(
        request,
        form,
        lambda data: services.complaint_update(actor=request.user, complaint=complaint, data=data),
        success=_("Saved."),
    )
    if saved.ok:
        return redirect("complaints:detail", pk=pk)
    response = render(
        request, "complaints/complaint_detail.html", _detail_context(request, complaint, handling_form=form)
    )
    response.status_code = 400
    return response


@permission_required(Perm.COMPLAINT_MANAGE)
@require_POST
def complaint_move(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint_for(request, pk, Perm.COMPLAINT_MANAGE)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid next step."))
        return redirect("complaints:detail", pk=pk)
    run_action(
        request,
        lambda: services.complaint_transition(
            actor=request.user, complaint=complaint, to=form.cleaned_data["to"], note=form.cleaned_data["note"]
        ),
    )
    return redirect("complaints:detail", pk=pk)


def _closing_step(request, complaint, form, *, form_name: str, run, done: str) -> HttpResponse:
    """Resolve and close share one shape: a valid form runs the service; a
    refused move comes back as a message, bad input as form errors (400)."""
    posted = post_form(request, form, run, success=done, refused=services.TransitionRefused)
    # A refused step leaves the form without errors: the message says why, over the page as it is now.
    if posted.ok or not form.errors:
        return redirect("complaints:detail", pk=complaint.pk)
    context = _detail_context(request, complaint, **{form_name: form})
    return render(request, "complaints/complaint_detail.html", context, status=400)


@permission_required(Perm.COMPLAINT_MANAGE)
@require_POST
def complaint_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint_for(request, pk, Perm.COMPLAINT_MANAGE)
    return _closing_step(
        request, complaint, ResolveForm(request.POST), form_name="resolve_form",
        run=lambda data: services.complaint_resolve(
            actor=request.user, complaint=complaint, result=data["result"], note=data["note"]
        ),
        done=_("Resolved. Tell the customer the result within the deadline."),
    )  # fmt: skip


@permission_required(Perm.COMPLAINT_MANAGE)
@require_POST
def complaint_close(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _complaint_for(request, pk, Perm.COMPLAINT_MANAGE)
    return _closing_step(
        request, complaint, CloseForm(request.POST), form_name="close_form",
        run=lambda data: services.complaint_close(
            actor=request.user, complaint=complaint, satisfaction=data["satisfaction"], note=data["note"]
        ),
        done=_("Complaint closed."),
    )  # fmt: skip


@permission_required(Perm.COMPLAINT_VIEW)
def opinions(request: HttpRequest) -> HttpResponse:
    """The customer opinions report (用户意见处理表, docs/DOMAIN.md §8.4): every complaint
    with its handling, filtered, on screen or as CSV."""
    complaints = Complaint.objects.for_user(request.user, Perm.COMPLAINT_VIEW)
    filterset = ComplaintFilterSet(request.GET or None, queryset=complaints)
    if request.GET.get("format") == "csv":
        if not request.user.has_perm(Perm.DATA_EXPORT):
            raise PermissionDenied
        audit_record(actor=request.user, action=AuditEntry.Action.EXPORT, store=request.store,
                     object_repr="complaints:opinions", reason=request.GET.urlencode()[:300])  # fmt: skip
        headers = [str(Complaint._meta.get_field(h).verbose_name) if h not in ("plate",) else _("plate")
                   for h in selectors.OPINION_HEADERS]  # fmt: skip
        return csv_response("customer-opinions.csv", headers, selectors.opinion_rows(filterset.qs))
    complaints = filterset.qs.select_related("customer", "vehicle", "owner", "staff_concerned")
    page = Paginator(complaints, 50).get_page(request.GET.get("page"))
    context = {"filter": filterset, "page": page, "can_export": request.user.has_perm(Perm.DATA_EXPORT),
               "query": _query_without_page(request)}  # fmt: skip
    template = "complaints/opinions.html#results" if htmx_partial(request) else "complaints/opinions.html"
    return render(request, template, context)


@permission_required(Perm.COMPLAINT_MANAGE)
def complaint_settings(request: HttpRequest) -> HttpResponse:
    store = request.store
    if store is None or not request.user.has_perm(Perm.COMPLAINT_MANAGE, store):
        raise PermissionDenied
    form = ComplaintSettingsForm(request.POST or None, instance=ComplaintSettings.for_store(store))
    if request.method == "POST":
        saved = post_form(
            request,
            form,
            lambda data: services.complaint_settings_update(actor=request.user, store=store, data=data),
            success=_("Saved."),
        )
        if saved.ok:
            return redirect("complaints:settings")
    return render(request, "complaints/settings.html", {"form": form, "store": store})
