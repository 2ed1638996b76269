"""Pages of the workshop: the management board, a technician's jobs, and the
workshop panel of the repair order page (dispatch, clocks, inspection, wash).
Views parse input, call a service or selector, and render the full page or the
named partial for htmx."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.core.permissions import Perm
from aftercare.core.tables import url_pattern
from aftercare.core.views import permission_required
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder

from . import selectors, services
from .choices import WORKABLE_ORDER_STATUSES
from .forms import DispatchForm, FindingForm, QualityCheckForm
from .models import Finding, Job, QualityCheck


def _is_partial(request) -> bool:
    return bool(request.htmx and not request.htmx.boosted)


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You do not have permission to do this.")


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
        "rows": _board_cells(rows, wall=wall),
        "wall": wall,
        "now": now,
        "store": store,
        "overdue_count": sum(row.overdue for row in rows),
        "at_risk_count": sum(row.at_risk for row in rows),
    }
    template = "workshop/board.html#board" if _is_partial(request) else "workshop/board.html"
    return render(request, template, context)


def _board_cells(rows: list[selectors.BoardRow], *, wall: bool) -> list[dict]:
    """The board's rows as the text of their cells. The board refreshes every
    30 s with every open order of the store: formatted here once, each cell is
    a plain lookup in the template instead of filters (date, join, default) and
    attribute chains, which cost ≈ 3× the queries on 56 rows."""
    order_url = url_pattern("service:repair_order_detail")
    local = timezone.localtime
    big = " fs-5" if wall else ""
    cells = []
    for row in rows:
        order, promised, washed = row.order, row.order.promised_at, row.washed_at
        # Quality check is purple, a colour Bootstrap has no badge class for.
        badge = "text-bg-secondary" if row.colour == "purple" else f"text-bg-{row.colour}"
        cells.append({
            "url": order_url.format(pk=order.pk),
            "number": order.number,
            "plate": order.vehicle.plate,
            "model": order.vehicle.model,
            "advisor": order.advisor,
            "status_label": row.status_label,
            "badge": badge + big,
            "purple": row.colour == "purple",
            "rework": row.rework,
            "technicians": ", ".join(row.technicians) or "—",
            "bays": ", ".join(row.bays) or "—",
            "jobs": f"{row.jobs_done}/{row.jobs_total}" if row.jobs_total else "—",
            "washed": f"✓ {local(washed):%H:%M}" if washed else "—",
            "promised": f"{local(promised):%m-%d %H:%M}" if promised else "",
            "overdue": row.overdue,
            "at_risk": row.at_risk,
        })  # fmt: skip
    return cells


# --- the technician's jobs (My jobs) ------------------------------------------------------------------


def _my_jobs_context(request, error: str = "", finding_forms: dict | None = None) -> dict:
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
            "today": selectors.technician_hours_today(store=store, technician=request.user, now=now),
            "month": selectors.technician_hours_this_month(store=store, technician=request.user, now=now),
        }
    return {"jobs": jobs, "hours": hours, "error": error, "now": now}


@permission_required(Perm.JOB_CLOCK)
def my_jobs(request: HttpRequest) -> HttpResponse:
    template = "workshop/my_jobs.html#jobs" if _is_partial(request) else "workshop/my_jobs.html"
    return render(request, template, _my_jobs_context(request))


def _my_job(request, line_pk: int) -> Job:
    return get_object_or_404(
        Job.objects.for_user(request.user, Perm.JOB_CLOCK).select_related("line", "repair_order__store"),
        line_id=line_pk,
    )


def _after_my_jobs_action(request, error: str = "", note: str = "", finding_forms=None) -> HttpResponse:
    if _is_partial(request):
        context = _my_jobs_context(request, error=error, finding_forms=finding_forms)
        context["note"] = note
        return render(request, "workshop/my_jobs.html#jobs", context)
    if error:
        messages.error(request, error)
    elif note:
        messages.info(request, note)
    return redirect("workshop:my_jobs")


@permission_required(Perm.JOB_CLOCK)
@require_POST
def clock_on(request: HttpRequest, line_pk: int) -> HttpResponse:
    job = _my_job(request, line_pk)
    try:
        services.job_clock_on(actor=request.user, line=job.line)
    except (ValidationError, PermissionDenied) as error:
        return _after_my_jobs_action(request, error=_error_text(error))
    return _after_my_jobs_action(request)


@permission_required(Perm.JOB_CLOCK)
@require_POST
def clock_off(request: HttpRequest, line_pk: int) -> HttpResponse:
    job = _my_job(request, line_pk)
    finished = request.POST.get("finished") == "1"
    try:
        outcome = services.job_clock_off(actor=request.user, line=job.line, finished=finished)
    except (ValidationError, PermissionDenied) as error:
        return _after_my_jobs_action(request, error=_error_text(error))
    note = ""
    if outcome.waiting_reason:
        note = _("Job finished. The order stays in progress: %(reason)s") % {"reason": outcome.waiting_reason}
    elif outcome.order_status == Status.QUALITY_CHECK:
        note = _("All jobs are finished: the car goes to the final inspection.")
    return _after_my_jobs_action(request, note=note)


@permission_required(Perm.JOB_CLOCK)
@require_POST
def finding_report(request: HttpRequest, line_pk: int) -> HttpResponse:
    job = _my_job(request, line_pk)
    form = FindingForm(request.POST, store=job.repair_order.store, prefix=f"f{line_pk}")
    if form.is_valid():
        try:
            services.finding_report(actor=request.user, line=job.line, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            return _after_my_jobs_action(request, note=_("Finding reported to the service advisor."))
    return _after_my_jobs_action(request, finding_forms={line_pk: form}, error=_("Check the finding form."))


# --- the workshop panel on the repair order page --------------------------------------------------


def _panel_context(request, order: RepairOrder, error: str = "", dispatch_forms: dict | None = None) -> dict:
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
    findings = Finding.objects.filter(job__repair_order=order).select_related("reported_by", "operation", "part")
    return {
        "order": order,
        "lines": lines,
        "error": error,
        "can_dispatch": can_dispatch,
        "can_inspect": user.has_perm(Perm.QUALITY_CHECK, order) and order.status == Status.QUALITY_CHECK,
        "can_propose": user.has_perm(Perm.REPAIR_ORDER_EDIT, order),
        "can_wash": (user.has_perm(Perm.JOB_CLOCK, order) or can_dispatch)
        and order.status in (Status.IN_PROGRESS, Status.QUALITY_CHECK, Status.READY, Status.SETTLED),
        "wash": getattr(order, "wash", None) if selectors._has_wash(order) else None,
        "findings": list(findings),
        "checks": list(QualityCheck.objects.filter(repair_order=order).select_related("inspector")[:5]),
    }


def _has_job(line) -> bool:
    try:
        line.job  # noqa: B018 - reverse one-to-one: raises when there is none
    except Job.DoesNotExist:
        return False
    return True


def _panel_response(request, order: RepairOrder, error: str = "", dispatch_forms=None) -> HttpResponse:
    if _is_partial(request):
        order = _order_for(request, order.pk)
        return render(
            request, "workshop/order_panel.html", _panel_context(request, order, error, dispatch_forms=dispatch_forms)
        )
    if error:
        messages.error(request, error)
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
    if form.is_valid():
        try:
            services.job_dispatch(actor=request.user, line=line, **form.cleaned_data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
        except PermissionDenied as error:
            form.add_error(None, _error_text(error))
        else:
            return _panel_response(request, order)
    return _panel_response(request, order, error=_("The job was not dispatched."), dispatch_forms={line_pk: form})


@permission_required(Perm.QUALITY_CHECK)
def quality_check(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_for(request, pk, Perm.QUALITY_CHECK)
    form = QualityCheckForm(request.POST or None, order=order)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.quality_check_record(
                actor=request.user, order=order, results=form.results(),
                passed=data["result"] == "pass", reason=data["reason"],
                road_test_required=data["road_test_required"], road_test_done=data["road_test_done"],
                rework_lines=[job.line for job in data["rework_lines"]],
            )  # fmt: skip
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
        else:
            messages.success(request, _("The final inspection is recorded."))
            return redirect("service:repair_order_detail", pk=order.pk)
    return render(request, "workshop/quality_check.html", {"order": order, "form": form})


@permission_required(Perm.REPAIR_ORDER_VIEW)
@require_POST
def wash(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_for(request, pk)
    try:
        services.repair_order_wash(actor=request.user, order=order)
    except (ValidationError, PermissionDenied) as error:
        return _panel_response(request, order, error=_error_text(error))
    return _panel_response(request, order)


@permission_required(Perm.REPAIR_ORDER_EDIT)
@require_POST
def finding_propose(request: HttpRequest, pk: int, finding_pk: int) -> HttpResponse:
    order = _order_for(request, pk, Perm.REPAIR_ORDER_EDIT)
    finding = get_object_or_404(Finding.objects.filter(job__repair_order=order), pk=finding_pk)
    try:
        services.finding_propose(actor=request.user, finding=finding)
    except (ValidationError, PermissionDenied) as error:
        return _panel_response(request, order, error=_error_text(error))
    return _panel_response(request, order)
