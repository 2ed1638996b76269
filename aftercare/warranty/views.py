"""Warranty pages: claims with their workflow, the eligibility panel on the repair
order and vehicle pages, overrides, policies, the carmaker's files and reports."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.core.exports import export_response
from aftercare.core.permissions import Perm
from aftercare.core.views import flash_form_errors, permission_required, post_form, run_action
from aftercare.core.workflow import TransitionRefused
from aftercare.customers.models import Vehicle
from aftercare.service.models import RepairOrder

from . import reports, selectors, services
from .choices import CLAIM_STATUS_COLOURS, EDITABLE_CLAIM_STATUSES, ClaimStatus, OverrideStatus
from .forms import ClaimForm, ClaimLineForm, DeadlineForm, ExtendedWarrantyForm, MoveForm, OverrideForm, PolicyForm
from .home import near_deadline
from .models import Claim, EligibilityOverride, ExchangeLine, ExtendedWarranty, WarrantyPolicy, WarrantySettings

LIST_LIMIT = 200
# The columns of the export of submitted claims to the carmaker (docs/DOMAIN.md §14.4).
EXPORT_HEADERS = [
    "索赔单号", "VIN", "车牌", "维修日期", "里程", "保修项目", "故障零件号", "故障零件", "现象代码", "原因代码",
    "故障描述", "行类型", "代码", "名称", "工时", "数量", "单价", "金额", "旧件标签",
]  # fmt: skip


def _store(request):
    if getattr(request, "store", None) is None:
        raise PermissionDenied
    return request.store


def _claim(request, pk, perm=Perm.WARRANTY_VIEW) -> Claim:
    return get_object_or_404(
        Claim.objects.for_user(request.user, perm).select_related("repair_order", "vehicle"), pk=pk
    )


@permission_required(Perm.WARRANTY_VIEW)
def claim_list(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    claims = Claim.objects.for_user(request.user, Perm.WARRANTY_VIEW).filter(store=store)
    status = request.GET.get("status", "")
    if status in ClaimStatus.values:
        claims = claims.filter(status=status)
    if request.GET.get("due") == "soon":
        claims = claims.filter(near_deadline(timezone.localdate()))
    claims = claims.select_related("repair_order", "vehicle").order_by("deadline", "-id")[:LIST_LIMIT]
    context = {"claims": claims, "status": status, "statuses": ClaimStatus.choices, "colours": CLAIM_STATUS_COLOURS}
    return render(request, "warranty/claim_list.html", context)


@permission_required(Perm.WARRANTY_VIEW)
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request, pk)
    can_manage = request.user.has_perm(Perm.WARRANTY_MANAGE, claim.store)
    moves = [(to, label, services.claim_refusal(claim, to)) for to, label in ClaimStatus.choices
             if to in services.CLAIM_WORKFLOW.allowed(claim.status)]  # fmt: skip
    context = {
        "claim": claim, "lines": claim.lines.select_related("technician"), "history": claim.status_changes.all(),
        "photos": claim.photos.all(), "exchange": claim.exchange_lines.order_by("imported_at"),
        "can_manage": can_manage, "editable": can_manage and claim.status in EDITABLE_CLAIM_STATUSES,
        "form": ClaimForm(initial={name: getattr(claim, name) for name in services.CLAIM_FIELDS}),
        "line_form": ClaimLineForm(prefix="line"), "move_form": MoveForm(prefix="move"), "moves": moves,
        "colours": CLAIM_STATUS_COLOURS,
    }  # fmt: skip
    return render(request, "warranty/claim_detail.html", context)


@permission_required(Perm.WARRANTY_MANAGE)
@require_POST
def claim_edit(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request, pk, Perm.WARRANTY_MANAGE)
    form = ClaimForm(request.POST)
    outcome = post_form(request, form, lambda d: services.claim_update(actor=request.user, claim=claim, **d),
                        success=_("Claim saved."))  # fmt: skip
    if not outcome.ok and form.errors:
        flash_form_errors(request, form)
    return redirect("warranty:claim_detail", pk=claim.pk)


@permission_required(Perm.WARRANTY_MANAGE)
@require_POST
def claim_line_add(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request, pk, Perm.WARRANTY_MANAGE)
    form = ClaimLineForm(request.POST, prefix="line")
    outcome = post_form(request, form, lambda d: services.claim_line_add(actor=request.user, claim=claim, **d),
                        success=_("Line added."))  # fmt: skip
    if not outcome.ok and form.errors:
        flash_form_errors(request, form)
    return redirect("warranty:claim_detail", pk=claim.pk)


@permission_required(Perm.WARRANTY_MANAGE)
@require_POST
def claim_line_remove(request: HttpRequest, pk: int, line: int) -> HttpResponse:
    claim = _claim(request, pk, Perm.WARRANTY_MANAGE)
    found = get_object_or_404(claim.lines, pk=line)
    run_action(request, lambda: services.claim_line_remove(actor=request.user, line=found), success=_("Line removed."))
    return redirect("warranty:claim_detail", pk=claim.pk)


@permission_required(Perm.WARRANTY_MANAGE)
@require_POST
def claim_move(request: HttpRequest, pk: int, to: str) -> HttpResponse:
    claim = _claim(request, pk, Perm.WARRANTY_MANAGE)
    if to not in ClaimStatus.values:
        raise Http404
    form = MoveForm(request.POST, prefix="move")
    outcome = post_form(
        request, form,
        lambda d: services.claim_transition(actor=request.user, claim=claim, to=to, note=d["note"], amount=d["amount"]),
        success=_("Claim moved to %(status)s.") % {"status": ClaimStatus(to).label}, refused=TransitionRefused,
    )  # fmt: skip
    if not outcome.ok and form.errors:
        flash_form_errors(request, form)
    return redirect("warranty:claim_detail", pk=claim.pk)


@permission_required(Perm.WARRANTY_VIEW)
def claims_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Submitted claims, one row per claim line, in the carmaker's layout (docs/DOMAIN.md §14.4)."""
    if fmt not in ("xlsx", "csv"):
        raise Http404
    claims = (
        Claim.objects.for_user(request.user, Perm.WARRANTY_VIEW)
        .filter(store=_store(request), status=ClaimStatus.SUBMITTED)
        .select_related("vehicle")
        .prefetch_related("lines")
        .order_by("number")
    )
    rows = (
        [c.number, c.vehicle.vin, c.vehicle.plate, c.repaired_on, c.odometer_km, c.coverage, c.causal_part_code,
         c.causal_part_name, c.symptom_code, c.cause_code, c.description, line.kind, line.code, line.description,
         line.hours, line.quantity, line.unit_price, line.amount, line.return_tag]
        for c in claims for line in c.lines.all()
    )  # fmt: skip
    return export_response(fmt, f"warranty-claims-{timezone.localdate().isoformat()}.{fmt}", EXPORT_HEADERS, rows)


