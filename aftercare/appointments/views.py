"""Pages of the appointment book: the day grid and the week for advisors, the
booking form, one appointment with its actions, export and statistics."""

from datetime import time, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.core.audit import audit_record
from aftercare.core.dates import parse_day
from aftercare.core.exports import csv_response
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm
from aftercare.core.views import htmx_partial, permission_required, post_form, run_action
from aftercare.core.workflow import TransitionRefused

from . import selectors, services
from .forms import AppointmentForm, CancelForm, ConvertForm, DateRangeForm
from .models import Appointment

# The booking service says start_at; the form splits it into a date and a start time.
SERVICE_TO_FORM_FIELDS = {"start_at": "start_time"}


def _visible(request: HttpRequest):
    return Appointment.objects.for_user(request.user, Perm.REPAIR_ORDER_VIEW)


def _appointment_for(request: HttpRequest, pk: int, perm: str = Perm.REPAIR_ORDER_VIEW) -> Appointment:
    return get_object_or_404(
        Appointment.objects.for_user(request.user, perm).select_related(
            "store", "vehicle", "customer", "bay", "technician", "repair_type", "booked_by", "repair_order"
        ),
        pk=pk,
    )


def _store(request: HttpRequest):
    if request.store is None:
        raise Http404
    return request.store


def _partial(request: HttpRequest, template: str, name: str) -> str:
    return f"{template}#{name}" if htmx_partial(request) else template


