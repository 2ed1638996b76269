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
from aftercare.core.exports import FORMATS, export_response
from aftercare.core.masking import mask_name, mask_phone
from aftercare.core.models import Store
from aftercare.core.permissions import Perm, require
from aftercare.core.tables import lazy_page
from aftercare.core.views import flash_form_errors, htmx_partial, permission_required, post_form, run_action
from aftercare.customers.models import Vehicle
from aftercare.service.models import RepairOrder

from . import campaigns as campaign_service
from . import services
from . import solicitation as solicitation_service
from .choices import Trigger
from .filters import clean_filters, segment_filter, segment_members
from .forms import CampaignForm, OutcomeForm, PackageOfferForm, RecommendationRuleForm, SegmentNameForm
from .mileage import first_visits_of, project, vehicle_readings
from .models import (
    Campaign,
    CampaignAttribution,
    CampaignInvitation,
    CrmSettings,
    Firing,
    RecommendationRule,
    RetentionRule,
    Segment,
    SolicitationEntry,
)
from .recommendations import for_order, for_segment, recommendation_rules_ensure
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
    crm_settings = CrmSettings.for_store(vehicle.store)
    due = project(
        vehicle, vehicle_readings(vehicle), today=timezone.localdate(), default=crm_settings.default_km_per_day,
        first_visit=first_visits_of([vehicle.pk]).get(vehicle.pk), first_cycle_months=crm_settings.first_cycle_months,
    )  # fmt: skip
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


# --- saved segments and campaigns (docs/DOMAIN.md §11.6, §19) ---------------------------------------


def _manager_store(request):
    """The store a manager builds segments and campaigns for: the current one if theirs, else their first."""
    stores = request.user.store_ids(Perm.CAMPAIGN_MANAGE)
    current = getattr(request, "store", None)
    if current is not None and current.pk in stores:
        return current
    return Store.objects.filter(pk__in=stores).order_by("pk").first()


@permission_required(Perm.CAMPAIGN_MANAGE)
def segments(request: HttpRequest) -> HttpResponse:
    """The saved segments, and the builder: the filter on screen with its live count; POST saves it."""
    store = _manager_store(request)
    draft = Segment(store=store)
    data = request.POST if request.method == "POST" else request.GET
    flt = segment_filter(draft, data)
    name_form = SegmentNameForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        outcome = post_form(
            request, name_form,
            lambda d: campaign_service.segment_save(
                actor=request.user, store=store, name=d["name"], filters=clean_filters(request.POST)
            ),
            success=_("Segment saved."),
        )  # fmt: skip
        if outcome.ok and flt.is_valid():
            return redirect("crm:segment", pk=outcome.result.pk)
        flash_form_errors(request, name_form)
    count = flt.qs.count() if flt.is_valid() and clean_filters(data) else None
    rows = Segment.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE).select_related("store")
    context = {"segments": rows, "filter": flt, "name_form": name_form, "count": count}
    return render(request, "crm/segments.html", context)


@permission_required(Perm.CAMPAIGN_MANAGE)
def segment(request: HttpRequest, pk: int) -> HttpResponse:
    """A segment's live count (one COUNT), members by page, and the masked export."""
    seg = get_object_or_404(Segment.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE), pk=pk)
    members = segment_members(seg).select_related("crm_profile").order_by("pk")
    fmt = request.GET.get("export")
    if fmt in FORMATS:
        require(request.user, Perm.DATA_EXPORT, seg.store)
        headers = [_("Customer number"), _("Name"), _("Mobile"), _("Lifecycle stage"), _("Value tier"),
                   _("ABC class"), _("Last visit")]  # fmt: skip
        rows = (
            (c.number, mask_name(c.name), mask_phone(c.mobile), c.crm_profile.get_stage_display()
             if hasattr(c, "crm_profile") else "", c.crm_profile.get_tier_display() if hasattr(c, "crm_profile")
             else "", c.abc_class, c.last_visit_at)
            for c in members.iterator(chunk_size=1000)
        )  # fmt: skip
        return export_response(fmt, f"segment-{seg.pk}", headers, rows)
    context = {"segment": seg, "count": members.count(), "page": lazy_page(request, members),
               "recommendations": for_segment(seg)}  # fmt: skip
    return render(request, "crm/segment.html", context)


@permission_required(Perm.CAMPAIGN_MANAGE)
def campaigns(request: HttpRequest) -> HttpResponse:
    rows = Campaign.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE).select_related("store", "segment")
    return render(request, "crm/campaigns.html", {"campaigns": rows, "today": timezone.localdate()})


@permission_required(Perm.CAMPAIGN_MANAGE)
def campaign_new(request: HttpRequest) -> HttpResponse:
    store = _manager_store(request)
    form = CampaignForm(request.POST or None, store=store)
    if request.method == "POST":

        def create(data):
            require(request.user, Perm.CAMPAIGN_MANAGE, store)
            return form.save()

        outcome = post_form(request, form, create, success=_("Campaign created."))
        if outcome.ok:
            return redirect("crm:campaign", pk=outcome.result.pk)
    return render(request, "crm/campaign_form.html", {"form": form})


@permission_required(Perm.CAMPAIGN_MANAGE)
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    """A campaign and its result against each target, with who was invited and what was attributed."""
    item = get_object_or_404(
        Campaign.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE).select_related("store", "segment"), pk=pk
    )
    invitations = CampaignInvitation.objects.filter(campaign=item).select_related("customer", "coupon").order_by("pk")
    attributions = (
        CampaignAttribution.objects.filter(campaign=item).select_related("customer", "repair_order").order_by("pk")
    )
    context = {
        "campaign": item, "results": campaign_service.campaign_results(item), "offers": item.offers.all(),
        "page": lazy_page(request, invitations), "attributions": attributions[:100],
        "recommendations": for_segment(item.segment), "package_offers": item.package_offers.all(),
        "offer_form": PackageOfferForm(store=item.store),
    }  # fmt: skip
    return render(request, "crm/campaign.html", context)


