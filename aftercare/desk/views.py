"""The service desk's pages (docs/DOMAIN.md §25): thin views over services and selectors.

Staff pages need DESK_WORK (answers written by FAQ_MANAGE); every read starts from
`for_user()`. The customer's pages (public_*) need no login: the rescue's link token or
the store's public code is the key, and they show only what the customer gave or may see."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.core.models import Store
from aftercare.core.permissions import Perm
from aftercare.core.views import htmx_partial, permission_required, post_form, run_action
from aftercare.customers.models import Customer

from . import selectors, services, throttles
from .choices import RECOVERY_STEPS, TOLD_STATUSES, RecoveryStatus, RescueChannel, RescueStatus
from .forms import (
    ClaimForm,
    DispatchForm,
    EventForm,
    FaqForm,
    FinishForm,
    FixForm,
    MoveForm,
    RescuePublicForm,
    RescueStaffForm,
    ShareForm,
    StepForm,
    SynonymForm,
)
from .models import EventNotice, FaqEntry, MajorEvent, RecoveryCase, RescueRequest

W = Perm.DESK_WORK


def _store(request, perm=W) -> Store:
    store = request.store
    if store is None or not request.user.has_perm(perm, store):
        raise PermissionDenied
    return store


# --- rescues ------------------------------------------------------------------------------------


@permission_required(W)
def rescue_board(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    now = timezone.now()
    rows = [(rescue, rescue.age_minutes(now)) for rescue in selectors.rescue_board(request.user, store)]
    context = {"rows": rows, "store": store}
    template = "desk/rescue_board.html#board" if htmx_partial(request) else "desk/rescue_board.html"
    return render(request, template, context)


@permission_required(W)
def rescue_new(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    form = RescueStaffForm(request.POST or None, request.FILES or None, store=store)
    if request.method == "POST":
        outcome = post_form(
            request, form,
            lambda d: services.rescue_create(
                actor=request.user, store=store, channel=RescueChannel.PHONE_LINE, customer=d["customer"],
                contact_name=d["contact_name"], contact_phone=d["contact_phone"], plate=d["plate"],
                symptom=d["symptom"], address=d["address"], latitude=d["latitude"], longitude=d["longitude"],
                photos=request.FILES.getlist("photos"),
            ),
            success=lambda r: _("Rescue %(number)s recorded.") % {"number": r[0].number},
        )  # fmt: skip
        if outcome.ok:
            return redirect("desk:rescue_detail", pk=outcome.result[0].pk)
    return render(request, "desk/rescue_new.html", {"form": form})


def _rescue(request, pk) -> RescueRequest:
    return get_object_or_404(
        RescueRequest.objects.for_user(request.user, W).select_related("store", "customer", "vehicle", "technician"),
        pk=pk,
    )


@permission_required(W)
def rescue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rescue = _rescue(request, pk)
    context = {
        "rescue": rescue,
        "history": rescue.status_changes.select_related("changed_by"),
        "photos": rescue.photos.all(),
        "dispatch_form": DispatchForm(store=rescue.store),
        "finish_form": FinishForm(initial={"fee": rescue.fee}),
        "claim_form": ClaimForm(),
        "moves": [s for s in rescue.allowed_transitions if s in TOLD_STATUSES and s != RescueStatus.DONE],
        "can_cancel": RescueStatus.CANCELLED in rescue.allowed_transitions,
        "can_claim": request.user.has_perm(Perm.WARRANTY_MANAGE, rescue.store),
        "statuses": RescueStatus,
    }
    return render(request, "desk/rescue_detail.html", context)


@permission_required(W)
@require_POST
def rescue_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    rescue = _rescue(request, pk)
    form = DispatchForm(request.POST, store=rescue.store)
    outcome = post_form(
        request, form,
        lambda d: services.rescue_dispatch(actor=request.user, rescue=rescue, technician=d["technician"],
                                           rescue_vehicle=d["rescue_vehicle"], eta_minutes=d["eta_minutes"],
                                           note=d["note"]),
        success=_("Dispatched: the customer was told who comes and when."), refused=services.TransitionRefused,
    )  # fmt: skip
    if not outcome.ok and form.errors:
        from aftercare.core.views import flash_form_errors

        flash_form_errors(request, form)
    return redirect("desk:rescue_detail", pk=rescue.pk)


@permission_required(W)
@require_POST
def rescue_move(request: HttpRequest, pk: int, to: str) -> HttpResponse:
    rescue = _rescue(request, pk)
    if to not in RescueStatus.values:
        raise Http404
    note = MoveForm(request.POST).data.get("note", "")[:300]
    run_action(
        request, lambda: _move(request, rescue, to, note),
        success=_("%(status)s: the customer was told.") % {"status": RescueStatus(to).label},
    )  # fmt: skip
    return redirect("desk:rescue_detail", pk=rescue.pk)


def _move(request, rescue, to, note):
    try:
        return services.rescue_transition(actor=request.user, rescue=rescue, to=to, note=note)
    except services.TransitionRefused as error:
        from django.core.exceptions import ValidationError

        raise ValidationError(str(error)) from None


@permission_required(W)
@require_POST
def rescue_finish(request: HttpRequest, pk: int) -> HttpResponse:
    rescue = _rescue(request, pk)
    form = FinishForm(request.POST)
    outcome = post_form(
        request, form,
        lambda d: services.rescue_finish(actor=request.user, rescue=rescue, result=d["result"],
                                         quality_defect=d["quality_defect"], fee=d["fee"]),
        success=_("Result reported; the follow-up call is booked."), refused=services.TransitionRefused,
    )  # fmt: skip
    if not outcome.ok and form.errors:
        from aftercare.core.views import flash_form_errors

        flash_form_errors(request, form)
    return redirect("desk:rescue_detail", pk=rescue.pk)


@permission_required(Perm.WARRANTY_MANAGE)
@require_POST
def rescue_claim(request: HttpRequest, pk: int) -> HttpResponse:
    from aftercare.warranty.models import Claim

    rescue = get_object_or_404(RescueRequest.objects.for_user(request.user, Perm.WARRANTY_MANAGE), pk=pk)
    form = ClaimForm(request.POST)
    if form.is_valid():
        claim = (
            Claim.objects.for_user(request.user, Perm.WARRANTY_MANAGE)
            .filter(store=rescue.store, number=form.cleaned_data["claim"].strip().upper())
            .first()
        )
        if claim is None:
            from django.contrib import messages

            messages.error(request, _("No claim of this store has this number."))
        else:
            run_action(
                request,
                lambda: services.rescue_claim(actor=request.user, rescue=rescue, claim=claim,
                                              amount=form.cleaned_data["amount"]),
                success=_("The rescue is on claim %(number)s.") % {"number": claim.number},
            )  # fmt: skip
    return redirect("desk:rescue_detail", pk=rescue.pk)


# --- standard answers ---------------------------------------------------------------------------


@permission_required(W, Perm.FAQ_MANAGE)
def faq(request: HttpRequest) -> HttpResponse:
    store = request.store
    if store is None:
        raise PermissionDenied
    query = (request.GET.get("q") or "").strip()[:100]
    entries = FaqEntry.objects.for_user(request.user, W).filter(store=store)
    results = None
    if query:
        results = selectors.faq_search(entries=entries, store_ids=[store.pk], query=query)
        services.faq_search_log(store_id=store.pk, query=query, found=len(results.entries), public=False)
    context = {
        "query": query,
        "results": results,
        "recent": [] if query else list(entries.order_by("-use_count", "id")[:30]),
        "can_manage": request.user.has_perm(Perm.FAQ_MANAGE, store),
    }
    template = "desk/faq.html#results" if htmx_partial(request) else "desk/faq.html"
    return render(request, template, context)


@permission_required(W, Perm.FAQ_MANAGE)
def faq_entry(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(FaqEntry.objects.for_user(request.user, W), pk=pk)
    if request.method == "GET":
        services.faq_used(entry)
    form = ShareForm(request.POST or None, store=entry.store)
    if request.method == "POST":
        outcome = post_form(
            request, form,
            lambda d: services.faq_share(actor=request.user, entry=entry, customer=d["customer"], task=d["task"]),
            success=_("The answer was sent to the customer."),
        )  # fmt: skip
        if outcome.ok:
            return redirect("desk:faq_entry", pk=entry.pk)
    return render(request, "desk/faq_entry.html", {"entry": entry, "form": form,
                                                   "shares": entry.shares.select_related("customer")[:20]})  # fmt: skip


@permission_required(Perm.FAQ_MANAGE)
def faq_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    store = _store(request, Perm.FAQ_MANAGE)
    entry = get_object_or_404(FaqEntry.objects.for_user(request.user, Perm.FAQ_MANAGE), pk=pk) if pk else None
    initial = {f: getattr(entry, f) for f in services.FAQ_FIELDS if f != "attachment"} if entry else {}
    form = FaqForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST":

        def save(d):
            values = {k: v for k, v in d.items() if k != "attachment"}
            if d.get("attachment"):
                values["attachment"] = d["attachment"]
            return services.faq_save(actor=request.user, store=entry.store if entry else store, entry=entry, **values)

        outcome = post_form(request, form, save, success=_("Answer saved."))
        if outcome.ok:
            return redirect("desk:faq_entry", pk=outcome.result.pk)
    return render(request, "desk/faq_edit.html", {"form": form, "entry": entry})


@permission_required(Perm.FAQ_MANAGE)
def faq_report(request: HttpRequest) -> HttpResponse:
    store = _store(request, Perm.FAQ_MANAGE)
    form = SynonymForm(request.POST or None)
    if request.method == "POST":
        outcome = post_form(
            request, form, lambda d: services.synonym_save(actor=request.user, store=store, **d),
            success=_("Synonym saved."),
        )  # fmt: skip
        if outcome.ok:
            return redirect("desk:faq_report")
    from .models import FaqSynonym

    entries = FaqEntry.objects.for_user(request.user, Perm.FAQ_MANAGE).filter(store=store)
    context = {
        "form": form,
        "most_used": selectors.faq_most_used(entries=entries),
        "not_found": selectors.faq_not_found(store_ids=[store.pk], since=timezone.now() - timedelta(days=90)),
        "synonyms": FaqSynonym.objects.for_user(request.user, Perm.FAQ_MANAGE).filter(store=store).order_by("word"),
        "count": entries.count(),
    }
    return render(request, "desk/faq_report.html", context)


# --- major events -------------------------------------------------------------------------------


@permission_required(W)
def events(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    context = {
        "notices": selectors.my_notices(request.user, store),
        "events": MajorEvent.objects.for_user(request.user, W)
        .filter(store=store)
        .select_related("customer", "recorded_by")[:50],
        "today": timezone.localdate(),
    }
    return render(request, "desk/events.html", context)


def _customer(request, pk) -> Customer:
    return get_object_or_404(Customer.objects.for_user(request.user, Perm.CUSTOMER_VIEW).select_related("store"), pk=pk)


@permission_required(W)
def event_new(request: HttpRequest, customer_pk: int) -> HttpResponse:
    customer = _customer(request, customer_pk)
    if not request.user.has_perm(W, customer.store):
        raise PermissionDenied
    form = EventForm(request.POST or None)
    if request.method == "POST":
        outcome = post_form(
            request, form, lambda d: services.event_record(actor=request.user, customer=customer, **d),
            success=_("Recorded: the advisor, the VIC specialist and the manager are notified."),
        )  # fmt: skip
        if outcome.ok:
            return redirect("customers:customer_detail", pk=customer.pk)
    return render(request, "desk/event_new.html", {"form": form, "customer": customer})


@permission_required(W)
@require_POST
def notice_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(EventNotice.objects.for_user(request.user, W), pk=pk, user=request.user)
    run_action(request, lambda: services.notice_acknowledge(actor=request.user, notice=notice),
               success=_("Acknowledged."))  # fmt: skip
    return redirect("desk:events")


@permission_required(W)
def customer_panel(request: HttpRequest, customer_pk: int) -> HttpResponse:
    """The desk's panel on the customer page (loaded by htmx): the major-event flag, the recovery."""
    customer = _customer(request, customer_pk)
    context = {
        "customer": customer,
        "flags": selectors.customer_flags(customer),
        "recovery": RecoveryCase.objects.for_user(request.user, W).filter(customer=customer).open().first(),
        "can_work": request.user.has_perm(W, customer.store),
    }
    return render(request, "desk/_customer_panel.html", context)


