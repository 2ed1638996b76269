"""Survey pages: results (调查结果汇总) with drill-down and CSV, the caller's entry
form, issuing a customer link, and the customer's own page (no login)."""

import csv
import io
from datetime import date

import segno
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aftercare.core.models import Store
from aftercare.core.permissions import Perm
from aftercare.core.views import htmx_partial, permission_required, post_form
from aftercare.customers.models import Customer
from aftercare.service.models import RepairOrder

from . import selectors, services
from .choices import SurveyKind
from .forms import AnswerForm, ResultsFilterForm
from .models import SurveyResponse

PERM = Perm.FOLLOWUP_WORK
DRILL_LIMIT = 200
# The link issued last in this session, so that its page survives a reload without issuing another.
ISSUED_LINK = "surveys:issued_link"


def _int_or_404(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _drill_filter(by: str, key: str) -> dict:
    """The filter that selects the responses behind one row of the summary."""
    if by == "month":
        try:
            year, month = (int(part) for part in key.split("-")[:2])
            date(year, month, 1)
        except ValueError:
            raise Http404 from None
        return {"completed_at__year": year, "completed_at__month": month}
    field = {
        "advisor": "advisor_id",
        "technician": "technicians",
        "repair_type": "repair_type_id",
        "store": "store_id",
    }.get(by)
    if field is None:
        raise Http404
    return {field: _int_or_404(key)}


@permission_required(PERM)
def results(request: HttpRequest) -> HttpResponse:
    stores = list(Store.objects.for_user(request.user, PERM).order_by("code"))
    form = ResultsFilterForm(request.GET or None, stores=stores)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
    else:
        today = timezone.localdate()
        data = {"start": today.replace(day=1), "end": today, "by": "advisor", "store": None, "kind": ""}
    store_ids = [s.pk for s in stores if data["store"] in (None, s.pk)]
    filters = {"kind": data["kind"]} if data["kind"] else {}
    rows = selectors.results_summary(
        store_ids=store_ids, start=data["start"], end=data["end"], by=data["by"], filters=filters
    )
    totals = selectors.satisfaction(store_ids=store_ids, start=data["start"], end=data["end"])
    drill, drill_key = None, request.GET.get("key")
    if drill_key:
        drill_filters = {**filters, **_drill_filter(data["by"], drill_key)}
        drill = list(
            selectors.results_responses(
                store_ids=store_ids, start=data["start"], end=data["end"], filters=drill_filters
            ).distinct()[:DRILL_LIMIT]
        )
    if request.GET.get("export") == "csv":
        return _csv(rows, data)
    context = {
        "form": form,
        "rows": rows,
        "totals": totals,
        "by": data["by"],
        "by_label": selectors.DIMENSIONS[data["by"]].label,
        "drill": drill,
        "drill_key": drill_key,
        "query": request.GET.urlencode(),
        "query_without_key": "&".join(f"{k}={v}" for k, v in request.GET.items() if k not in ("key", "export")),
    }
    template = "surveys/results.html#results" if htmx_partial(request) else "surveys/results.html"
    return render(request, template, context)


def _csv(rows, data) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"survey-results-{data['by']}-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # Excel opens UTF-8 Chinese only with a BOM.
    writer = csv.writer(response)
    writer.writerow(
        [
            str(selectors.DIMENSIONS[data["by"]].label),
            _("Surveyed"),
            _("Satisfied"),
            _("Satisfaction rate"),
            _("Average score"),
            _("Previous period"),
            _("Same period last year"),
        ]
    )
    for row in rows:
        writer.writerow(
            [
                row["label"],
                row["surveyed"],
                row["satisfied"],
                row["rate"] if row["rate"] is not None else "",
                row["average"] if row["average"] is not None else "",
                row["previous_rate"] if row["previous_rate"] is not None else "",
                row["last_year_rate"] if row["last_year_rate"] is not None else "",
            ]
        )
    return response


def _subject(request: HttpRequest, source) -> tuple[Customer, RepairOrder | None, str]:
    """Customer, repair order and kind from the request, each scoped to the user's stores."""
    customer_id = _int_or_404(source.get("customer"))
    order_id = _int_or_404(source.get("repair_order"))
    order = None
    if order_id is not None:
        order = get_object_or_404(
            RepairOrder.objects.for_user(request.user, PERM).select_related("repair_type", "vehicle"), pk=order_id
        )
        customer_id = customer_id or order.customer_id
    if customer_id is None:
        raise Http404
    customer = get_object_or_404(Customer.objects.for_user(request.user, PERM), pk=customer_id)
    kind = source.get("kind") or (services.kind_for_order(order) if order else SurveyKind.MAINTENANCE)
    if kind not in SurveyKind.values:
        raise Http404
    return customer, order, kind


@permission_required(PERM)
def record(request: HttpRequest) -> HttpResponse:
    """The caller enters the answers the customer gives on the phone."""
    source = request.POST if request.method == "POST" else request.GET
    customer, order, kind = _subject(request, source)
    store = customer.store
    survey = services.survey_for(store=store, kind=kind, actor=request.user)
    form = AnswerForm(request.POST if request.method == "POST" else None, survey=survey)
    status = 200
    if request.method == "POST":
        recorded = post_form(
            request,
            form,
            lambda data: services.survey_record_by_staff(
                actor=request.user,
                store=store,
                customer=customer,
                repair_order=order,
                kind=kind,
                answers=form.answers(),
                overall=data["overall"],
            ),
            success=_("Survey recorded."),
        )
        if recorded.ok:
            return redirect("surveys:results")
        status = 400
    context = {"form": form, "survey": survey, "customer": customer, "order": order, "kind": kind}
    return render(request, "surveys/record.html", context, status=status)


@permission_required(PERM)
@require_http_methods(["GET", "POST"])
def link_issue(request: HttpRequest) -> HttpResponse:
    """POST issues a customer's personal link; GET shows the one this session issued last."""
    if request.method == "POST":
        customer, order, kind = _subject(request, request.POST)
        response, url = services.survey_link_issue(
            actor=request.user, store=customer.store, customer=customer, repair_order=order, kind=kind
        )
        request.session[ISSUED_LINK] = {"response": response.pk, "link": request.build_absolute_uri(url)}
        return redirect("surveys:link_issue")
    issued = _issued_link(request)
    if issued is None:
        return redirect("surveys:results")
    response, link = issued
    return render(
        request,
        "surveys/link_issued.html",
        {"response": response, "customer": response.customer, "link": link},
    )


def _issued_link(request: HttpRequest) -> tuple[SurveyResponse, str] | None:
    """The response and link this session issued last, if the user may still see it."""
    issued = request.session.get(ISSUED_LINK)
    if issued is None:
        return None
    response = get_object_or_404(
        SurveyResponse.objects.for_user(request.user, PERM).select_related("customer"), pk=issued["response"]
    )
    return response, issued["link"]


@permission_required(PERM)
@require_http_methods(["GET"])
def link_qr(request: HttpRequest) -> HttpResponse:
    """The issued link as a QR code (SVG) for the customer to scan at the desk, until
    messages carry it. Only the session's own link: this is no QR maker for any text."""
    issued = _issued_link(request)
    if issued is None:
        raise Http404
    buffer = io.BytesIO()
    segno.make(issued[1], error="m").save(buffer, kind="svg", scale=6, border=2, xmldecl=False)
    answer = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    # The link is personal and single-use: no cache keeps it.
    answer["Cache-Control"] = "no-store"
    return answer


# --- the customer's page: no login, a signed link --------------------------------------


def _public(request, template, context, status=200):
    return render(request, f"surveys/public/{template}", context, status=status)


def _linked_response(request: HttpRequest, token: str) -> tuple[SurveyResponse | None, HttpResponse | None]:
    """The response the link points at, or the page that says why the link does not work."""
    try:
        return services.response_for_token(token), None
    except (signing.BadSignature, ValueError, SurveyResponse.DoesNotExist):
        return None, _public(request, "invalid.html", {}, status=400)
    except services.LinkExpired:
        return None, _public(request, "expired.html", {}, status=410)


def answer(request: HttpRequest, token: str) -> HttpResponse:
    response, refusal = _linked_response(request, token)
    if refusal is not None:
        return refusal
    context = {"response": response, "store": response.store}
    if response.is_completed:
        return _public(request, "done.html", {**context, "already": True}, status=409 if request.POST else 200)
    form = AnswerForm(request.POST if request.method == "POST" else None, survey=response.survey)
    if request.method == "POST":
        answered = post_form(
            request,
            form,
            lambda data: services.survey_response_complete(
                actor=None, response=response, answers=form.answers(), overall=data["overall"]
            ),
        )
        if answered.ok:
            return redirect("surveys_public:thanks", token=token)
        # Another submit of the same link got there first (the page was open twice).
        if form.has_error(NON_FIELD_ERRORS, "already_answered"):
            return _public(request, "done.html", {**context, "already": True}, status=409)
        return _public(request, "answer.html", {**context, "form": form}, status=400)
    return _public(request, "answer.html", {**context, "form": form})


def thanks(request: HttpRequest, token: str) -> HttpResponse:
    """Where answering the link leads: the thank-you, which a reload does not submit again."""
    response, refusal = _linked_response(request, token)
    if refusal is not None:
        return refusal
    if not response.is_completed:
        return redirect("surveys_public:answer", token=token)
    return _public(request, "done.html", {"response": response, "store": response.store})
