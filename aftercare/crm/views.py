"""Pages of the retention engine: the rules and their firings (manager), and the
vehicle page's maintenance forecast panel."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.core.permissions import Perm
from aftercare.core.tables import lazy_page
from aftercare.core.views import permission_required, run_action
from aftercare.customers.models import Vehicle

from . import services
from .choices import Trigger
from .mileage import project, vehicle_readings
from .models import CrmSettings, Firing, RetentionRule
from .rules import rules_ensure


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