# --- recoveries ---------------------------------------------------------------------------------


@permission_required(W)
def recoveries(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    rows = RecoveryCase.objects.for_user(request.user, W).filter(store=store).select_related("customer", "owner")
    show = request.GET.get("show", "open")
    if show == "open":
        rows = rows.open()
    return render(request, "desk/recoveries.html", {"rows": rows[:100], "show": show})


@permission_required(W)
@require_POST
def recovery_open(request: HttpRequest, customer_pk: int) -> HttpResponse:
    customer = _customer(request, customer_pk)
    outcome = run_action(
        request, lambda: services.recovery_open(actor=request.user, customer=customer, reason="quality"),
        success=_("Recovery opened."),
    )  # fmt: skip
    if outcome.ok:
        return redirect("desk:recovery_detail", pk=outcome.result.pk)
    return redirect("customers:customer_detail", pk=customer.pk)


def _case(request, pk) -> RecoveryCase:
    return get_object_or_404(
        RecoveryCase.objects.for_user(request.user, W).select_related(
            "store", "customer", "owner", "repair_order", "free_approved_by"
        ),
        pk=pk,
    )


@permission_required(W)
def recovery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    done = {row.to_status: row for row in case.steps.select_related("changed_by")}
    steps = [(status, RecoveryStatus(status).label, done.get(status)) for status in RECOVERY_STEPS]
    next_step = case.allowed_transitions[0] if case.is_open else None
    form = StepForm(request.POST or None, initial={"contact_name": case.contact_name,
                                                   "contact_phone": case.contact_phone})  # fmt: skip
    if next_step != RecoveryStatus.CONTACT_KEPT:
        del form.fields["contact_name"], form.fields["contact_phone"]
    if request.method == "POST":
        outcome = post_form(
            request, form,
            lambda d: services.recovery_step(
                actor=request.user, case=case, note=d["note"],
                contact_name=d.get("contact_name") or None, contact_phone=d.get("contact_phone") or None,
            ),
            success=_("Step recorded."), refused=services.TransitionRefused,
        )  # fmt: skip
        if outcome.ok or not form.errors:
            return redirect("desk:recovery_detail", pk=case.pk)
    context = {
        "case": case, "steps": steps, "next_step": next_step,
        "next_label": RecoveryStatus(next_step).label if next_step else "", "form": form,
        "call_refused": selectors.recovery_call_refused(case) if case.is_open else "",
        "fix_form": FixForm(store=case.store, initial={"repair_order": getattr(case.repair_order, "number", ""),
                                                       "free_repair": case.free_repair}),
        "can_approve": request.user.has_perm(Perm.DISCOUNT_APPROVE, case.store),
        "is_fix_step": next_step == RecoveryStatus.FIXED,
        "is_contact_step": next_step == RecoveryStatus.CONTACT_KEPT,
    }  # fmt: skip
    return render(request, "desk/recovery_detail.html", context)


@permission_required(W)
@require_POST
def recovery_fix(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = FixForm(request.POST, store=case.store)
    outcome = post_form(
        request, form,
        lambda d: services.recovery_fix_details(actor=request.user, case=case, repair_order=d["repair_order"],
                                                free_repair=d["free_repair"]),
        success=_("Repair order linked."),
    )  # fmt: skip
    if not outcome.ok and form.errors:
        from aftercare.core.views import flash_form_errors

        flash_form_errors(request, form)
    return redirect("desk:recovery_detail", pk=case.pk)


@permission_required(Perm.DISCOUNT_APPROVE)
@require_POST
def recovery_approve(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    run_action(request, lambda: services.recovery_approve_free(actor=request.user, case=case),
               success=_("Free repair approved."))  # fmt: skip
    return redirect("desk:recovery_detail", pk=case.pk)


# --- the customer's pages (no login) ----------------------------------------------------------------


def _public_store(code: str) -> Store:
    return get_object_or_404(Store.objects.filter(is_active=True), code=code)


def public_rescue(request: HttpRequest, store_code: str) -> HttpResponse:
    """The store's rescue page for a stranded customer's phone: where, what, whom to call."""
    store = _public_store(store_code)
    form = RescuePublicForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        # docs/DOMAIN.md §25.2: a no-login form is limited per IP and per mobile (HTTP 429).
        limited = not throttles.rescue_ip_allowed(request)
        if limited:
            form.is_valid()
            form.add_error(None, _("Too many rescue requests from this network. Please call the rescue line."))
        elif form.is_valid() and not throttles.rescue_phone_allowed(request, form.cleaned_data["contact_phone"]):
            limited = True
            form.add_error("contact_phone", _("Too many rescue requests for this mobile. Please call the rescue line."))
        if limited:
            context = {"form": form, "store": store}
            return render(request, "desk/public/rescue.html", context, status=429)
        channel = RescueChannel.PORTAL if request.GET.get("from") == "portal" else RescueChannel.PHONE_PAGE
        outcome = post_form(
            request, form,
            lambda d: services.rescue_create(
                actor=None, store=store, channel=channel, contact_name=d["contact_name"],
                contact_phone=d["contact_phone"], plate=d["plate"], symptom=d["symptom"], address=d["address"],
                latitude=d["latitude"], longitude=d["longitude"], photos=request.FILES.getlist("photos"),
            ),
        )  # fmt: skip
        if outcome.ok:
            return redirect("desk_public:rescue_status", token=outcome.result[1])
    return render(request, "desk/public/rescue.html", {"form": form, "store": store})


def public_rescue_status(request: HttpRequest, token: str) -> HttpResponse:
    rescue = services.rescue_by_token(token)
    if rescue is None:
        raise Http404
    context = {
        "rescue": rescue,
        "store": rescue.store,
        "history": rescue.status_changes.all(),
        "token": token,
        "statuses": RescueStatus,
    }
    template = "desk/public/rescue_status.html#status" if htmx_partial(request) else "desk/public/rescue_status.html"
    return render(request, template, context)


def public_faq(request: HttpRequest, store_code: str) -> HttpResponse:
    store = _public_store(store_code)
    query = (request.GET.get("q") or "").strip()[:100]
    entries = FaqEntry.objects.filter(store=store, public=True)
    results = None
    if query:
        results = selectors.faq_search(entries=entries, store_ids=[store.pk], query=query, limit=10)
        services.faq_search_log(store_id=store.pk, query=query, found=len(results.entries), public=True)
    listed = [] if query else list(entries.valid().order_by("category", "-use_count", "id")[:100])
    return render(request, "desk/public/faq.html", {"store": store, "query": query, "results": results,
                                                    "listed": listed})  # fmt: skip


def public_faq_entry(request: HttpRequest, store_code: str, pk: int) -> HttpResponse:
    store = _public_store(store_code)
    entry = get_object_or_404(FaqEntry.objects.filter(store=store, public=True).valid(), pk=pk)
    services.faq_used(entry)
    return render(
        request,
        "desk/public/faq_entry.html",
        {"store": store, "entry": entry, "back": reverse("desk_public:faq", args=[store.code])},
    )
