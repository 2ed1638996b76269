"""Follow-up pages: the work queue, the caller screen with its one-click
outcomes, problems, coverage, and the store's rules and scripts. Thin: parse,
call a service or selector, render."""

from datetime import timedelta
from urllib.parse import urlencode

from django.apps import apps
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.core.masking import mask_phone
from aftercare.core.permissions import Perm
from aftercare.core.views import htmx_partial, permission_required, post_form, run_action
from aftercare.customers.models import Customer

from . import selectors, services
from .choices import Kind, ProblemStatus
from .forms import AttemptForm, OutcomeForm, ProblemHandleForm, ReassignForm, RuleForm, ScriptForm
from .models import FollowUpProblem, FollowUpRule, FollowUpScript, FollowUpTask
from .scripts import DEFAULT_SCRIPTS

PERM = Perm.FOLLOWUP_WORK


def _task(request: HttpRequest, pk: int) -> FollowUpTask:
    return get_object_or_404(
        selectors.visible_to(request.user).select_related(
            "store",
            "customer",
            "vehicle",
            "owner",
            "repair_order__advisor",
            "repair_order__repair_type",
            "escalated_to",
            "responsible",
        ),
        pk=pk,
    )


@permission_required(PERM)
def queue(request: HttpRequest) -> HttpResponse:
    """My calls: overdue, due now, upcoming; the manager may see everyone's."""
    everyone = request.GET.get("everyone") == "1" and request.user.has_perm(Perm.REPORT_VIEW)
    queue = selectors.followup_tasks_due_for(request.user, everyone=everyone, filters=request.GET)
    context = {"queue": queue, "everyone": everyone}
    context["now"] = timezone.now()
    context["can_see_everyone"] = request.user.has_perm(Perm.REPORT_VIEW)
    template = "followups/queue.html#lists" if htmx_partial(request) else "followups/queue.html"
    return render(request, template, context)


def _survey_url(task: FollowUpTask) -> str:
    """The surveys app's staff form for this customer and visit, when it offers this kind."""
    if not apps.is_installed("aftercare.surveys"):
        return ""
    from aftercare.surveys.choices import SurveyKind

    if task.kind not in SurveyKind.values:
        return ""
    try:
        url = reverse("surveys:record")
    except NoReverseMatch:
        return ""
    query = {"customer": task.customer_id, "kind": task.kind}
    if task.repair_order_id:
        query["repair_order"] = task.repair_order_id
    return f"{url}?{urlencode(query)}"


def _detail(request: HttpRequest, task: FollowUpTask, status: int = 200, **forms) -> HttpResponse:
    customer = task.customer
    reveal = request.user.has_perm(Perm.CONTACT_REVEAL, task.store)
    phone = customer.mobile
    context = {
        "task": task,
        "customer": customer,
        "phone": phone if reveal else mask_phone(phone),
        "tel": phone if reveal else "",
        "script": selectors.script_for(task, caller=request.user),
        "survey_url": _survey_url(task),
        "now": timezone.now(),
        "outcome_form": forms.get("outcome_form") or OutcomeForm(store=task.store, initial=_outcome_initial(task)),
        "attempt_form": forms.get("attempt_form") or AttemptForm(initial={"channel": customer.preferred_channel}),
        "reassign_form": forms.get("reassign_form") or ReassignForm(store=task.store),
        "attempts": task.attempt_rows.select_related("attempted_by"),
        "problems": task.problems.select_related("responsible"),
        **selectors.caller_context(task, request.user),
    }
    return render(request, "followups/task.html", context, status=status)


def _outcome_initial(task: FollowUpTask) -> dict:
    channel = task.customer.preferred_channel if task.customer.preferred_channel in ("phone", "wechat", "sms") else ""
    return {
        "contact_channel": channel or "phone",
        "responsible": task.repair_order.advisor_id if task.repair_order_id else None,
    }


@permission_required(PERM)
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _task(request, pk))


@permission_required(PERM)
@require_POST
def task_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = OutcomeForm(request.POST, store=task.store)
    recorded = post_form(
        request,
        form,
        # Only what the caller filled in: an empty field is not an answer.
        lambda data: services.followup_record(
            actor=request.user, task=task, data={k: v for k, v in data.items() if v not in ("", None)}
        ),
        success=_("Follow-up recorded."),
    )
    if recorded.ok:
        return redirect("followups:queue")
    return _detail(request, task, status=400, outcome_form=form)


