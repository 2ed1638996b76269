from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.accounts.models import User
from aftercare.accounts.roles import Role
from aftercare.core.audit import personal_data_viewed
from aftercare.core.marks import customer_badges
from aftercare.core.permissions import Perm
from aftercare.core.tables import lazy_page
from aftercare.core.views import htmx_partial, permission_required, post_form, run_action

from . import search as search_box
from . import selectors, services
from .filters import CustomerFilterSet
from .forms import ConsentForm, CustomerForm, MergeForm, OdometerForm, TransferForm, VehicleForm
from .models import Customer, Vehicle

CUSTOMERS_PER_PAGE = 50


def _advisors(store):
    return User.objects.filter(memberships__store=store, memberships__role=Role.ADVISOR, memberships__is_active=True)


@permission_required(Perm.CUSTOMER_VIEW)
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    results = search_box.search(request.user, query) if query else search_box.SearchResults()
    partial = htmx_partial(request)
    context = {
        "query": query,
        "results": results,
        # The top bar's drop-down links to the full page when more match; the page itself asks to type more.
        "in_top_bar": partial and request.htmx.target == "topbar-results",
        # Badges other apps put on a customer (a VIC card), for every row in one query.
        "customer_badges": customer_badges(r.customer_id for r in results),
    }
    return render(request, "customers/search.html#results" if partial else "customers/search.html", context)


@permission_required(Perm.CUSTOMER_VIEW)
def customer_list(request: HttpRequest) -> HttpResponse:
    customers = Customer.objects.for_user(request.user, Perm.CUSTOMER_VIEW).active()
    # Newest first. In one store that is the highest customer number first, which
    # the (store, number) unique index delivers as it is; ordered by -id instead,
    # PostgreSQL walks the primary key past every other store's customers
    # (docs/PERFORMANCE.md, group scale).
    one_store = len(request.user.store_ids(Perm.CUSTOMER_VIEW)) == 1
    newest = customers.order_by("-number") if one_store else customers.order_by("-id")
    filterset = CustomerFilterSet(request.GET or None, queryset=newest)
    rows = filterset.qs.select_related("assigned_advisor").only(
        "store_id", "number", "name", "mobile", "kind", "abc_class", "last_visit_at",
        "assigned_advisor__full_name", "assigned_advisor__username",
    )  # fmt: skip
    context = {
        "filter": filterset,
        "page": lazy_page(request, rows, CUSTOMERS_PER_PAGE),
        # Lists mask numbers for roles without "see full contact" in that store.
        "reveal_store_ids": set(request.user.store_ids(Perm.CONTACT_REVEAL)),
    }
    template = "customers/customer_list.html#results" if htmx_partial(request) else "customers/customer_list.html"
    return render(request, template, context)


def _customer_for(request, pk: int, perm: str = Perm.CUSTOMER_VIEW) -> Customer:
    customer = get_object_or_404(
        Customer.objects.for_user(request.user, Perm.CUSTOMER_VIEW).select_related("store", "assigned_advisor"),
        pk=pk,
    )
    if not request.user.has_perm(perm, customer):
        raise PermissionDenied
    return customer


@permission_required(Perm.CUSTOMER_VIEW)
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_page(request.user, pk)
    if customer is None:
        raise Http404
    if not request.user.has_perm(Perm.CUSTOMER_VIEW, customer):
        raise PermissionDenied
    if customer.merged_into_id:
        messages.info(request, _("This record was merged into %(other)s.") % {"other": customer.merged_into})
        return redirect("customers:customer_detail", pk=customer.merged_into_id)
    perms = request.user.allowed_at(customer.store_id)
    context = {
        "customer": customer,
        "can_edit": Perm.CUSTOMER_EDIT in perms,
        "can_reveal": Perm.CONTACT_REVEAL in perms,
        "can_merge": Perm.CUSTOMER_MERGE in perms,
        # Unbound and the same for every customer: the template caches their widgets per
        # language and calls these classes (makes the forms) only when its cache is cold.
        "consent_form": ConsentForm,
        "merge_form": MergeForm,
        "can_view_orders": request.user.has_perm(Perm.REPAIR_ORDER_VIEW),
        **selectors.customer_360(customer),
    }
    # The access log of personal data (docs/DOMAIN.md §16.7).
    personal_data_viewed.send(
        sender=Customer, user=request.user, store_id=customer.store_id, customer_ids=[customer.pk], kind="profile"
    )
    return render(request, "customers/customer_detail.html", context)


@permission_required(Perm.CUSTOMER_EDIT)
def customer_create(request: HttpRequest) -> HttpResponse:
    store = request.store
    form = CustomerForm(request.POST or None, advisors=_advisors(store))
    if request.method == "POST":
        created = post_form(
            request, form,
            lambda data: services.customer_create(
                actor=request.user, store=store, data=form.service_data(),
                allow_shared_mobile=data["allow_shared_mobile"],
            ),
            success=lambda customer: _("Customer %(name)s created.") % {"name": customer},
        )  # fmt: skip
        if created.ok:
            return redirect("customers:vehicle_create", customer_pk=created.result.pk)
    return render(request, "customers/customer_form.html", {"form": form})


