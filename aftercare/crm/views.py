"""Pages of the retention engine: the rules and their firings (manager), and the
vehicle page's maintenance forecast panel."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.appointments.models import Appointment
from aftercare.core.dates import iso_day
from aftercare.core.permissions import Perm
from aftercare.core.tables import lazy_page
from aftercare.core.views import flash_form_errors, permission_required, post_form, run_action
from aftercare.customers.models import Vehicle

from . import services
from . import solicitation as solicitation_service
from .choices import Trigger
from .forms import OutcomeForm
from .mileage import project, vehicle_readings
from .models import CrmSettings, Firing, RetentionRule, SolicitationEntry
from .rules import rules_ensure
from .solicitation import missed_reasons


@permission_required(Perm.CAMPAIGN_MANAGE)
def rules(request: HttpRequest) -> HttpResponse:
    stores = request.user.store_ids(Perm.CAMPAIGN_MANAGE)
    store = request.store if getattr(request, "store", None) and request.store.pk in stores else None
    if store is not None:
        rules_ensure(store)
    rows = (
        RetentionRule.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE)
        .select_related("store")
        .order_by("store_id", "pk")
    )
    return render(request, "crm/rules.html", {"rules": rows})


@require_POST
@permission_required(Perm.CAMPAIGN_MANAGE)
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RetentionRule.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE), pk=pk)
    run_action(request, lambda: services.rule_toggle(actor=request.user, rule=rule), success=_("Saved."))
    return redirect("crm:rules")


@permission_required(Perm.CAMPAIGN_MANAGE)
def firings(request: HttpRequest) -> HttpResponse:
    rows = (
        Firing.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE)
        .select_related("rule", "customer", "vehicle", "store")
        .order_by("-fired_at", "-id")
    )
    trigger = request.GET.get("trigger")
    if trigger:
        rows = rows.filter(rule__trigger=trigger)
    page = lazy_page(request, rows)
    return render(request, "crm/firings.html", {"page": page, "triggers": Trigger.choices, "trigger": trigger})


@permission_required(Perm.CUSTOMER_VIEW)
def vehicle_forecast(request: HttpRequest, pk: int) -> HttpResponse:
    vehicle = get_object_or_404(Vehicle.objects.for_user(request.user, Perm.CUSTOMER_VIEW), pk=pk)
    default = CrmSettings.for_store(vehicle.store).default_km_per_day
    due = project(vehicle, vehicle_readings(vehicle), today=timezone.localdate(), default=default)
    return render(request, "crm/vehicle_forecast.html", {"vehicle": vehicle, "due": due})


@permission_required(Perm.FOLLOWUP_WORK, Perm.REPORT_VIEW)
def solicitation(request: HttpRequest) -> HttpResponse:
    """A month's solicitation list (定期保养用户一览表), filtered by outcome and reason (the report's drill-down)."""
    try:
        month = iso_day(request.GET.get("month", "")).replace(day=1)
    except ValueError:
        month = timezone.localdate().replace(day=1)
    rows = (
        SolicitationEntry.objects.for_user(request.user, Perm.FOLLOWUP_WORK)
        .filter(month=month)
        .select_related("vehicle", "customer", "store")
        .order_by("due_on", "pk")
    )
    outcome, reason = request.GET.get("outcome"), request.GET.get("reason")
    if outcome is not None:
        rows = rows.filter(outcome=outcome)
    if reason:
        rows = rows.filter(decline_reason=reason)
    context = {"page": lazy_page(request, rows), "month": month, "form": OutcomeForm()}
    return render(request, "crm/solicitation.html", {**context, "report": missed_reasons(user=request.user)})


@require_POST
@permission_required(Perm.FOLLOWUP_WORK)
def solicitation_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(SolicitationEntry.objects.for_user(request.user, Perm.FOLLOWUP_WORK), pk=pk)
    form = OutcomeForm(request.POST)

    def record(data):
        appointment = None
        if data.get("appointment"):
            appointment = Appointment.objects.filter(store=entry.store, pk=data["appointment"]).first()
        return solicitation_service.solicitation_outcome(
            actor=request.user, entry=entry, outcome=data["outcome"], reason=data.get("reason") or "",
            appointment=appointment, note=data.get("note") or "",
        )  # fmt: skip

    outcome = post_form(request, form, record, success=_("Saved."), rename={"decline_reason": "reason"})
    if not outcome.ok:
        flash_form_errors(request, form)
    return redirect(f"{reverse('crm:solicitation')}?month={entry.month:%Y-%m-%d}")
