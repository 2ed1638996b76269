"""The repair order pages: reception, the advisor's workspace, check-in sheet,
printable documents, list and progress. Thin: parse, call a service or
selector, render (the named partial for htmx requests)."""

import hashlib
import json
import mimetypes

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.core.permissions import Perm
from aftercare.core.tables import lazy_page
from aftercare.core.views import (
    flash_form_errors,
    htmx_announce,
    htmx_partial,
    permission_required,
    post_form,
    run_action,
)
from aftercare.customers import search as customer_search
from aftercare.customers import services as customer_services
from aftercare.customers.models import Customer, Vehicle

from . import selectors, services
from .choices import RO_CHANGED, LineStatus, Status
from .filters import RepairOrderFilterSet
from .forms import (
    DAMAGE_KIND_LABELS,
    AcceptanceForm,
    AuthoriseForm,
    CheckInForm,
    DecideForm,
    DetailsForm,
    DiscountForm,
    LineAddForm,
    PhotoForm,
    ReceptionForm,
    SiteSurveyForm,
    SiteVisitForm,
    TransitionForm,
)
from .models import CheckIn, Photo, RepairOrder


def _sheet(order: RepairOrder) -> CheckIn:
    """The order's check-in sheet (every order opened by the service has one)."""
    try:
        return order.check_in
    except CheckIn.DoesNotExist:
        return CheckIn(repair_order=order)


def _order_for(request, pk: int, perm: str = Perm.REPAIR_ORDER_VIEW) -> RepairOrder:
    """The order if it is in one of the user's stores (404 otherwise) and the
    user holds `perm` in its store (403 otherwise)."""
    try:
        order = selectors.repair_order_for(request.user, pk)
    except RepairOrder.DoesNotExist as error:
        raise Http404 from error
    if perm != Perm.REPAIR_ORDER_VIEW and not request.user.has_perm(perm, order):
        raise PermissionDenied
    return order


# --- list ------------------------------------------------------------------------------------


@permission_required(Perm.REPAIR_ORDER_VIEW)
def repair_order_list(request: HttpRequest) -> HttpResponse:
    filterset = RepairOrderFilterSet(
        request.GET or None, queryset=selectors.repair_orders_for(request.user), user=request.user
    )
    # Lazy: no COUNT(*) over years of orders.
    page = lazy_page(request, filterset.qs, per_page=50)
    if htmx_partial(request):  # the results only
        return render(request, "service/repair_order_list.html#results", {"page": page})
    context = {
        "page": page,
        "filter": filterset,
        "filter_key": _filter_form_key(request, filterset),
        "can_receive": request.user.has_perm(Perm.REPAIR_ORDER_EDIT),
    }
    return render(request, "service/repair_order_list.html", context)


def _filter_form_key(request, filterset: RepairOrderFilterSet) -> str:
    """Everything the filter form's HTML depends on: the language, the advisors to choose from
    and what was typed. The template caches the form's HTML under it; its widgets cost more to
    render than the page's rows. The advisors are read here, once: the select shows them from
    this read on a cache miss and validates a choice against the filter set's queryset."""
    field = filterset.form.fields["advisor"]
    advisors = [(pk, full_name or username) for pk, full_name, username in
                field.queryset.values_list("pk", "full_name", "username")]  # fmt: skip
    field.widget.choices = [("", field.empty_label), *advisors]
    typed = [(name, request.GET.getlist(name)) for name in filterset.form.fields]
    return hashlib.sha256(repr((get_language(), advisors, typed)).encode()).hexdigest()


# --- reception -------------------------------------------------------------------------------


@permission_required(Perm.REPAIR_ORDER_EDIT)
def reception_search(request: HttpRequest) -> HttpResponse:
    """Find the car to receive by plate, mobile, VIN or name."""
    query = request.GET.get("q", "").strip()
    results = [r for r in customer_search.search(request.user, query) if r.vehicle_id] if query else []
    context = {"query": query, "results": results}
    template = "service/reception_search.html#results" if htmx_partial(request) else "service/reception_search.html"
    return render(request, template, context)


