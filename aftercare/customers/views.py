from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator

from aftercare.accounts.models import User
from aftercare.accounts.roles import Role
from aftercare.core.forms import add_service_errors
from aftercare.core.permissions import Perm
from aftercare.core.views import permission_required

from . import selectors, services
from .filters import CustomerFilterSet
from .forms import ConsentForm, CustomerForm, MergeForm, OdometerForm, TransferForm, VehicleForm
from .models import Customer, Vehicle
from .tables import CustomerTable


def _advisors(store):
    return User.objects.filter(memberships__store=store, memberships__role=Role.ADVISOR, memberships__is_active=True)


@permission_required(Perm.CUSTOMER_VIEW)
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    results = selectors.search(request.user, query) if query else []
    context = {"query": query, "results": results}
    if request.htmx and not request.htmx.boosted:
        return render(request, "customers/search.html#results", context)
    return render(request, "customers/search.html", context)


@permission_required(Perm.CUSTOMER_VIEW)
def customer_list(request: HttpRequest) -> HttpResponse:
    customers = Customer.objects.for_user(request.user, Perm.CUSTOMER_VIEW).active().select_related("assigned_advisor")
    filterset = CustomerFilterSet(request.GET or None, queryset=customers.order_by("-id"))
    table = CustomerTable(filterset.qs, reveal_store_ids=set(request.user.store_ids(Perm.CONTACT_REVEAL)))
    RequestConfig(request, paginate={"per_page": 50, "paginator_class": LazyPaginator}).configure(table)
    template = (
        "customers/customer_list.html#results"
        if request.htmx and not request.htmx.boosted
        else "customers/customer_list.html"
    )
    return render(request, template, {"filter": filterset, "table": table})


def _customer_for(request, pk: int, perm: str = Perm.CUSTOMER_VIEW) -> Customer:
    customer = get_object_or_404(
        Customer.objects.for_user(request.user, Perm.CUSTOMER_VIEW).select_related(
            "store", "assigned_advisor", "merged_into"
        ),
        pk=pk,
    )
    if not request.user.has_perm(perm, customer):
        raise PermissionDenied
    return customer


@permission_required(Perm.CUSTOMER_VIEW)
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer_for(request, pk)
    if customer.merged_into_id:
        messages.info(request, _("This record was merged into %(other)s.") % {"other": customer.merged_into})
        return redirect("customers:customer_detail", pk=customer.merged_into_id)
    context = {
        "customer": customer,
        "can_edit": request.user.has_perm(Perm.CUSTOMER_EDIT, customer),
        "can_reveal": request.user.has_perm(Perm.CONTACT_REVEAL, customer),
        "can_merge": request.user.has_perm(Perm.CUSTOMER_MERGE, customer),
        "consent_form": ConsentForm(),
        "merge_form": MergeForm(),
        **selectors.customer_360(customer),
    }
    return render(request, "customers/customer_detail.html", context)


@permission_required(Perm.CUSTOMER_EDIT)
def customer_create(request: HttpRequest) -> HttpResponse:
    store = request.store
    form = CustomerForm(request.POST or None, advisors=_advisors(store))
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(
                actor=request.user, store=store, data=form.service_data(),
                allow_shared_mobile=form.cleaned_data["allow_shared_mobile"],
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer})
            return redirect("customers:vehicle_create", customer_pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form})