@require_POST
@permission_required(Perm.CAMPAIGN_MANAGE)
def campaign_invite(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Campaign.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE), pk=pk)
    run_action(
        request, lambda: campaign_service.campaign_invite(actor=request.user, campaign=item),
        success=lambda n: _("%(count)s invitations queued.") % {"count": n},
    )  # fmt: skip
    return redirect("crm:campaign", pk=pk)


@require_POST
@permission_required(Perm.CAMPAIGN_MANAGE)
def campaign_attribute(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Campaign.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE), pk=pk)
    run_action(
        request, lambda: campaign_service.campaign_attribute(campaign=item),
        success=lambda n: _("%(count)s repair orders attributed.") % {"count": n},
    )  # fmt: skip
    return redirect("crm:campaign", pk=pk)


# --- recommendations (docs/DOMAIN.md §11.7) ----------------------------------------------------------


def _order_for(request, pk: int, perm: str) -> RepairOrder:
    orders = RepairOrder.objects.for_user(request.user, perm).select_related("store", "customer", "vehicle")
    return get_object_or_404(orders, pk=pk)


@permission_required(Perm.REPAIR_ORDER_VIEW)
def order_recommendations(request: HttpRequest, pk: int) -> HttpResponse:
    """The panel on the repair order's page: the matching services, each with its reason."""
    order = _order_for(request, pk, Perm.REPAIR_ORDER_VIEW)
    can_add = Perm.REPAIR_ORDER_EDIT in request.user.allowed_at(order.store_id) and order.accepts_lines
    context = {"order": order, "recommendations": for_order(order), "can_add": can_add}
    return render(request, "crm/_recommendations.html", context)


@require_POST
@permission_required(Perm.REPAIR_ORDER_EDIT)
def order_recommendation_add(request: HttpRequest, pk: int, rule: int) -> HttpResponse:
    """One click: the recommended entry goes on the order through the spine's line_add."""
    order = _order_for(request, pk, Perm.REPAIR_ORDER_EDIT)
    found = get_object_or_404(RecommendationRule.objects.filter(store=order.store), pk=rule)
    run_action(
        request, lambda: services.recommendation_add(actor=request.user, order=order, rule=found),
        success=_("Added to the repair order."),
    )  # fmt: skip
    return redirect("service:repair_order_detail", pk=order.pk)


@permission_required(Perm.CAMPAIGN_MANAGE)
def recommendation_rules(request: HttpRequest) -> HttpResponse:
    """The store's recommendation rules (data, seeded with the defaults)."""
    store = _manager_store(request)
    if store is not None:
        recommendation_rules_ensure(store)
    rows = RecommendationRule.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE).select_related("store")
    return render(request, "crm/recommendation_rules.html", {"rules": rows.order_by("store_id", "sort_order", "pk")})


def _recommendation_rule_form(request: HttpRequest, rule: RecommendationRule, store: Store) -> HttpResponse:
    """Create or edit a rule (a whole-page form, Post/Redirect/Get)."""
    form = RecommendationRuleForm(request.POST or None, instance=rule, store=store)
    if request.method == "POST":
        outcome = post_form(
            request, form, lambda d: services.recommendation_rule_save(actor=request.user, form=form),
            success=_("Saved."),
        )  # fmt: skip
        if outcome.ok:
            return redirect("crm:recommendation_rules")
    return render(request, "crm/recommendation_rule_form.html", {"form": form, "rule": rule})


@permission_required(Perm.CAMPAIGN_MANAGE)
def recommendation_rule_new(request: HttpRequest) -> HttpResponse:
    store = _manager_store(request)
    return _recommendation_rule_form(request, RecommendationRule(store=store), store)


@permission_required(Perm.CAMPAIGN_MANAGE)
def recommendation_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rules = RecommendationRule.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE).select_related("store")
    rule = get_object_or_404(rules, pk=pk)
    return _recommendation_rule_form(request, rule, rule.store)


@require_POST
@permission_required(Perm.CAMPAIGN_MANAGE)
def recommendation_rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch a rule on or off; htmx gets the rule's row back."""
    rules = RecommendationRule.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE).select_related("store")
    rule = get_object_or_404(rules, pk=pk)
    outcome = run_action(
        request, lambda: services.recommendation_rule_toggle(actor=request.user, rule=rule), success=_("Saved.")
    )
    if htmx_partial(request):
        return render(request, "crm/recommendation_rules.html#row", {"rule": outcome.result or rule})
    return redirect("crm:recommendation_rules")


@require_POST
@permission_required(Perm.CAMPAIGN_MANAGE)
def campaign_offer(request: HttpRequest, pk: int) -> HttpResponse:
    """Offer a package at a campaign price."""
    item = get_object_or_404(Campaign.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE), pk=pk)
    form = PackageOfferForm(request.POST, store=item.store)
    outcome = post_form(
        request, form,
        lambda d: campaign_service.campaign_offer_set(
            actor=request.user, campaign=item, package_code=d["package_code"], price=d["price"]
        ),
        success=_("Saved."),
    )  # fmt: skip
    if not outcome.ok:
        flash_form_errors(request, form)
    return redirect("crm:campaign", pk=pk)