@permission_required(Perm.REPAIR_ORDER_EDIT)
def reception(request: HttpRequest, vehicle_pk: int) -> HttpResponse:
    """Open a repair order for a car (接待 + 问诊): confirm contact details,
    odometer, fuel, the customer's own words, the promise."""
    vehicle = get_object_or_404(
        Vehicle.objects.for_user(request.user, Perm.REPAIR_ORDER_EDIT).select_related("owner", "store"), pk=vehicle_pk
    )
    owner = vehicle.owner
    can_reveal = request.user.has_perm(Perm.CONTACT_REVEAL, vehicle)
    # The odometer starts empty: the last reading is the form's hint, never today's value.
    initial = {"contact_phone": owner.mobile if can_reveal else "", "address": owner.address}
    form = ReceptionForm(request.POST or None, initial=initial, store=vehicle.store, vehicle=vehicle)
    open_orders = list(
        RepairOrder.objects.for_user(request.user, Perm.REPAIR_ORDER_EDIT)
        .filter(vehicle=vehicle)
        .open()
        .only("pk", "number", "status")
    )

    def receive(data):
        order = services.repair_order_open(
            actor=request.user, store=vehicle.store, vehicle=vehicle, repair_type=data["repair_type"],
            customer_statement=data["customer_statement"], odometer_km=data["odometer_km"],
            odometer_correction_reason=data["odometer_correction_reason"], fuel_level=data["fuel_level"],
            contact_phone=data["contact_phone"], promised_at=data["promised_at"],
            findings=data["findings"], waiting_mode=data["waiting_mode"], return_old_parts=data["return_old_parts"],
        )  # fmt: skip
        if data["address"] != owner.address and request.user.has_perm(Perm.CUSTOMER_EDIT, owner):
            customer_services.customer_update(actor=request.user, customer=owner, data={"address": data["address"]})
        return order

    if request.method == "POST":
        opened = post_form(
            request,
            form,
            receive,
            success=lambda order: _("Repair order %(number)s opened.") % {"number": order.number},
        )
        if opened.ok:
            return redirect("service:check_in", pk=opened.result.pk)
    return render(
        request,
        "service/reception.html",
        {"form": form, "vehicle": vehicle, "owner": owner, "open_orders": open_orders,
         "masked_phone": owner.masked_mobile},
    )  # fmt: skip


# --- the advisor's workspace -----------------------------------------------------------------


# A manager's discount changes what the customer pays: not once the order is paid or closed.
DISCOUNT_STATUSES = frozenset(Status.values) - {Status.SETTLED, Status.DELIVERED, Status.CANCELLED}


def _detail_context(request, page: selectors.RepairOrderPage, **extra) -> dict:
    """The advisor's workspace. Forms and editing panels exist only when the order's
    state and the user's role at its store allow the action; the template shows
    each panel under the same condition."""
    order, lines = page.order, selectors.mark_lines(page.order, page.lines)
    perms = request.user.allowed_at(order.store_id)
    can_edit = Perm.REPAIR_ORDER_EDIT in perms
    can_add_lines = can_edit and order.accepts_lines
    can_authorise = can_edit and order.status == Status.ESTIMATE
    can_discount = Perm.DISCOUNT_APPROVE in perms and order.status in DISCOUNT_STATUSES
    context = {
        "order": order,
        "lines": lines,  # the billing panel's statement reuses them
        "groups": selectors.lines_grouped(lines),
        "proposed": selectors.proposed_lines(lines),
        "total_hours": selectors.total_hours(lines),
        # Approval and delivery have their own forms (the customer's signature),
        # so they get no bare button here.
        "transitions": [
            (value, Status(value).label)
            for value in order.allowed_transitions
            if value not in (Status.APPROVED, Status.DELIVERED)
        ],
        "history": page.history,
        "sheet": page.sheet,
        "photos": page.photos,
        "overdue": order.is_overdue(),
        "can_edit": can_edit,
        # Proposed additional work can be withdrawn in any state; the estimate's lines while it is editable.
        "can_remove_lines": can_edit and order.lines_editable,
        "can_add_lines": can_add_lines,
        "can_authorise": can_authorise,
        "can_discount": can_discount,
        "decide_methods": DecideForm.base_fields["method"].choices,  # one select per proposed line
        "app_panels": selectors.ORDER_PAGE_PANELS,  # other apps' panels, loaded by htmx
    }
    if can_add_lines:
        context["line_form"] = LineAddForm(prefix="line")
    if can_authorise:
        context["authorise_form"] = AuthoriseForm()
    if can_discount:
        context["discount_form"] = DiscountForm()
    if can_edit:
        context["photo_form"] = PhotoForm()
    return {**context, **extra}