@permission_required(Perm.CUSTOMER_EDIT)
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer_for(request, pk, Perm.CUSTOMER_EDIT)
    form = CustomerForm(
        request.POST or None, instance=Customer.objects.get(pk=customer.pk), advisors=_advisors(customer.store)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(
                actor=request.user, customer=customer, data=form.service_data(),
                allow_shared_mobile=form.cleaned_data["allow_shared_mobile"],
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("customers:customer_detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer})


@permission_required(Perm.CONTACT_REVEAL)
@require_POST
def contact_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer_for(request, pk, Perm.CONTACT_REVEAL)
    mobile = services.contact_reveal(actor=request.user, customer=customer)
    return HttpResponse(format_html('<a href="tel:{}" class="fw-semibold">{}</a>', mobile, mobile))


@permission_required(Perm.CUSTOMER_EDIT)
@require_POST
def consent_record(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer_for(request, pk, Perm.CUSTOMER_EDIT)
    form = ConsentForm(request.POST)
    if form.is_valid():
        services.consent_record(actor=request.user, customer=customer, **form.cleaned_data)
        messages.success(request, _("Consent recorded."))
    else:
        messages.error(request, _("Consent not recorded: check the form."))
    return redirect("customers:customer_detail", pk=customer.pk)


@permission_required(Perm.CUSTOMER_MERGE)
@require_POST
def customer_merge(request: HttpRequest, pk: int) -> HttpResponse:
    keep = _customer_for(request, pk, Perm.CUSTOMER_MERGE)
    form = MergeForm(request.POST)
    if form.is_valid():
        other = Customer.objects.filter(
            store=keep.store, number=form.cleaned_data["other_number"].strip().upper()
        ).first()
        if other is None:
            messages.error(request, _("No customer with that number in this store."))
        else:
            try:
                result = services.customer_merge(actor=request.user, keep=keep, merge=other)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    _("%(merged)s merged into this record; %(n)d vehicles moved.")
                    % {"merged": result.merged, "n": result.vehicles_moved},
                )
    return redirect("customers:customer_detail", pk=keep.pk)


@permission_required(Perm.CUSTOMER_MERGE)
@require_POST
def customer_merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    merged = _customer_for(request, pk, Perm.CUSTOMER_MERGE)
    keep_pk = merged.merged_into_id
    try:
        services.customer_merge_undo(actor=request.user, merged=merged)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("customers:customer_detail", pk=keep_pk or merged.pk)
    messages.success(
        request, _("The merge was undone; %(customer)s is a separate record again.") % {"customer": merged}
    )
    return redirect("customers:customer_detail", pk=merged.pk)


def _vehicle_for(request, pk: int, perm: str = Perm.CUSTOMER_VIEW) -> Vehicle:
    vehicle = get_object_or_404(
        Vehicle.objects.for_user(request.user, Perm.CUSTOMER_VIEW).select_related("owner", "store"), pk=pk
    )
    if not request.user.has_perm(perm, vehicle):
        raise PermissionDenied
    return vehicle


@permission_required(Perm.CUSTOMER_VIEW)
def vehicle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The vehicle history (车历): owners, readings, class changes; repair orders later."""
    vehicle = _vehicle_for(request, pk)
    context = {
        "vehicle": vehicle,
        "next_service": vehicle.next_service_due(),
        "ownerships": vehicle.ownerships.select_related("customer"),
        "readings": vehicle.odometer_readings.select_related("recorded_by")[:20],
        "class_changes": vehicle.class_changes.select_related("changed_by")[:20],
        "can_edit": request.user.has_perm(Perm.CUSTOMER_EDIT, vehicle),
        "odometer_form": OdometerForm(),
        "transfer_form": TransferForm(),
        "owner_phone": vehicle.owner.mobile
        if request.user.has_perm(Perm.CONTACT_REVEAL, vehicle)
        else vehicle.owner.masked_mobile,
    }
    return render(request, "customers/vehicle_detail.html", context)


@permission_required(Perm.CUSTOMER_EDIT)
def vehicle_create(request: HttpRequest, customer_pk: int) -> HttpResponse:
    owner = _customer_for(request, customer_pk, Perm.CUSTOMER_EDIT)
    form = VehicleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            vehicle = services.vehicle_create(
                actor=request.user, store=owner.store, owner=owner, data=form.service_data(),
                odometer_km=form.cleaned_data.get("odometer_km"),
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Vehicle %(vehicle)s added.") % {"vehicle": vehicle})
            return redirect("customers:customer_detail", pk=owner.pk)
    return render(request, "customers/vehicle_form.html", {"form": form, "owner": owner})


@permission_required(Perm.CUSTOMER_EDIT)
def vehicle_edit(request: HttpRequest, pk: int) -> HttpResponse:
    vehicle = _vehicle_for(request, pk, Perm.CUSTOMER_EDIT)
    form = VehicleForm(request.POST or None, instance=Vehicle.objects.get(pk=vehicle.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.vehicle_update(
                actor=request.user, vehicle=vehicle, data=form.service_data(),
                class_change_reason=form.cleaned_data.get("class_change_reason", ""),
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("customers:vehicle_detail", pk=vehicle.pk)
    return render(request, "customers/vehicle_form.html", {"form": form, "owner": vehicle.owner, "vehicle": vehicle})


@permission_required(Perm.CUSTOMER_VIEW)
@require_POST
def odometer_record(request: HttpRequest, pk: int) -> HttpResponse:
    vehicle = _vehicle_for(request, pk)
    form = OdometerForm(request.POST)
    if form.is_valid():
        try:
            services.odometer_record(actor=request.user, vehicle=vehicle, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Odometer reading recorded."))
    else:
        messages.error(request, _("Enter the odometer in km."))
    return redirect("customers:vehicle_detail", pk=vehicle.pk)


@permission_required(Perm.CUSTOMER_EDIT)
@require_POST
def vehicle_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    vehicle = _vehicle_for(request, pk, Perm.CUSTOMER_EDIT)
    form = TransferForm(request.POST)
    if form.is_valid():
        new_owner = (
            Customer.objects.active()
            .filter(store=vehicle.store, number=form.cleaned_data["new_owner_number"].strip().upper())
            .first()
        )
        if new_owner is None:
            messages.error(request, _("No customer with that number in this store."))
        else:
            services.vehicle_transfer(
                actor=request.user, vehicle=vehicle, new_owner=new_owner, note=form.cleaned_data["note"]
            )
            messages.success(request, _("The vehicle now belongs to %(owner)s.") % {"owner": new_owner})
    return redirect("customers:vehicle_detail", pk=vehicle.pk)