@permission_required(PERM)
@require_POST
def task_attempt(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = AttemptForm(request.POST)
    recorded = post_form(
        request,
        form,
        lambda data: services.followup_attempt(actor=request.user, task=task, **data),
        success=_("Unreachable attempt recorded."),
    )
    if recorded.ok:
        return redirect("followups:queue")
    return _detail(request, task, status=400, attempt_form=form)


@permission_required(PERM)
@require_POST
def task_claim(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    run_action(request, lambda: services.followup_claim(actor=request.user, task=task))
    return redirect("followups:task", pk=task.pk)


@permission_required(PERM)
@require_POST
def task_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = ReassignForm(request.POST, store=task.store)
    reassigned = post_form(
        request,
        form,
        lambda data: services.followup_reassign(actor=request.user, task=task, **data),
        success=_("Follow-up reassigned."),
    )
    if reassigned.ok:
        return redirect("followups:queue")
    return _detail(request, task, status=400, reassign_form=form)


# --- problems ------------------------------------------------------------------------------------


@permission_required(PERM)
def problem_list(request: HttpRequest) -> HttpResponse:
    problems = (
        FollowUpProblem.objects.for_user(request.user, PERM)
        .exclude(status=ProblemStatus.INFORMED)
        .select_related("customer", "responsible", "task")
        .order_by("due_at", "id")[:200]
    )
    return render(
        request,
        "followups/problems.html",
        {"problems": problems, "now": timezone.now(), "form": ProblemHandleForm()},
    )


def _problem(request: HttpRequest, pk: int) -> FollowUpProblem:
    return get_object_or_404(FollowUpProblem.objects.for_user(request.user, PERM).select_related("store"), pk=pk)


@permission_required(PERM)
@require_POST
def problem_handle(request: HttpRequest, pk: int) -> HttpResponse:
    problem = _problem(request, pk)
    form = ProblemHandleForm(request.POST)
    if form.is_valid():
        run_action(
            request,
            lambda: services.problem_handle(
                actor=request.user, problem=problem, result=form.cleaned_data["handling_result"]
            ),
            success=_("Problem handled. Now tell the customer the result."),
        )
    else:
        messages.error(request, _("Say how the problem was handled."))
    return redirect("followups:problems")


@permission_required(PERM)
@require_POST
def problem_inform(request: HttpRequest, pk: int) -> HttpResponse:
    problem = _problem(request, pk)
    run_action(
        request,
        lambda: services.problem_inform(actor=request.user, problem=problem),
        success=_("The customer has been told the result."),
    )
    return redirect("followups:problems")


# --- the manager's numbers and settings ----------------------------------------------------------


@permission_required(Perm.REPORT_VIEW)
def coverage(request: HttpRequest) -> HttpResponse:
    """Coverage of the calls due in a period, with the customers missed."""
    today = timezone.localdate()
    start = parse_date(request.GET.get("start") or "") or today.replace(day=1)
    end = parse_date(request.GET.get("end") or "") or today
    if end < start:
        start, end = end, start
    store_ids = request.user.store_ids(Perm.REPORT_VIEW)
    bounds = {
        "start": timezone.make_aware(timezone.datetime.combine(start, timezone.datetime.min.time())),
        "end": timezone.make_aware(timezone.datetime.combine(end + timedelta(days=1), timezone.datetime.min.time())),
    }
    numbers = selectors.followup_coverage(store_ids=store_ids, **bounds)
    missed = Customer.objects.filter(pk__in=numbers["missed_customer_ids"][:200]).order_by("name")
    return render(
        request,
        "followups/coverage.html",
        {"numbers": numbers, "start": start, "end": end, "missed": missed},
    )


@permission_required(Perm.REPORT_VIEW)
def rules(request: HttpRequest) -> HttpResponse:
    """The current store's follow-up numbers and scripts (the service manager's)."""
    store = request.store
    if store is None or not request.user.has_perm(Perm.REPORT_VIEW, store):
        return redirect("followups:queue")
    rule = FollowUpRule.for_store(store)
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST":
        saved = post_form(
            request,
            form,
            # The form has already put the numbers onto its instance.
            lambda data: services.followup_rule_save(actor=request.user, store=store, rule=form.instance),
            success=_("Follow-up rules saved."),
        )
        if saved.ok:
            return redirect("followups:rules")
    own = dict(FollowUpScript.objects.filter(store=store).values_list("kind", "text"))
    scripts = [(kind, own.get(kind.value) or DEFAULT_SCRIPTS[kind], kind.value in own) for kind in Kind]
    return render(request, "followups/rules.html", {"form": form, "scripts": scripts, "store": store})


@permission_required(Perm.REPORT_VIEW)
def script_edit(request: HttpRequest, kind: str) -> HttpResponse:
    store = request.store
    if store is None or kind not in Kind.values or not request.user.has_perm(Perm.REPORT_VIEW, store):
        return redirect("followups:queue")
    own = FollowUpScript.objects.filter(store=store, kind=kind).first()
    form = ScriptForm(request.POST or None, initial={"text": own.text if own else str(DEFAULT_SCRIPTS[Kind(kind)])})
    if request.method == "POST":
        saved = post_form(
            request,
            form,
            lambda data: services.followup_script_save(actor=request.user, store=store, kind=kind, text=data["text"]),
            success=_("Script saved."),
        )
        if saved.ok:
            return redirect("followups:rules")
    return render(request, "followups/script.html", {"form": form, "kind": Kind(kind)})
