"""Pages of the workshop: the management board, a technician's jobs, and the
workshop panel of the repair order page (dispatch, clocks, inspection, wash).
Views parse input, call a service or selector, and render the full page or the
named partial for htmx."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.core.permissions import Perm
from aftercare.core.views import htmx_announce, htmx_partial, permission_required, post_form, run_action
from aftercare.service.choices import RO_CHANGED, Status
from aftercare.service.models import RepairOrder

from . import home, selectors, services
from .choices import WORKABLE_ORDER_STATUSES
from .forms import DispatchForm, DispatchManyForm, FindingForm, QualityCheckForm
from .models import Finding, Job, QualityCheck


def _order_for(request, pk: int, perm: str = Perm.REPAIR_ORDER_VIEW) -> RepairOrder:
    # for_user() first: another store's order is a 404, its existence not revealed.
    return get_object_or_404(
        RepairOrder.objects.for_user(request.user, perm).select_related("store", "vehicle", "advisor"), pk=pk
    )


# --- the management board (管理板) ---------------------------------------------------------------


@permission_required(Perm.REPAIR_ORDER_VIEW)
def board(request: HttpRequest) -> HttpResponse:
    wall = request.GET.get("wall") == "1"
    now = timezone.now()
    store = request.store if request.store and request.user.has_perm(Perm.REPAIR_ORDER_VIEW, request.store) else None
    rows = selectors.board(user=request.user, store=store, now=now)
    context = {
        "rows": rows,
        "wall": wall,
        "now": now,
        "store": store,
        "overdue_count": sum(row.overdue for row in rows),
        "at_risk_count": sum(row.at_risk for row in rows),
    }
    template = "workshop/board.html#board" if htmx_partial(request) else "workshop/board.html"
    return render(request, template, context)


@permission_required(Perm.REPAIR_ORDER_VIEW)
def findings(request: HttpRequest) -> HttpResponse:
    """Additional work the technicians reported on the advisor's open orders, not yet
    put to the customer: the list the advisor's home card links to."""
    rows = []
    if request.store is not None:
        rows = (
            home.pending_findings(request.user, request.store)
            .select_related("job__repair_order__vehicle", "reported_by", "operation", "part")
            .order_by("reported_at", "id")[:200]
        )
    context = {"findings": rows, "late_before": timezone.now() - home.FINDING_WAIT}
    return render(request, "workshop/findings.html", context)


# --- the technician's jobs (My jobs) ------------------------------------------------------------------


def _my_jobs_context(request, finding_forms: dict | None = None) -> dict:
    now = timezone.now()
    since, _until = selectors.day_bounds(now)
    jobs = list(selectors.jobs_for_technician(user=request.user, include_done_since=since))
    store = request.store
    forms_by_line = finding_forms or {}
    for job in jobs:
        job.finding_form = forms_by_line.get(job.line_id) or FindingForm(
            store=job.repair_order.store if store is None else store, prefix=f"f{job.line_id}"
        )
        job.late = job.is_late(now)
    hours = {}
    if store is not None:
        hours = {
            "today": selectors.technician_hours_today(user=request.user, store=store, technician=request.user, now=now),
            "month": selectors.technician_hours_this_month(
                user=request.user, store=store, technician=request.user, now=now
            ),
        }
    return {"jobs": jobs, "hours": hours, "now": now}


@permission_required(Perm.JOB_CLOCK)
def my_jobs(request: HttpRequest) -> HttpResponse:
    template = "workshop/my_jobs.html#jobs" if htmx_partial(request) else "workshop/my_jobs.html"
    return render(request, template, _my_jobs_context(request))


def _my_job(request, line_pk: int) -> Job:
    return get_object_or_404(
        Job.objects.for_user(request.user, Perm.JOB_CLOCK).select_related("line", "repair_order__store"),
        line_id=line_pk,
    )


def _after_my_jobs_action(request, finding_forms=None) -> HttpResponse:
    """The jobs again: the list alone, with the action's message, for htmx; a redirect otherwise."""
    if htmx_partial(request):
        context = {**_my_jobs_context(request, finding_forms=finding_forms), "inline_messages": True}
        return render(request, "workshop/my_jobs.html#jobs", context)
    return redirect("workshop:my_jobs")


