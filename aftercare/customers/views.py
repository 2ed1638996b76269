from datetime import datetime
from html import escape  # what the template's autoescape does (django.utils.html.escape)

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.accounts.models import User
from aftercare.accounts.roles import Role
from aftercare.core.forms import add_service_errors
from aftercare.core.masking import mask_phone
from aftercare.core.permissions import Perm
from aftercare.core.tables import lazy_page, url_pattern
from aftercare.core.views import permission_required

from . import selectors, services
from .choices import CustomerKind
from .filters import CustomerFilterSet
from .forms import ConsentForm, CustomerForm, MergeForm, OdometerForm, TransferForm, VehicleForm
from .models import Customer, Vehicle

CUSTOMERS_PER_PAGE = 50
EMPTY = "—"


def _advisors(store):
    return User.objects.filter(memberships__store=store, memberships__role=Role.ADVISOR, memberships__is_active=True)


def _local_date(moment) -> str:
    """`{{ moment|date:"Y-m-d"|default:"—" }}`, computed once per row in Python."""
    return timezone.localtime(moment).strftime("%Y-%m-%d") if moment else EMPTY


def _day(value, pattern: str = "%Y-%m-%d", empty: str = EMPTY) -> str:
    """`{{ value|date:pattern|default:empty }}` for a date or an aware datetime: the date
    filter costs ≈ 20 µs a value, and the customer and vehicle pages print dozens."""
    if not value:
        return empty
    return (timezone.localtime(value) if isinstance(value, datetime) else value).strftime(pattern)


@permission_required(Perm.CUSTOMER_VIEW)
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    results = selectors.search(request.user, query) if query else []
    # The top bar asks for this on every keystroke: rows arrive ready to print
    # (link, date), so the template only writes them out.
    vehicle_url, customer_url = url_pattern("customers:vehicle_detail"), url_pattern("customers:customer_detail")
    rows = [
        {
            "url": vehicle_url.format(pk=r.vehicle_id) if r.vehicle_id else customer_url.format(pk=r.customer_id),
            "plate": r.plate or EMPTY,
            "model": r.model,
            "name": r.customer_name,
            "number": r.customer_number,
            "phone": r.phone,
            "last_visit": _local_date(r.last_visit_at),
        }
        for r in results
    ]
    context = {"query": query, "results": rows}
    if request.htmx and not request.htmx.boosted:
        return render(request, "customers/search.html#results", context)
    return render(request, "customers/search.html", context)


_CUSTOMER_ROW = (
    '<tr><td><a href="{url}">{number}</a></td><td><a href="{url}">{name}</a></td><td>{phone}</td><td>{kind}</td>'
    "<td>{abc_class}</td><td>{advisor}</td><td>{last_visit}</td></tr>"
)


@permission_required(Perm.CUSTOMER_VIEW)
def customer_list(request: HttpRequest) -> HttpResponse:
    customers = Customer.objects.for_user(request.user, Perm.CUSTOMER_VIEW).active()
    # Newest first. In one store that is the highest customer number first, which
    # the (store, number) unique index delivers as it is; ordered by -id instead,
    # PostgreSQL walks the primary key past every other store's customers
    # (78 ms at 10 stores, growing with the group: docs/PERFORMANCE.md).
    one_store = len(request.user.store_ids(Perm.CUSTOMER_VIEW)) == 1
    newest = customers.order_by("-number") if one_store else customers.order_by("-id")
    filterset = CustomerFilterSet(request.GET or None, queryset=newest)
    rows = filterset.qs.values_list(
        "pk", "store_id", "number", "name", "mobile", "kind", "abc_class", "last_visit_at",
        "assigned_advisor__full_name", "assigned_advisor__username",
    )  # fmt: skip
    page = lazy_page(request, rows, CUSTOMERS_PER_PAGE)
    # Lists mask numbers for roles without "see full contact" in that store.
    reveal = set(request.user.store_ids(Perm.CONTACT_REVEAL))
    kinds = {value: str(label) for value, label in CustomerKind.choices}
    url = url_pattern("customers:customer_detail")
    # Each row is written out here, escaped as the template would: fifty rows of eight
    # template variables cost ≈ 0.6 ms, more than the page's query.
    page.object_list = [
        mark_safe(  # noqa: S308 - every value is escaped
            _CUSTOMER_ROW.format(
                url=url.format(pk=pk),
                number=escape(number),
                name=escape(name),
                phone=escape((mobile if store_id in reveal else mask_phone(mobile)) or EMPTY),
                kind=escape(kinds.get(kind, kind) or EMPTY),
                abc_class=escape(abc_class or EMPTY),
                advisor=escape(advisor_name or advisor_username or EMPTY),
                last_visit=_local_date(last_visit),
            )
        )
        for (pk, store_id, number, name, mobile, kind, abc_class, last_visit, advisor_name, advisor_username)
        in page.object_list
    ]  # fmt: skip
    template = (
        "customers/customer_list.html#results"
        if request.htmx and not request.htmx.boosted
        else "customers/customer_list.html"
    )
    return render(request, template, {"filter": filterset, "page": page})