@permission_required(Perm.CUSTOMER_EDIT)
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer_for(request, pk, Perm.CUSTOMER_EDIT)
    form = CustomerForm(
        request.POST or None,
        instance=Customer.objects.for_user(request.user, Perm.CUSTOMER_EDIT).get(pk=customer.pk),
        advisors=_advisors(customer.store),
    )
    if request.method == "POST":
        saved = post_form(
            request, form,
            lambda data: services.customer_update(
                actor=request.user, customer=customer, data=form.service_data(),
                allow_shared_mobile=data["allow_shared_mobile"],
            ),
            success=_("Saved."),
        )  # fmt: skip
        if saved.ok:
            return redirect("customers:customer_detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer})


@permission_required(Perm.CONTACT_REVEAL)
@require_POST
def contact_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer_for(request, pk, Perm.CONTACT_REVEAL)
    mobile = services.contact_reveal(actor=request.user, customer=customer)
    return render(request, "customers/customer_detail.html#revealed_mobile", {"mobile": mobile})


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
        other = (
            Customer.objects.for_user(request.user, Perm.CUSTOMER_MERGE)
            .filter(store=keep.store, number=form.cleaned_data["other_number"].strip().upper())
            .first()
        )
        if other is None:
            messages.error(request, _("No customer with that number in this store."))
        else:
            run_action(
                request,
                lambda: services.customer_merge(actor=request.user, keep=keep, merge=other),
                success=lambda result: _("%(merged)s merged into this record; %(n)d vehicles moved.")
                % {"merged": result.merged, "n": result.vehicles_moved},
            )
    return redirect("customers:customer_detail", pk=keep.pk)


@permission_required(Perm.CUSTOMER_MERGE)
@require_POST
def customer_merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    merged = _customer_for(request, pk, Perm.CUSTOMER_MERGE)
    keep_pk = merged.merged_into_id
    undone = run_action(
        request,
        lambda: services.customer_merge_undo(actor=request.user, merged=merged),
        success=_("The merge was undone; %(customer)s is a separate record again.") % {"customer": merged},
    )
    if not undone.ok:
        return redirect("customers:customer_detail", pk=keep_pk or merged.pk)
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
    vehicle = selectors.vehicle_page(request.user, pk)
    if vehicle is None:
        raise Http404
    if not request.user.has_perm(Perm.CUSTOMER_VIEW, vehicle):
        raise PermissionDenied
    perms = request.user.allowed_at(vehicle.store_id)
    owner = vehicle.owner
    context = {
        "vehicle": vehicle,
        "next_service": vehicle.next_service_due(),
        "service_overdue": vehicle.service_overdue(),
        **selectors.vehicle_history(vehicle),
        "can_edit": Perm.CUSTOMER_EDIT in perms,
        # Unbound and the same for every vehicle: the template caches their widgets per
        # language and calls these classes (makes the forms) only when its cache is cold.
        "odometer_form": OdometerForm,
        "transfer_form": TransferForm,
        "owner_phone": owner.mobile if Perm.CONTACT_REVEAL in perms else owner.masked_mobile,
        "can_view_orders": request.user.has_perm(Perm.REPAIR_ORDER_VIEW),
        "can_receive": vehicle.is_active and request.user.has_perm(Perm.REPAIR_ORDER_EDIT),
    }
    return render(request, "customers/vehicle_detail.html", context)


@permission_required(Perm.CUSTOMER_EDIT)
def vehicle_create(request: HttpRequest, customer_pk: int) -> HttpResponse:
    owner = _customer_for(request, customer_pk, Perm.CUSTOMER_EDIT)
    form = VehicleForm(request.POST or None)
    if request.method == "POST":
        added = post_form(
            request, form,
            lambda data: services.vehicle_create(
                actor=request.user, store=owner.store, owner=owner, data=form.service_data(),
                odometer_km=data.get("odometer_km"),
            ),
            success=lambda vehicle: _("Vehicle %(vehicle)s added.") % {"vehicle": vehicle},
        )  # fmt: skip
        if added.ok:
            return redirect("customers:customer_detail", pk=owner.pk)
    return render(request, "customers/vehicle_form.html", {"form": form, "owner": owner})


@permission_required(Perm.CUSTOMER_EDIT)
def vehicle_edit(request: HttpRequest, pk: int) -> HttpResponse:
    vehicle = _vehicle_for(request, pk, Perm.CUSTOMER_EDIT)
    form = VehicleForm(
        request.POST or None, instance=Vehicle.objects.for_user(request.user, Perm.CUSTOMER_EDIT).get(pk=vehicle.pk)
    )
    if request.method == "POST":
        saved = post_form(
            request, form,
            lambda data: services.vehicle_update(
                actor=request.user, vehicle=vehicle, data=form.service_data(),
                class_change_reason=data.get("class_change_reason", ""),
            ),
            success=_("Saved."),
        )  # fmt: skip
        if saved.ok:
            return redirect("customers:vehicle_detail", pk=vehicle.pk)
    return render(request, "customers/vehicle_form.html", {"form": form, "owner": vehicle.owner, "vehicle": vehicle})


@permission_required(Perm.CUSTOMER_VIEW)
@require_POST
def odometer_record(request: HttpRequest, pk: int) -> HttpResponse:
    vehicle = _vehicle_for(request, pk)
    form = OdometerForm(request.POST)
    if form.is_valid():
        run_action(
            request,
            lambda: services.odometer_record(actor=request.user, vehicle=vehicle, **form.cleaned_data),
            success=_("Odometer reading recorded."),
        )
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
            Customer.objects.for_user(request.user, Perm.CUSTOMER_EDIT)
            .active()
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