def _panel(request, template, vehicle, *, order=None):
    check = selectors.order_check(order) if order is not None else None
    verdicts = check.verdicts if check else None
    if verdicts is None:
        km = order.odometer_km if order is not None else None
        verdicts = selectors.eligibility(vehicle, km=km, order_id=order.pk if order is not None else None)
    context = {"vehicle": vehicle, "order": order, "verdicts": verdicts, "check": check}
    if order is None:
        context["contracts"] = ExtendedWarranty.objects.filter(vehicle=vehicle)
        if request.user.has_perm(Perm.WARRANTY_MANAGE, vehicle.store):
            context["extended_form"] = ExtendedWarrantyForm(prefix="extended")
    if order is not None:
        store, user = order.store, request.user
        overrides = EligibilityOverride.objects.filter(repair_order=order)
        context.update(
            overrides=overrides.select_related("requested_by", "decided_by"),
            can_request=user.has_perm(Perm.REPAIR_ORDER_EDIT, store) and check and check.needs_override,
            can_approve=user.has_perm(Perm.WARRANTY_APPROVE, store),
            can_claim=user.has_perm(Perm.WARRANTY_MANAGE, store)
            and order.status in services.CLAIMABLE_ORDER_STATUSES,
            claims=Claim.objects.filter(repair_order=order), override_form=OverrideForm(prefix="override"),
            pending=OverrideStatus.PENDING,
        )  # fmt: skip
    return render(request, template, context)


