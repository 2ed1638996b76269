"""The VIC programme's pages (docs/DOMAIN.md §13.3): enrolments and the tier rule, visits at any
store, the group directory, pick-ups and returns, courtesy cars and loans with the monthly
report, events with invitations and check-in, and errands. Each reads through for_user()."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.core.permissions import Perm
from aftercare.core.views import flash_form_errors, permission_required, post_form, run_action

from . import forms, selectors, services
from .choices import ERRAND_OPEN, LOAN_OPEN, BookingStatus
from .models import CourtesyCar, CourtesyLoan, Errand, Invitation, PickupBooking, VicEnrolment, VicEvent, VicRule


def _store(request):
    if request.store is None:
        raise Http404
    return request.store


def _can(request, perm) -> bool:
    return request.user.has_perm(perm, _store(request))


@permission_required(Perm.VIC_VIEW)
def enrolments(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    rows = (
        VicEnrolment.objects.for_user(request.user, Perm.VIC_VIEW)
        .active()
        .filter(store=store)
        .select_related("customer", "specialist")
        .order_by("-enrolled_at")
    )
    if request.GET.get("specialist") == "me":
        rows = rows.filter(specialist=request.user)
    can_enrol = _can(request, Perm.VIC_ENROL)
    form = forms.EnrolForm(request.POST or None, store=store, initial={"customer": request.GET.get("customer")})
    if request.method == "POST":
        if not can_enrol:
            raise PermissionDenied
        done = post_form(
            request,
            form,
            lambda d: services.enrol(
                actor=request.user, customer=d["customer"], specialist=d["specialist"], reason=d["reason"]
            ),
            success=_("The customer is now a VIC."),
        )
        if done.ok:
            return redirect("vic:enrolments")
    rule = VicRule.objects.filter(store=store).select_related("specialist").first()
    rule_form = forms.RuleForm(
        store=store, initial={"tier": rule.tier, "specialist": rule.specialist_id} if rule else None
    )
    return render(
        request,
        "vic/enrolments.html",
        {
            "rows": rows[:500],
            "form": form,
            "can_enrol": can_enrol,
            "rule": rule,
            "rule_form": rule_form,
        },
    )


@require_POST
@permission_required(Perm.VIC_ENROL)
def enrolment_end(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_object_or_404(VicEnrolment.objects.for_user(request.user, Perm.VIC_ENROL), pk=pk)
    reason = request.POST.get("reason", "")[:200]
    run_action(
        request,
        lambda: services.enrolment_end(actor=request.user, enrolment=enrolment, reason=reason),
        success=_("The enrolment has ended."),
    )
    return redirect("vic:enrolments")


@require_POST
@permission_required(Perm.VIC_ENROL)
def rule_save(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    form = forms.RuleForm(request.POST, store=store)
    done = post_form(
        request,
        form,
        lambda d: services.rule_set(actor=request.user, store=store, **d),
        success=_("The tier rule is saved."),
    )
    if done.ok:
        count = services.tier_rule_apply(store)
        if count:
            from django.contrib import messages

            messages.info(request, _("%(n)s customers enrolled by the rule.") % {"n": count})
    else:
        flash_form_errors(request, form)
    return redirect("vic:enrolments")


@permission_required(Perm.VIC_VIEW)
def visits(request: HttpRequest) -> HttpResponse:
    rows = selectors.visits_for(request.user).select_related(
        "store",
        "repair_order",
        "repair_order__vehicle",
        "repair_order__customer",
        "enrolment__store",
        "enrolment__specialist",
        "received_by",
    )
    if request.GET.get("away"):
        rows = rows.filter(away=True)
    if request.GET.get("open"):
        rows = rows.filter(acknowledged_at__isnull=True)
    return render(
        request, "vic/visits.html", {"rows": rows[:200], "work_store_ids": set(request.user.store_ids(Perm.VIC_WORK))}
    )


@require_POST
@permission_required(Perm.VIC_WORK)
def visit_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(selectors.visits_for(request.user).select_related("enrolment__store"), pk=pk)
    run_action(request, lambda: services.visit_acknowledge(actor=request.user, visit=visit), success=_("Acknowledged."))
    return redirect("vic:visits")


@permission_required(Perm.VIC_VIEW)
def directory(request: HttpRequest) -> HttpResponse:
    return render(request, "vic/directory.html", {"rows": selectors.directory(request.user)})


# --- pick-up and return --------------------------------------------------------------------


@permission_required(Perm.VIC_WORK)
def bookings(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    form = forms.BookingForm(request.POST or None, store=store)
    if request.method == "POST":

        def create(d):
            return services.booking_create(actor=request.user, store=store, customer=d["vehicle"].owner, **d)

        done = post_form(request, form, create, success=_("The trip is booked."))
        if done.ok:
            return redirect("vic:booking", pk=done.result.pk)
    rows = (
        PickupBooking.objects.for_user(request.user, Perm.VIC_WORK)
        .filter(store=store)
        .select_related("customer", "vehicle", "driver")
        .order_by("-window_start")
    )
    return render(request, "vic/bookings.html", {"rows": rows[:200], "form": form})


def _booking(request, pk):
    return get_object_or_404(
        PickupBooking.objects.for_user(request.user, Perm.VIC_WORK).select_related(
            "customer", "vehicle", "driver", "at_customer", "at_store", "store"
        ),
        pk=pk,
    )


@permission_required(Perm.VIC_WORK)
def booking(request: HttpRequest, pk: int) -> HttpResponse:
    trip = _booking(request, pk)
    form = forms.HandoverForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        end = request.POST.get("end", "")
        done = post_form(
            request,
            form,
            lambda d: services.booking_handover(
                actor=request.user,
                booking=trip,
                end=end,
                odometer_km=d["odometer_km"],
                fuel_level=d["fuel_level"],
                damage=d["damage"],
                photos=[d["photos"]] if d.get("photos") else [],
            ),
            success=_("Recorded."),
        )
        if done.ok:
            return redirect("vic:booking", pk=pk)
    return render(
        request, "vic/booking.html", {"trip": trip, "form": form, "open": trip.status == BookingStatus.BOOKED}
    )


@require_POST
@permission_required(Perm.VIC_WORK)
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    trip = _booking(request, pk)
    run_action(request, lambda: services.booking_cancel(actor=request.user, booking=trip), success=_("Cancelled."))
    return redirect("vic:booking", pk=pk)


@require_POST
@permission_required(Perm.VIC_WORK)
def sign_link(request: HttpRequest, pk: int) -> HttpResponse:
    from .models import Handover

    handover = get_object_or_404(Handover.objects.for_user(request.user, Perm.VIC_WORK), pk=pk)
    customer = selectors.handover_customer(handover)
    run_action(
        request,
        lambda: services.sign_link_send(actor=request.user, handover=handover, customer=customer),
        success=_("The signature link has been sent to the customer's phone."),
    )
    return redirect(request.POST.get("next") if str(request.POST.get("next", "")).startswith("/vic/") else "vic:loans")


# --- courtesy cars -------------------------------------------------------------------------


@permission_required(Perm.VIC_WORK)
def loans(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    car_form = forms.CarForm(prefix="car")
    form = forms.LoanForm(store=store, initial={"customer": request.GET.get("customer")})
    if request.method == "POST":
        if "car-plate" in request.POST:
            car_form = forms.CarForm(request.POST, prefix="car")
            if post_form(
                request,
                car_form,
                lambda d: services.car_add(actor=request.user, store=store, **d),
                success=_("The car is in the fleet."),
            ).ok:
                return redirect("vic:loans")
        else:
            form = forms.LoanForm(request.POST, store=store)
            done = post_form(
                request,
                form,
                lambda d: services.loan_book(actor=request.user, **d),
                success=_("The courtesy car is booked."),
            )
            if done.ok:
                return redirect("vic:loan", pk=done.result.pk)
    cars = CourtesyCar.objects.for_user(request.user, Perm.VIC_WORK).filter(store=store)
    rows = (
        CourtesyLoan.objects.for_user(request.user, Perm.VIC_WORK)
        .filter(store=store)
        .select_related("car", "customer")
        .order_by("-starts_at")
    )
    return render(
        request,
        "vic/loans.html",
        {
            "cars": cars,
            "rows": rows[:200],
            "form": form,
            "car_form": car_form,
            "open_statuses": LOAN_OPEN,
        },
    )


def _loan(request, pk):
    return get_object_or_404(
        CourtesyLoan.objects.for_user(request.user, Perm.VIC_WORK).select_related(
            "car", "customer", "store", "handed_out", "returned"
        ),
        pk=pk,
    )


@permission_required(Perm.VIC_WORK)
def loan(request: HttpRequest, pk: int) -> HttpResponse:
    lent = _loan(request, pk)
    form = forms.HandoverForm(request.POST or None, request.FILES or None)
    charge_form = forms.ChargeForm(prefix="charge")
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "charge":
            charge_form = forms.ChargeForm(request.POST, prefix="charge")
            if post_form(
                request,
                charge_form,
                lambda d: services.loan_charge_add(actor=request.user, loan=lent, **d),
                success=_("Recorded."),
            ).ok:
                return redirect("vic:loan", pk=pk)
        elif action == "cancel":
            run_action(request, lambda: services.loan_cancel(actor=request.user, loan=lent), success=_("Cancelled."))
            return redirect("vic:loan", pk=pk)
        else:
            act = services.loan_hand_out if action == "out" else services.loan_return
            done = post_form(
                request,
                form,
                lambda d: act(
                    actor=request.user,
                    loan=lent,
                    odometer_km=d["odometer_km"],
                    fuel_level=d["fuel_level"],
                    damage=d["damage"],
                    photos=[d["photos"]] if d.get("photos") else [],
                ),
                success=_("Recorded."),
            )
            if done.ok:
                return redirect("vic:loan", pk=pk)
    return render(
        request,
        "vic/loan.html",
        {"loan": lent, "form": form, "charge_form": charge_form, "charges": lent.charges.all()},
    )


@permission_required(Perm.VIC_VIEW)
def loan_report(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    text = request.GET.get("month", "")
    try:
        year, month = (int(part) for part in text.split("-"))
        first = date(year if 2000 <= year <= 2100 else 0, month, 1)
    except (TypeError, ValueError):
        first = timezone.localdate().replace(day=1)
    rows = selectors.loan_report(request.user, store, first)
    return render(request, "vic/loan_report.html", {"rows": rows, "month": first})


# --- events --------------------------------------------------------------------------------


@permission_required(Perm.VIC_VIEW)
def events(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    form = forms.EventForm(request.POST or None)
    if request.method == "POST":
        if not _can(request, Perm.VIC_WORK):
            raise PermissionDenied
        done = post_form(
            request,
            form,
            lambda d: services.event_create(actor=request.user, store=store, **d),
            success=_("The event is planned."),
        )
        if done.ok:
            return redirect("vic:event", pk=done.result.pk)
    rows = VicEvent.objects.for_user(request.user, Perm.VIC_VIEW).filter(store=store)
    return render(
        request, "vic/events.html", {"rows": rows[:200], "form": form, "can_work": _can(request, Perm.VIC_WORK)}
    )


@permission_required(Perm.VIC_WORK)
def event(request: HttpRequest, pk: int) -> HttpResponse:
    planned = get_object_or_404(VicEvent.objects.for_user(request.user, Perm.VIC_WORK).select_related("store"), pk=pk)
    form = forms.InviteForm(request.POST or None, store=planned.store)
    if request.method == "POST":
        done = post_form(
            request,
            form,
            lambda d: services.invite(actor=request.user, event=planned, customer=d["customer"]),
            success=_("The invitation has been sent."),
        )
        if done.ok:
            return redirect("vic:event", pk=pk)
    invitations = planned.invitations.select_related("customer").order_by("status", "id")
    return render(
        request,
        "vic/event.html",
        {
            "event": planned,
            "form": form,
            "invitations": invitations,
            "summary": selectors.event_summary(planned),
        },
    )


@require_POST
@permission_required(Perm.VIC_WORK)
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation.objects.for_user(request.user, Perm.VIC_WORK).select_related("event__store"), pk=pk
    )
    form = forms.CheckInForm(request.POST)
    guest = form.is_valid() and form.cleaned_data["guest_came"]
    run_action(
        request,
        lambda: services.check_in(actor=request.user, invitation=invitation, guest_came=guest),
        success=_("Checked in."),
    )
    return redirect("vic:event", pk=invitation.event_id)


# --- errands -------------------------------------------------------------------------------


@permission_required(Perm.VIC_WORK)
def errands(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    form = forms.ErrandForm(request.POST or None, store=store, initial={"customer": request.GET.get("customer")})
    if request.method == "POST":
        done = post_form(
            request,
            form,
            lambda d: services.errand_create(actor=request.user, store=store, **d),
            success=_("The errand is recorded."),
        )
        if done.ok:
            return redirect("vic:errands")
    rows = (
        Errand.objects.for_user(request.user, Perm.VIC_WORK)
        .filter(store=store)
        .select_related("customer", "assigned_to", "vehicle")
    )
    if not request.GET.get("all"):
        rows = rows.filter(status__in=ERRAND_OPEN)
    return render(request, "vic/errands.html", {"rows": rows[:300], "form": form, "move_form": forms.ErrandMoveForm()})


@require_POST
@permission_required(Perm.VIC_WORK)
def errand_move(request: HttpRequest, pk: int) -> HttpResponse:
    errand = get_object_or_404(Errand.objects.for_user(request.user, Perm.VIC_WORK), pk=pk)
    form = forms.ErrandMoveForm(request.POST)
    if not post_form(
        request,
        form,
        lambda d: services.errand_move(actor=request.user, errand=errand, **d),
        success=_("The errand has moved on."),
    ).ok:
        flash_form_errors(request, form) if form.errors else None
    return redirect("vic:errands")