@permission_required(Perm.JOB_CLOCK)
@require_POST
def clock_on(request: HttpRequest, line_pk: int) -> HttpResponse:
    job = _my_job(request, line_pk)
    run_action(request, lambda: services.job_clock_on(actor=request.user, line=job.line), success=_clock_on_note)
    return _after_my_jobs_action(request)


def _clock_on_note(job) -> str | None:
    """Clocking on pauses the technician's running job: say which, so the clock is not a surprise."""
    if not job.paused:
        return None
    names = "、".join(f"{other.repair_order.number} {other.line.description}" for other in job.paused)
    return _("Clocked on. Your other job was paused: %(jobs)s") % {"jobs": names}


def _clock_off_note(outcome) -> str | None:
    if outcome.waiting_reason:
        return _("Job finished. The order stays in progress: %(reason)s") % {"reason": outcome.waiting_reason}
    if outcome.order_status == Status.QUALITY_CHECK:
        return _("All jobs are finished: the car goes to the final inspection.")
    return None


@permission_required(Perm.JOB_CLOCK)
@require_POST
def clock_off(request: HttpRequest, line_pk: int) -> HttpResponse:
    job = _my_job(request, line_pk)
    finished = request.POST.get("finished") == "1"
    run_action(
        request,
        lambda: services.job_clock_off(actor=request.user, line=job.line, finished=finished),
        success=_clock_off_note,
    )
    return _after_my_jobs_action(request)


@permission_required(Perm.JOB_CLOCK)
@require_POST
def finding_report(request: HttpRequest, line_pk: int) -> HttpResponse:
    job = _my_job(request, line_pk)
    form = FindingForm(request.POST, store=job.repair_order.store, prefix=f"f{line_pk}")
    reported = post_form(
        request,
        form,
        lambda data: services.finding_report(actor=request.user, line=job.line, **data),
        success=_("Finding reported to the service advisor."),
    )
    if reported.ok:
        return _after_my_jobs_action(request)
    messages.error(request, _("Check the finding form."))
    return _after_my_jobs_action(request, finding_forms={line_pk: form})


# --- the workshop panel on the repair order page --------------------------------------------------


def _panel_context(request, order: RepairOrder, dispatch_forms: dict | None = None, dispatch_many_form=None) -> dict:
    user = request.user
    can_dispatch = user.has_perm(Perm.DISPATCH, order)
    # Dispatch forms only while the service would accept them (approved or in-progress orders).
    offer_dispatch = can_dispatch and order.status in WORKABLE_ORDER_STATUSES
    lines = list(selectors.order_jobs(order))
    forms_by_line = dispatch_forms or {}
    for line in lines:
        job = getattr(line, "job", None) if _has_job(line) else None
        line.workshop_job = job
        line.dispatch_form = None
        if offer_dispatch and line.status == "approved" and (job is None or job.can_clock_on):
            initial = (
                {"technician": job.technician_id, "bay": job.bay_id, "required_finish_at": job.required_finish_at}
                if job
                else {}
            )
            line.dispatch_form = forms_by_line.get(line.pk) or DispatchForm(
                store=order.store, prefix=f"d{line.pk}", initial=initial
            )
    dispatchable = [line for line in lines if line.dispatch_form is not None]
    # Two jobs or more: the foreman may give them to one technician in one go.
    many_form = None
    if len(dispatchable) > 1:
        many_form = dispatch_many_form or DispatchManyForm(store=order.store, lines=dispatchable, prefix="many")
    findings = (
        Finding.objects.for_user(user, Perm.REPAIR_ORDER_VIEW)
        .filter(job__repair_order=order)
        .select_related("reported_by", "operation", "part")
    )
    return {
        "order": order,
        "lines": lines,
        "can_dispatch": can_dispatch,
        "dispatch_many_form": many_form,
        "can_inspect": user.has_perm(Perm.QUALITY_CHECK, order) and order.status == Status.QUALITY_CHECK,
        "can_propose": user.has_perm(Perm.REPAIR_ORDER_EDIT, order),
        "can_wash": (user.has_perm(Perm.JOB_CLOCK, order) or can_dispatch)
        and order.status in (Status.IN_PROGRESS, Status.QUALITY_CHECK, Status.READY, Status.SETTLED),
        "wash": getattr(order, "wash", None) if selectors.has_wash(order) else None,
        "findings": list(findings),
        "checks": list(
            QualityCheck.objects.for_user(user, Perm.REPAIR_ORDER_VIEW)
            .filter(repair_order=order)
            .select_related("inspector")[:5]
        ),
    }