def _consent_states() -> dict:
    """Per decision (None: never asked) the class and the word the consents table shows."""
    return {
        None: ("text-secondary", _("not asked")),
        True: ("text-success", _("agreed")),
        False: ("text-danger", _("refused")),
    }


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
    # Read through compiled statements (selectors.customer_page): the page's own
    # queries cost less than building their QuerySets.
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
        # What the template would ask the user, the customer and the URLconf for, asked once here.
        "urls": {name: url_pattern(f"customers:{name}").format(pk=pk) for name in _CUSTOMER_LINKS},
        "can_view_orders": request.user.has_perm(Perm.REPAIR_ORDER_VIEW),
        "orders_url": url_pattern("service:customer_history").format(pk=pk),
        "labels": {
            "kind": customer.get_kind_display(),
            "source": customer.get_source_display(),
            "channel": customer.get_preferred_channel_display(),
        },
        "birthday": _day(customer.birthday, "%m-%d"),
        "last_visit": _day(customer.last_visit_at),
        **selectors.customer_360(customer),
    }
    # Dates as the page prints them (see _day).
    vehicle_url = url_pattern("customers:vehicle_detail")
    for row in context["vehicles"]:
        row["url"] = vehicle_url.format(pk=row["vehicle"].pk)
        row["next_date"] = _day(row["next_service"][0])
    states = _consent_states()
    context["consents"] = [
        (label, *states[None if consent is None else consent.granted], _day(consent and consent.recorded_at, empty=""))
        for label, consent in context["consents"]
    ]
    context["former_vehicles"] = [
        o._replace(started_at=_day(o.started_at, "%Y-%m", ""), ended_at=_day(o.ended_at, "%Y-%m", ""))
        for o in context["former_vehicles"]
    ]
    context["class_changes"] = [c._replace(changed_at=_day(c.changed_at, empty="")) for c in context["class_changes"]]
    return render(request, "customers/customer_detail.html", context)


# The links of the customer and vehicle pages, reversed once (core.tables.url_pattern).
_CUSTOMER_LINKS = ("customer_edit", "vehicle_create", "contact_reveal", "consent_record", "customer_merge")
_VEHICLE_LINKS = ("vehicle_edit", "odometer_record", "vehicle_transfer")


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
    # Read through compiled statements (selectors.vehicle_page), as the customer page.
    vehicle = selectors.vehicle_page(request.user, pk)
    if vehicle is None:
        raise Http404
    if not request.user.has_perm(Perm.CUSTOMER_VIEW, vehicle):
        raise PermissionDenied
    perms = request.user.allowed_at(vehicle.store_id)
    customer_url = url_pattern("customers:customer_detail")
    history = selectors.vehicle_history(vehicle)
    owner, next_service = vehicle.owner, vehicle.next_service_due()
    context = {
        "vehicle": vehicle,
        "owner_url": customer_url.format(pk=vehicle.owner_id),
        "next_service": next_service,
        "next_date": _day(next_service[0]),
        # Dates as the page prints them (see _day).
        "dates": {
            name: _day(getattr(vehicle, name))
            for name in ("purchase_date", "insurance_expiry", "inspection_due", "warranty_start", "warranty_end")
        },
        "ownerships": [
            {
                "url": customer_url.format(pk=o.customer_id),
                "row": o._replace(started_at=_day(o.started_at, empty=""), ended_at=_day(o.ended_at, empty="")),
            }
            for o in history["ownerships"]
        ],
        "readings": [r._replace(recorded_at=_day(r.recorded_at, "%Y-%m-%d %H:%M", "")) for r in history["readings"]],
        "class_changes": [c._replace(changed_at=_day(c.changed_at, empty="")) for c in history["class_changes"]],
        "can_edit": Perm.CUSTOMER_EDIT in perms,
        # Unbound and the same for every vehicle: the template caches their widgets per
        # language and calls these classes (makes the forms) only when its cache is cold.
        "odometer_form": OdometerForm,
        "transfer_form": TransferForm,
        "owner_phone": owner.mobile if Perm.CONTACT_REVEAL in perms else owner.masked_mobile,
        "urls": {name: url_pattern(f"customers:{name}").format(pk=pk) for name in _VEHICLE_LINKS},
        "reception_url": url_pattern("service:reception").format(pk=pk),
        # What the template would ask the user and the URLconf for, asked once here.
        "can_view_orders": request.user.has_perm(Perm.REPAIR_ORDER_VIEW),
        "can_receive": vehicle.is_active and request.user.has_perm(Perm.REPAIR_ORDER_EDIT),
        "orders_url": url_pattern("service:vehicle_history").format(pk=pk),
        "powertrain_label": vehicle.get_powertrain_display(),
        "in_warranty": vehicle.in_warranty,
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