@permission_required(Perm.REPAIR_ORDER_VIEW)
def order_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The eligibility panel on the repair-order page: one verdict per coverage, overrides, the claim."""
    orders = RepairOrder.objects.for_user(request.user, Perm.REPAIR_ORDER_VIEW)
    order = get_object_or_404(orders.select_related("vehicle", "repair_type", "store"), pk=pk)
    return _panel(request, "warranty/order_panel.html", order.vehicle, order=order)


@permission_required(Perm.CUSTOMER_VIEW)
def vehicle_panel(request: HttpRequest, pk: int) -> HttpResponse:
    vehicle = get_object_or_404(Vehicle.objects.for_user(request.user, Perm.CUSTOMER_VIEW), pk=pk)
    return _panel(request, "warranty/order_panel.html", vehicle)


@permission_required(Perm.REPAIR_ORDER_EDIT)
@require_POST
def override_request(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(RepairOrder.objects.for_user(request.user, Perm.REPAIR_ORDER_EDIT), pk=pk)
    form = OverrideForm(request.POST, prefix="override")
    outcome = post_form(request, form, lambda d: services.override_request(actor=request.user, order=order, **d),
                        success=_("Override asked for; a manager decides."))  # fmt: skip
    if not outcome.ok and form.errors:
        flash_form_errors(request, form)
    return redirect("service:repair_order_detail", pk=order.pk)


@permission_required(Perm.WARRANTY_APPROVE)
@require_POST
def override_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    override = get_object_or_404(EligibilityOverride.objects.for_user(request.user, Perm.WARRANTY_APPROVE), pk=pk)
    if decision not in ("approve", "refuse"):
        raise Http404
    run_action(
        request, lambda: services.override_decide(actor=request.user, override=override, approve=decision == "approve"),
        success=_("Override decided."),
    )  # fmt: skip
    return redirect("service:repair_order_detail", pk=override.repair_order_id)


@permission_required(Perm.WARRANTY_MANAGE)
@require_POST
def claim_build(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(RepairOrder.objects.for_user(request.user, Perm.WARRANTY_MANAGE), pk=pk)
    outcome = run_action(request, lambda: services.claim_build(actor=request.user, order=order),
                         success=lambda claim: _("Claim %(number)s built.") % {"number": claim.number})  # fmt: skip
    if outcome.ok:
        return redirect("warranty:claim_detail", pk=outcome.result.pk)
    return redirect("service:repair_order_detail", pk=order.pk)


@permission_required(Perm.WARRANTY_MANAGE)
@require_POST
def extended_warranty_sell(request: HttpRequest, pk: int) -> HttpResponse:
    vehicle = get_object_or_404(Vehicle.objects.for_user(request.user, Perm.WARRANTY_MANAGE), pk=pk)
    form = ExtendedWarrantyForm(request.POST, prefix="extended")
    outcome = post_form(
        request, form, lambda d: services.extended_warranty_sell(actor=request.user, vehicle=vehicle, **d),
        success=_("Extended warranty recorded."),
    )  # fmt: skip
    if not outcome.ok and form.errors:
        flash_form_errors(request, form)
    return redirect("customers:vehicle_detail", pk=vehicle.pk)


@permission_required(Perm.WARRANTY_VIEW)
def policy_list(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    form = PolicyForm(request.POST or None)
    if request.method == "POST":
        outcome = post_form(request, form, lambda d: services.policy_save(actor=request.user, store=store, **d),
                            success=_("Policy saved."))  # fmt: skip
        if outcome.ok:
            return redirect("warranty:policies")
    policies = WarrantyPolicy.objects.for_user(request.user, Perm.WARRANTY_VIEW).filter(store=store)
    can_manage = request.user.has_perm(Perm.WARRANTY_MANAGE, store)
    deadlines = WarrantySettings.objects.for_user(request.user, Perm.WARRANTY_VIEW).filter(store=store)
    context = {
        "policies": policies, "form": form, "can_manage": can_manage, "deadlines": deadlines,
        "deadline_form": DeadlineForm(prefix="deadline"),
    }  # fmt: skip
    return render(request, "warranty/policies.html", context)


@permission_required(Perm.WARRANTY_MANAGE)
@require_POST
def deadline_save(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    form = DeadlineForm(request.POST, prefix="deadline")
    outcome = post_form(request, form, lambda d: services.deadline_save(actor=request.user, store=store, **d),
                        success=_("Claim deadline saved."))  # fmt: skip
    if not outcome.ok and form.errors:
        flash_form_errors(request, form)
    return redirect("warranty:policies")


@permission_required(Perm.WARRANTY_MANAGE)
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    policy = get_object_or_404(WarrantyPolicy.objects.for_user(request.user, Perm.WARRANTY_MANAGE), pk=pk)
    form = PolicyForm(request.POST or None, instance=WarrantyPolicy.objects.get(pk=pk))
    if request.method == "POST":
        outcome = post_form(
            request, form,
            lambda d: services.policy_save(actor=request.user, store=policy.store, policy=policy, **d),
            success=_("Policy saved."),
        )  # fmt: skip
        if outcome.ok:
            return redirect("warranty:policies")
    return render(request, "warranty/policy_form.html", {"policy": policy, "form": form})


@permission_required(Perm.WARRANTY_VIEW)
def exchange_list(request: HttpRequest) -> HttpResponse:
    lines = ExchangeLine.objects.for_user(request.user, Perm.WARRANTY_VIEW).filter(store=_store(request))
    if request.GET.get("flagged"):
        lines = lines.exclude(outcome="matched")
    return render(request, "warranty/exchange.html", {"lines": lines.select_related("claim")[:LIST_LIMIT]})


@permission_required(Perm.WARRANTY_VIEW)
def report_list(request: HttpRequest) -> HttpResponse:
    return render(request, "warranty/reports.html", {"reports": reports.REPORTS.items()})


@permission_required(Perm.WARRANTY_VIEW)
def report_export(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in reports.BUILDERS:
        raise Http404
    headers, rows = reports.BUILDERS[kind](request.user, _store(request))
    return export_response("xlsx", f"warranty-{kind}-{timezone.localdate().isoformat()}.xlsx", headers, rows)