def _has_job(line) -> bool:
    try:
        line.job  # noqa: B018 - reverse one-to-one: raises when there is none
    except Job.DoesNotExist:
        return False
    return True


def _panel_response(
    request, order: RepairOrder, dispatch_forms=None, *, changed: bool = False, dispatch_many_form=None
) -> HttpResponse:
    """The workshop panel again for htmx (with the action's message), and when the action
    `changed` the order its change event, so the order page's other panels reload too;
    the order's page otherwise."""
    if htmx_partial(request):
        order = _order_for(request, order.pk)
        context = _panel_context(request, order, dispatch_forms=dispatch_forms, dispatch_many_form=dispatch_many_form)
        response = render(request, "workshop/order_panel.html", context)
        return htmx_announce(request, response, RO_CHANGED) if changed else response
    return redirect("service:repair_order_detail", pk=order.pk)


@permission_required(Perm.REPAIR_ORDER_VIEW)
def order_panel(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_for(request, pk)
    return render(request, "workshop/order_panel.html", _panel_context(request, order))


@permission_required(Perm.DISPATCH)
@require_POST
def dispatch(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    order = _order_for(request, pk, Perm.DISPATCH)
    line = get_object_or_404(order.lines.all(), pk=line_pk)
    form = DispatchForm(request.POST, store=order.store, prefix=f"d{line_pk}")
    dispatched = post_form(request, form, lambda data: services.job_dispatch(actor=request.user, line=line, **data))
    if dispatched.ok:
        return _panel_response(request, order, changed=True)
    messages.error(request, _("The job was not dispatched."))
    return _panel_response(request, order, dispatch_forms={line_pk: form})


@permission_required(Perm.DISPATCH)
@require_POST
def dispatch_many(request: HttpRequest, pk: int) -> HttpResponse:
    """Several jobs of the order to one technician at once (all or none)."""
    order = _order_for(request, pk, Perm.DISPATCH)
    lines = [line for line in _panel_context(request, order)["lines"] if line.dispatch_form is not None]
    form = DispatchManyForm(request.POST, store=order.store, lines=lines, prefix="many")

    def dispatch_all(data):
        return services.jobs_dispatch(actor=request.user, order=order, **data)

    success = lambda jobs: _("%(count)s jobs dispatched.") % {"count": len(jobs)}  # noqa: E731
    if post_form(request, form, dispatch_all, success=success).ok:
        return _panel_response(request, order, changed=True)
    messages.error(request, _("The jobs were not dispatched."))
    return _panel_response(request, order, dispatch_many_form=form)


@permission_required(Perm.QUALITY_CHECK)
def quality_check(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_for(request, pk, Perm.QUALITY_CHECK)
    form = QualityCheckForm(request.POST or None, order=order)

    def record(data):
        return services.quality_check_record(
            actor=request.user, order=order, results=form.results(),
            passed=data["result"] == "pass", reason=data["reason"],
            road_test_required=data["road_test_required"], road_test_done=data["road_test_done"],
            rework_lines=[job.line for job in data["rework_lines"]],
        )  # fmt: skip

    if request.method == "POST" and post_form(request, form, record, success=_("The final inspection is recorded.")).ok:
        return redirect("service:repair_order_detail", pk=order.pk)
    return render(request, "workshop/quality_check.html", {"order": order, "form": form})


@permission_required(Perm.REPAIR_ORDER_VIEW)
@require_POST
def wash(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_for(request, pk)
    washed = run_action(request, lambda: services.repair_order_wash(actor=request.user, order=order)).ok
    return _panel_response(request, order, changed=washed)


@permission_required(Perm.REPAIR_ORDER_EDIT)
@require_POST
def finding_propose(request: HttpRequest, pk: int, finding_pk: int) -> HttpResponse:
    order = _order_for(request, pk, Perm.REPAIR_ORDER_EDIT)
    finding = get_object_or_404(
        Finding.objects.for_user(request.user, Perm.REPAIR_ORDER_EDIT).filter(job__repair_order=order), pk=finding_pk
    )
    proposed = run_action(request, lambda: services.finding_propose(actor=request.user, finding=finding)).ok
    return _panel_response(request, order, changed=proposed)