def _page_for(request, pk: int) -> selectors.RepairOrderPage:
    try:
        return selectors.repair_order_page(request.user, pk)
    except RepairOrder.DoesNotExist as error:
        raise Http404 from error


@permission_required(Perm.REPAIR_ORDER_VIEW)
def repair_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "service/repair_order_detail.html", _detail_context(request, _page_for(request, pk)))


@permission_required(Perm.REPAIR_ORDER_EDIT)
def catalogue_search(request: HttpRequest, pk: int) -> HttpResponse:
    """The type-ahead of the add-line form: catalogue entries of the order's store."""
    order = _order_for(request, pk, Perm.REPAIR_ORDER_EDIT)
    kind = request.GET.get("line-kind", "operation")
    items = selectors.catalogue_matches(order, kind, request.GET.get("q", ""))
    return render(request, "service/_catalogue_results.html", {"order": order, "items": items, "kind": kind})


# The panels of the order's page that reload themselves when the order changes (RO_CHANGED).
ORDER_PANELS = ("line_table", "proposed")


@permission_required(Perm.REPAIR_ORDER_VIEW)
def order_panel(request: HttpRequest, pk: int, panel: str) -> HttpResponse:
    """One panel of the order's page again, as it is now: what a panel loads when the order changed."""
    if panel not in ORDER_PANELS:
        raise Http404
    return render(
        request, f"service/repair_order_detail.html#{panel}", _detail_context(request, _page_for(request, pk))
    )


@permission_required(Perm.REPAIR_ORDER_EDIT)
@require_POST
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a catalogue entry. For htmx the answer is the add-line form again (its errors, or empty
    for the next line of the same kind and payer) and the order's change event, on which the
    panels showing the order's figures reload."""
    order = _order_for(request, pk, Perm.REPAIR_ORDER_EDIT)
    form = LineAddForm(request.POST, prefix="line")

    def add(data):
        item = selectors.catalogue_item(order, data["kind"], data["item"])
        if item is None:
            raise ValidationError({"item": _("That entry is not in this store's catalogue.")})
        return services.line_add(
            actor=request.user, order=order, quantity=data["quantity"], payer=data["payer"],
            confirm_duplicate=data["confirm_duplicate"], **{data["kind"]: item},
        )  # fmt: skip

    added = post_form(request, form, add).ok
    if added:  # a fresh form for the next line, of the same kind and payer
        data = form.cleaned_data
        form = LineAddForm(prefix="line", initial={"kind": data["kind"], "payer": data["payer"]})
    elif not htmx_partial(request):
        flash_form_errors(request, form)
    if htmx_partial(request):
        response = render(
            request,
            "service/repair_order_detail.html#line_form",
            # After a line is added the search box takes the next one straight away.
            _detail_context(request, _page_for(request, pk), line_form=form, focus_search=added),
        )
        return htmx_announce(request, response, RO_CHANGED) if added else response
    return redirect("service:repair_order_detail", pk=pk)