@permission_required(Perm.REPAIR_ORDER_VIEW)
def day_view(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    day = parse_day(request.GET.get("date"), timezone.localdate())
    schedule = selectors.day_schedule(appointments=_visible(request), store=store, day=day)
    context = {
        "day": day,
        "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1),
        "today": timezone.localdate(),
        "can_edit": request.user.has_perm(Perm.APPOINTMENT_EDIT, store),
        "can_export": request.user.has_perm(Perm.DATA_EXPORT, store),
        **schedule,
    }
    return render(request, _partial(request, "appointments/day.html", "schedule"), context)


@permission_required(Perm.REPAIR_ORDER_VIEW)
def week_view(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    day = parse_day(request.GET.get("date"), timezone.localdate())
    first = day - timedelta(days=day.weekday())
    context = {
        "first": first,
        "previous": first - timedelta(days=7),
        "next": first + timedelta(days=7),
        "days": selectors.week_schedule(appointments=_visible(request), store=store, first_day=first),
        "today": timezone.localdate(),
        "can_export": request.user.has_perm(Perm.DATA_EXPORT, store),
    }
    return render(request, _partial(request, "appointments/week.html", "schedule"), context)


@permission_required(Perm.APPOINTMENT_EDIT)
def slots(request: HttpRequest) -> HttpResponse:
    """The free start times for the booking form (an htmx fragment)."""
    store = _store(request)
    form = AppointmentForm(request.GET, store=store)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    day, operations = data.get("day"), list(data.get("operations") or [])
    travel = data.get("travel_minutes")
    travel = services.DEFAULT_TRAVEL_MINUTES if travel is None else travel
    found = selectors.free_slots(store=store, day=day, operations=operations, travel_minutes=travel) if day else []
    return render(request, "appointments/_slots.html", {"slots": found, "day": day})


@permission_required(Perm.APPOINTMENT_EDIT)
def appointment_create(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    if not request.user.has_perm(Perm.APPOINTMENT_EDIT, store):
        raise PermissionDenied
    initial = {
        "day": parse_day(request.GET.get("date"), timezone.localdate()),
        "vehicle": request.GET.get("vehicle", ""),
    }
    form = AppointmentForm(request.POST or None, store=store, initial=initial)
    if request.method == "POST":
        booked = post_form(
            request,
            form,
            lambda data: services.appointment_book(
                actor=request.user, store=store, vehicle=data["vehicle"], **form.service_data()
            ),
            success=lambda appointment: _("Appointment %(number)s booked.") % {"number": appointment.number},
            rename=SERVICE_TO_FORM_FIELDS,
        )
        if booked.ok:
            return redirect("appointments:detail", pk=booked.result.pk)
    return render(request, "appointments/form.html", {"form": form})


def _detail_page(request: HttpRequest, appointment: Appointment, convert_form=None, status: int = 200):
    return render(
        request,
        "appointments/detail.html",
        {
            "appointment": appointment,
            "lines": appointment.operations.select_related("operation"),
            "history": appointment.status_changes.select_related("changed_by"),
            "can_edit": request.user.has_perm(Perm.APPOINTMENT_EDIT, appointment),
            "cancel_form": CancelForm(),
            "convert_form": convert_form or ConvertForm(vehicle=appointment.vehicle),
            "repair_order_url": _repair_order_url(appointment.repair_order) if appointment.repair_order else "",
        },
        status=status,
    )


@permission_required(Perm.REPAIR_ORDER_VIEW)
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _appointment_for(request, pk))


@permission_required(Perm.APPOINTMENT_EDIT)
def appointment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment_for(request, pk, Perm.APPOINTMENT_EDIT)
    if not appointment.is_changeable:
        messages.error(request, _("This appointment can no longer be changed."))
        return redirect("appointments:detail", pk=pk)
    start = timezone.localtime(appointment.start_at)
    initial = {
        "vehicle": appointment.vehicle.plate or appointment.vehicle_id,
        "channel": appointment.channel,
        "complaint": appointment.complaint,
        "repair_type": appointment.repair_type,
        "operations": [line.operation_id for line in appointment.operations.all()],
        "day": start.date(),
        "start_time": start.time(),
        "bay": appointment.bay,
        "technician": appointment.technician,
        "bring_reminder": appointment.bring_reminder,
        "site_address": appointment.site_address,
        "travel_minutes": appointment.travel_minutes if appointment.site_kind else None,
        "van": appointment.van,
    }
    form = AppointmentForm(request.POST or None, store=appointment.store, initial=initial)
    form.fields["vehicle"].disabled = True
    if request.method == "POST":
        changed = post_form(
            request,
            form,
            lambda data: services.appointment_change(
                actor=request.user, appointment=appointment, **form.service_data()
            ),
            success=_("Appointment %(number)s changed.") % {"number": appointment.number},
            rename=SERVICE_TO_FORM_FIELDS,
        )
        if changed.ok:
            return redirect("appointments:detail", pk=pk)
    return render(request, "appointments/form.html", {"form": form, "appointment": appointment})


def _status_action(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    appointment = _appointment_for(request, pk, Perm.APPOINTMENT_EDIT)
    run_action(request, lambda: action(appointment), success=done % {"number": appointment.number})
    return redirect("appointments:detail", pk=pk)


@permission_required(Perm.APPOINTMENT_EDIT)
@require_POST
def appointment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _status_action(
        request, pk,
        lambda a: services.appointment_cancel(actor=request.user, appointment=a, reason=reason),
        _("Appointment %(number)s cancelled."),
    )  # fmt: skip


@permission_required(Perm.APPOINTMENT_EDIT)
@require_POST
def appointment_arrived(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_action(
        request, pk,
        lambda a: services.appointment_mark_arrived(actor=request.user, appointment=a),
        _("Appointment %(number)s: the customer has arrived."),
    )  # fmt: skip


@permission_required(Perm.APPOINTMENT_EDIT)
@require_POST
def appointment_no_show(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_action(
        request, pk,
        lambda a: services.appointment_mark_no_show(actor=request.user, appointment=a),
        _("Appointment %(number)s marked as a no-show."),
    )  # fmt: skip


def _repair_order_url(order) -> str:
    # The repair order page belongs to the service app; fall back to the
    # customer if it is not wired in this installation.
    for name in ("service:repair_order_detail", "service:ro_detail"):
        try:
            return reverse(name, args=[order.pk])
        except NoReverseMatch:
            continue
    return reverse("customers:customer_detail", args=[order.customer_id])


@permission_required(Perm.APPOINTMENT_EDIT)
@require_POST
def appointment_convert(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment_for(request, pk, Perm.APPOINTMENT_EDIT)
    form = ConvertForm(request.POST, vehicle=appointment.vehicle)
    converted = post_form(
        request,
        form,
        lambda data: services.appointment_convert(
            actor=request.user, appointment=appointment, odometer_km=data["odometer_km"],
            odometer_correction_reason=data["odometer_correction_reason"],
        ),
        success=lambda order: _("Repair order %(number)s opened.") % {"number": order.number},
        # A booking no longer open for conversion is a refusal of the step, not of what was typed.
        refused=(TransitionRefused, PermissionDenied),
    )  # fmt: skip
    if converted.ok:
        return redirect(_repair_order_url(converted.result))
    if not form.errors:
        return redirect("appointments:detail", pk=pk)
    # The reading and its reason are shown again with their errors beside them.
    return _detail_page(request, appointment, convert_form=form, status=400)


def _export_row(a: Appointment) -> list:
    return [
        a.number, a.store.name, a.get_status_display(), a.get_channel_display(),
        timezone.localtime(a.start_at).strftime("%Y-%m-%d %H:%M"),
        timezone.localtime(a.end_at).strftime("%Y-%m-%d %H:%M"), a.customer.name, a.vehicle.plate,
        f"{a.vehicle.brand} {a.vehicle.model}", a.complaint, str(a.repair_type), a.estimated_hours,
        a.estimated_price, str(a.bay or ""), str(a.technician or ""),
        a.repair_order.number if a.repair_order else "",
    ]  # fmt: skip


@permission_required(Perm.DATA_EXPORT)
def appointment_export(request: HttpRequest) -> HttpResponse:
    """The appointments of a date range as CSV (Excel opens it), docs/DOMAIN.md §5.4."""
    form = DateRangeForm(request.GET or None)
    if not form.is_valid():
        today = timezone.localdate()
        form = DateRangeForm({"date_from": today, "date_to": today + timedelta(days=6)})
        form.is_valid()
    date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    appointments = (
        Appointment.objects.for_user(request.user, Perm.DATA_EXPORT)
        .filter(
            start_at__gte=selectors.local_datetime(date_from, time.min),
            start_at__lt=selectors.local_datetime(date_to + timedelta(days=1), time.min),
        )
        .select_related("store", "customer", "vehicle", "bay", "technician", "repair_type", "repair_order")
        .order_by("start_at", "id")
    )
    audit_record(
        actor=request.user, action=AuditEntry.Action.EXPORT, store=request.store,
        object_repr=f"appointments {date_from}..{date_to}",
    )  # fmt: skip
    headers = [
        _("Number"), _("Store"), _("Status"), _("Channel"), _("Starts at"), _("Ends at"), _("Customer"),
        _("Plate"), _("Vehicle"), _("Complaint or service wanted"), _("Repair type"), _("FRT hours"),
        _("Estimated labour"), _("Bay"), _("Technician"), _("Repair order"),
    ]  # fmt: skip
    rows = (_export_row(a) for a in appointments.iterator(chunk_size=500))
    return csv_response(f"appointments-{date_from}-{date_to}.csv", headers, rows)


@permission_required(Perm.REPAIR_ORDER_VIEW)
def statistics(request: HttpRequest) -> HttpResponse:
    """Booked, arrived, no-show, cancelled, by channel, for a date range (docs/DOMAIN.md §5.4)."""
    today = timezone.localdate()
    form = DateRangeForm(request.GET or {"date_from": today.replace(day=1), "date_to": today})
    stats = None
    if form.is_valid():
        stats = selectors.appointment_statistics(
            appointments=_visible(request).filter(store=_store(request)),
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
        )
    return render(request, _partial(request, "appointments/statistics.html", "results"), {"form": form, "stats": stats})