@permission_required(Perm.REPAIR_ORDER_EDIT)
@require_POST
def line_remove(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    order = _order_for(request, pk, Perm.REPAIR_ORDER_EDIT)
    line = next((line for line in order.lines.all() if line.pk == line_pk), None)
    if line is None:
        raise Http404
    removed = run_action(request, lambda: services.line_remove(actor=request.user, line=line)).ok
    if htmx_partial(request):
        response = render(
            request,
            "service/repair_order_detail.html#line_table",
            _detail_context(request, _page_for(request, pk), inline_messages=True),
        )
        return htmx_announce(request, response, RO_CHANGED) if removed else response
    return redirect("service:repair_order_detail", pk=pk)


@permission_required(Perm.REPAIR_ORDER_VIEW)
@require_POST
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    """A status button: the service decides; a refusal is a message, not an error page."""
    order = _order_for(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["to"] not in Status.values:
        messages.error(request, _("Unknown state."))
        return redirect("service:repair_order_detail", pk=pk)
    to, note = form.cleaned_data["to"], form.cleaned_data["note"]
    run_action(
        request,
        lambda: services.repair_order_transition(repair_order=order, to=to, actor=request.user, note=note),
        success=_("%(number)s is now: %(status)s") % {"number": order.number, "status": Status(to).label},
    )
    return redirect("service:repair_order_detail", pk=pk)


@permission_required(Perm.REPAIR_ORDER_EDIT)
@require_POST
def authorise(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer authorises the estimate (修理委托书): signature on screen or verbal with a note."""
    order = _order_for(request, pk, Perm.REPAIR_ORDER_EDIT)
    form = AuthoriseForm(request.POST)
    if form.is_valid():
        run_action(
            request,
            lambda: services.repair_order_authorise(actor=request.user, order=order, **form.cleaned_data),
            success=_("The customer authorised the work."),
        )
    else:
        messages.error(request, _("Choose how the customer authorises."))
    return redirect("service:repair_order_detail", pk=pk)


@permission_required(Perm.REPAIR_ORDER_EDIT)
@require_POST
def line_decide(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    """The customer approves or declines proposed additional work (追加项目)."""
    order = _order_for(request, pk, Perm.REPAIR_ORDER_EDIT)
    line = next((line for line in order.lines.all() if line.pk == line_pk), None)
    if line is None:
        raise Http404
    form = DecideForm(request.POST)
    if form.is_valid():
        approved = form.cleaned_data["approve"]
        run_action(
            request,
            lambda: services.line_decide(actor=request.user, line=line, **form.cleaned_data),
            success=_("Additional work approved.") if approved else _("Additional work declined."),
        )
    else:
        messages.error(request, _("Choose approve or decline and how the customer decided."))
    return redirect("service:repair_order_detail", pk=pk)


@permission_required(Perm.DISCOUNT_APPROVE)
@require_POST
def discount(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_for(request, pk, Perm.DISCOUNT_APPROVE)
    form = DiscountForm(request.POST)
    if form.is_valid():
        run_action(
            request,
            lambda: services.repair_order_discount(actor=request.user, order=order, **form.cleaned_data),
            success=_("Discount applied."),
        )
    else:
        flash_form_errors(request, form)
    return redirect("service:repair_order_detail", pk=pk)


@permission_required(Perm.REPAIR_ORDER_EDIT)
def details_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the reception details, record findings, change the promise."""
    order = _order_for(request, pk, Perm.REPAIR_ORDER_EDIT)
    initial = {name: getattr(order, name) for name in services.DETAIL_FIELDS}
    form = DetailsForm(request.POST or None, initial=initial)

    def update(data):
        return services.repair_order_update(actor=request.user, order=order, data=data)

    if request.method == "POST" and post_form(request, form, update, success=_("Saved.")).ok:
        return redirect("service:repair_order_detail", pk=pk)
    return render(request, "service/details_form.html", {"form": form, "order": order})


# --- the check-in sheet ----------------------------------------------------------------------


@permission_required(Perm.REPAIR_ORDER_EDIT)
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """The walk-around (环车检查): damage on the car outline, belongings, covers, photos, signature."""
    order = _order_for(request, pk, Perm.REPAIR_ORDER_EDIT)
    sheet = _sheet(order)
    initial = {
        "damage_marks": json.dumps(sheet.damage_marks, ensure_ascii=False),
        "belongings": sheet.belongings,
        "covers_fitted": sheet.covers_fitted,
        "notes": sheet.notes,
    }
    form = CheckInForm(request.POST or None, initial=initial)

    def record(data):
        return services.check_in_record(actor=request.user, order=order, **data)

    if request.method == "POST" and post_form(request, form, record, success=_("Check-in sheet saved.")).ok:
        return redirect("service:repair_order_detail", pk=pk)
    return render(
        request,
        "service/check_in.html",
        {"order": order, "sheet": sheet, "form": form, "photo_form": PhotoForm(), "photos": list(order.photos.all()),
         "damage_kinds": DAMAGE_KIND_LABELS.items()},
    )  # fmt: skip


@permission_required(Perm.REPAIR_ORDER_EDIT)
@require_POST
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_for(request, pk, Perm.REPAIR_ORDER_EDIT)
    form = PhotoForm(request.POST, request.FILES)
    line_pk = request.POST.get("line", "")
    # A finding's photo goes with the proposed line it is for (docs/DOMAIN.md §3.5).
    line = get_object_or_404(order.lines.all(), pk=line_pk) if line_pk.isdigit() else None
    if form.is_valid():
        run_action(
            request,
            lambda: services.photo_add(actor=request.user, order=order, line=line, **form.cleaned_data),
            success=_("Photo attached."),
        )
    else:
        flash_form_errors(request, form)
    back = "service:check_in" if request.POST.get("next") == "check_in" else "service:repair_order_detail"
    return redirect(back, pk=pk)


@permission_required(Perm.REPAIR_ORDER_VIEW)
def photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    """A photo of the order, streamed to whoever may see the order (another store's user gets
    a 404, as for the order itself). A photo of a car and its owner's belongings is personal
    data: it has no public /media/ address."""
    order = _order_for(request, pk)
    picture = get_object_or_404(Photo.objects.filter(repair_order=order), pk=photo_pk)
    try:
        handle = picture.image.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    content_type = mimetypes.guess_type(picture.image.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- printable documents and progress --------------------------------------------------------


@permission_required(Perm.REPAIR_ORDER_VIEW)
def print_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_for(request, pk)
    return render(
        request,
        "service/print_check_in.html",
        {"order": order, "sheet": _sheet(order), "damage_kinds": dict(DAMAGE_KIND_LABELS)},
    )


@permission_required(Perm.REPAIR_ORDER_VIEW)
def print_estimate(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_for(request, pk)
    lines = selectors.mark_lines(
        order, order.lines.select_related("decision").prefetch_related("decision__photos_shown")
    )
    return render(
        request,
        "service/print_estimate.html",
        {"order": order, "groups": selectors.lines_grouped(lines), "total_hours": selectors.total_hours(lines),
         "declined": [line for line in lines if line.status == LineStatus.DECLINED]},
    )  # fmt: skip


@permission_required(Perm.REPAIR_ORDER_VIEW)
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    """进度查询: where the order stands, each step with when it was reached."""
    order = _order_for(request, pk)
    steps = selectors.progress_steps(order, order.status_changes.all())
    return render(request, "service/progress.html", {"order": order, "steps": steps})


# --- history on the vehicle and customer pages -----------------------------------------------


@permission_required(Perm.REPAIR_ORDER_VIEW)
def vehicle_history(request: HttpRequest, vehicle_pk: int) -> HttpResponse:
    """车历: loaded into the vehicle page by htmx, so that page's own queries stay as they are."""
    vehicle = get_object_or_404(Vehicle.objects.for_user(request.user, Perm.REPAIR_ORDER_VIEW), pk=vehicle_pk)
    orders = selectors.history_for(request.user, vehicle=vehicle)
    return render(request, "service/_history.html", {"orders": orders, "show_lines": True, "show_vehicle": False})


@permission_required(Perm.REPAIR_ORDER_VIEW)
def customer_history(request: HttpRequest, customer_pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer.objects.for_user(request.user, Perm.REPAIR_ORDER_VIEW), pk=customer_pk)
    orders = selectors.history_for(request.user, customer=customer)
    return render(request, "service/_history.html", {"orders": orders, "show_lines": False, "show_vehicle": True})


# --- export ----------------------------------------------------------------------------------


@permission_required(Perm.DATA_EXPORT)
def repair_order_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The orders matching the list's filters, opened in a date range (this month by default), as CSV or xlsx."""
    from . import exports

    if fmt not in exports.FORMATS:
        raise Http404
    form = exports.ExportForm(request.GET)
    if not form.is_valid():
        return render(request, "service/repair_order_export.html", {"form": form, "fmt": fmt}, status=400)
    return exports.export_repair_orders(
        user=request.user, fmt=fmt, since=form.cleaned_data["since"], until=form.cleaned_data["until"],
        queryset=exports.filtered(request.user, form.filters()),
    )  # fmt: skip


# --- site work (docs/DOMAIN.md §17.9) ----------------------------------------------------------------


def _site_context(request, order: RepairOrder) -> dict:
    from aftercare.catalog.choices import PLUG_IN_POWERTRAINS

    from .forms import KitForm
    from .services.site import ACCEPTANCE_STATUSES, KIT_STATUSES, SITE_EDIT_STATUSES, SURVEY_STATUSES

    visit = services.site_visit_of(order)
    perms = request.user.allowed_at(order.store_id)
    can_edit = Perm.REPAIR_ORDER_EDIT in perms
    context = {"order": order, "visit": visit, "plug_in": order.vehicle.powertrain in PLUG_IN_POWERTRAINS}
    if can_edit and context["plug_in"] and order.status in SITE_EDIT_STATUSES:
        initial = {"travel_minutes": 30}
        if visit is not None:
            initial = {
                "kind": visit.kind, "address": visit.address, "travel_minutes": visit.travel_minutes,
                "van": visit.van_id, "window_start": visit.window_start, "window_end": visit.window_end,
            }  # fmt: skip
        context["visit_form"] = SiteVisitForm(store=order.store, initial=initial, prefix="site")
    if visit is None:
        return context
    items = services.kit_items(order.store, visit.kind)
    context["kit"] = items
    if not visit.kit_confirmed and order.status in KIT_STATUSES and ({Perm.JOB_CLOCK, Perm.DISPATCH} & set(perms)):
        context["kit_form"] = KitForm(items=items)
    if visit.is_wallbox:
        context["survey_photos"] = list(visit.survey_photos.all())
        if can_edit and order.status in SURVEY_STATUSES:
            photos = list(order.photos.all())
            context["survey_form"] = SiteSurveyForm(
                photos=photos,
                initial={"notes": visit.survey_notes, "photos": [str(p.pk) for p in context["survey_photos"]]},
            )
        if (
            not visit.accepted
            and order.status in ACCEPTANCE_STATUSES
            and ({Perm.REPAIR_ORDER_EDIT, Perm.JOB_CLOCK} & set(perms))
        ):
            context["acceptance_form"] = AcceptanceForm()
    return context


@permission_required(Perm.REPAIR_ORDER_VIEW)
def site_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The site-work card of the order's page (loaded by htmx, reloaded when the order changes)."""
    return render(request, "service/_site_panel.html", _site_context(request, _order_for(request, pk)))


@permission_required(Perm.REPAIR_ORDER_EDIT)
@require_POST
def site_visit(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_for(request, pk, Perm.REPAIR_ORDER_EDIT)
    form = SiteVisitForm(request.POST, store=order.store, prefix="site")
    outcome = post_form(
        request, form, lambda data: services.site_visit_set(actor=request.user, order=order, **data),
        success=_("Site work saved."),
    )  # fmt: skip
    if not outcome.ok:
        flash_form_errors(request, form)
    return redirect("service:repair_order_detail", pk=pk)


@permission_required(Perm.JOB_CLOCK, Perm.DISPATCH)
@require_POST
def site_kit(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_for(request, pk)
    run_action(
        request,
        lambda: services.site_kit_confirm(actor=request.user, order=order, checked=request.POST.getlist("checked")),
        success=_("Kit confirmed: the van may leave."),
    )
    return redirect("service:repair_order_detail", pk=pk)


@permission_required(Perm.REPAIR_ORDER_EDIT)
@require_POST
def site_survey(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_for(request, pk, Perm.REPAIR_ORDER_EDIT)
    form = SiteSurveyForm(request.POST, photos=list(order.photos.all()))
    outcome = post_form(
        request, form,
        lambda data: services.site_survey_record(
            actor=request.user, order=order, notes=data["notes"], photos=[int(pk) for pk in data["photos"]]
        ),
        success=_("Site survey recorded."),
    )  # fmt: skip
    if not outcome.ok:
        flash_form_errors(request, form)
    return redirect("service:repair_order_detail", pk=pk)


@permission_required(Perm.REPAIR_ORDER_EDIT, Perm.JOB_CLOCK)
@require_POST
def site_acceptance(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_for(request, pk)
    form = AcceptanceForm(request.POST)
    signature = form.cleaned_data["signature"] if form.is_valid() else ""
    note = form.cleaned_data.get("note", "") if form.is_valid() else ""
    run_action(
        request,
        lambda: services.site_acceptance_sign(actor=request.user, order=order, signature=signature, note=note),
        success=_("The customer's acceptance is signed."),
    )
    return redirect("service:repair_order_detail", pk=pk)
