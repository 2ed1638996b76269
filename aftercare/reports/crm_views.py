"""The monthly CRM report's pages (docs/DOMAIN.md §18.6): the report of a store and month in a
chosen version, what changed against the version before, the rows behind each number, PDF and xlsx."""

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.core.exports import content_disposition, xlsx_response
from aftercare.core.models import Store
from aftercare.core.permissions import Perm
from aftercare.core.views import permission_required
from aftercare.customers.models import Customer
from aftercare.service.models import RepairOrder

from .crm_report import (
    READY_BY_DAY,
    add_months,
    changes,
    chart_series,
    crm_report_generate,
    kpi_views,
    month_start,
    previous_month,
)  # fmt: skip
from .forms import CrmReportForm, CrmReportGenerateForm
from .kpis import CAUSE_LABELS
from .models import CrmReport
from .svg import trend_panels

DRILL_PAGE = 100


def _stores(user):
    return list(Store.objects.for_user(user, Perm.REPORT_VIEW).order_by("code"))


def _page_context(report: CrmReport) -> dict:
    previous = (
        CrmReport.objects.filter(store_id=report.store_id, month=report.month, version__lt=report.version)
        .order_by("-version")
        .first()
    )
    kpis = kpi_views(report.figures)
    chart = chart_series(report.figures)
    targets = {kpi.key: float(kpi.target * 100) for kpi in kpis if kpi.target is not None}
    return {
        "report": report,
        "previous": previous,
        "kpis": kpis,
        "missed": [kpi for kpi in kpis if kpi.met is False],
        "changes": changes(previous, report),
        "chart": chart,
        # The page's ECharts line chart (templates/reports/_chart.html), the same trend.
        "echart": {
            "id": "chart-crm-report",
            "kind": "line",
            "title": _("Trend over the previous 12 months"),
            "categories": chart["months"],
            "series": [{"name": s["name"], "data": s["data"]} for s in chart["series"]],
            "percent": True,
        },
        "targets": targets,
        "panels": trend_panels(chart["months"], chart["series"], targets),
        "chart_rows": [
            {"month": when, "values": [series["data"][index] for series in chart["series"]]}
            for index, when in enumerate(chart["months"])
        ],
    }


@permission_required(Perm.REPORT_VIEW)
def crm_report(request: HttpRequest) -> HttpResponse:
    """One store's monthly CRM report: the newest version, or the one asked for."""
    stores = _stores(request.user)
    if not stores:
        raise Http404
    today = timezone.localdate()
    # The store the user is working in (the top bar's choice) when it is one of theirs.
    current = getattr(request, "store", None)
    initial = {"store": current.pk if current in stores else stores[0].pk, "month": previous_month(today)}
    form = CrmReportForm(request.GET or None, stores=stores, initial=initial)
    chosen = form.cleaned_data if form.is_bound and form.is_valid() else initial
    store = next(s for s in stores if s.pk == chosen["store"])
    month = month_start(chosen["month"])
    versions = list(CrmReport.objects.filter(store=store, month=month).order_by("-version").only(
        "id", "store_id", "month", "version", "generated_at", "generated_by", "reason"
    ).select_related("generated_by"))  # fmt: skip
    report = None
    if versions:
        wanted = request.GET.get("version", "")
        match = next((v for v in versions if str(v.version) == wanted), versions[0])
        report = CrmReport.objects.get(pk=match.pk)
    context = {
        "form": form,
        "store": store,
        "month": month,
        "versions": versions,
        "ready_by": date(add_months(month, 1).year, add_months(month, 1).month, READY_BY_DAY),
        "generate_form": CrmReportGenerateForm(),
        "query": urlencode({"store": store.pk, "month": f"{month:%Y-%m}"}),
    }
    if report is not None:
        context.update(_page_context(report))
    return render(request, "reports/crm_report.html", context)


@require_POST
@permission_required(Perm.REPORT_VIEW)
def crm_report_generate_view(request: HttpRequest) -> HttpResponse:
    stores = _stores(request.user)
    form = CrmReportForm(request.POST, stores=stores)
    reason_form = CrmReportGenerateForm(request.POST)
    if not (form.is_valid() and reason_form.is_valid()):
        messages.error(request, _("Choose a store and a month."))
        return redirect("reports:crm_report")
    store = next(s for s in stores if s.pk == form.cleaned_data["store"])
    month = month_start(form.cleaned_data["month"])
    if month > month_start(timezone.localdate()):
        messages.error(request, _("A month that has not started has no report."))
        return redirect("reports:crm_report")
    report, added = crm_report_generate(
        store=store, month=month, user=request.user, reason=reason_form.cleaned_data["reason"]
    )
    if added:
        messages.success(request, _("Version %(version)s of the report was generated.") % {"version": report.version})
    else:
        messages.info(request, _("Nothing changed since version %(version)s.") % {"version": report.version})
    query = urlencode({"store": store.pk, "month": f"{month:%Y-%m}", "version": report.version})
    return redirect(f"{reverse('reports:crm_report')}?{query}")


def _report_for(request, pk: int) -> CrmReport:
    return get_object_or_404(CrmReport.objects.for_user(request.user, Perm.REPORT_VIEW), pk=pk)


def _filename(report: CrmReport, ext: str) -> str:
    return f"{_('Monthly CRM report')}-{report.figures['store']['code']}-{report.month:%Y-%m}-v{report.version}.{ext}"


@permission_required(Perm.REPORT_VIEW)
def crm_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for(request, pk)
    # WeasyPrint is loaded by the first PDF, not by every process that imports the URLs.
    from .pdf import font_uri, render_pdf

    context = {**_page_context(report), "font_uri": font_uri(), "printed_at": timezone.localtime()}
    html = render_to_string("reports/crm_report_pdf.html", context, request=request)
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(_filename(report, "pdf"))
    return response


@permission_required(Perm.REPORT_VIEW)
def crm_report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The figures, the causes of each miss and the trend, as one table."""
    report = _report_for(request, pk)
    context = _page_context(report)
    month = report.figures["month"]
    headers = [_("Section"), _("KPI"), _("Month"), _("Rate %"), _("Target %"), _("Numerator"), _("Denominator"),
               _("Met"), _("Cause"), _("Person"), _("Count")]  # fmt: skip

    def percent(value):
        return None if value is None else float(value * 100)

    rows = []
    for kpi in context["kpis"]:
        rows.append([_("Figures"), str(kpi.label), month, percent(kpi.rate), percent(kpi.target), kpi.numerator,
                     kpi.denominator, kpi.met, "", "", None])  # fmt: skip
    for kpi in context["missed"]:
        for cause in kpi.causes:
            rows.append([_("Causes"), str(kpi.label), month, None, None, None, None, None, str(cause["label"]),
                         cause["person"], cause["count"]])  # fmt: skip
    for series in context["chart"]["series"]:
        for when, value in zip(context["chart"]["months"], series["data"], strict=True):
            rows.append([_("Trend"), series["name"], when, value, context["targets"].get(series["key"]), None, None,
                         None, "", "", None])  # fmt: skip
    return xlsx_response(_filename(report, "xlsx"), headers, rows)


@permission_required(Perm.REPORT_VIEW)
def crm_report_drill(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """The customers, people and orders behind one KPI of a report version, as it was reported:
    the whole denominator, or only the numerator ("ok") or the misses."""
    report = _report_for(request, pk)
    if key not in report.figures["rows"]:
        raise Http404
    show = request.GET.get("show", "missed")
    rows = report.figures["rows"][key]
    if show == "missed":
        rows = [row for row in rows if not row[1]]
    elif show == "ok":
        rows = [row for row in rows if row[1]]
    else:
        show = "all"
    page = Paginator(rows, DRILL_PAGE).get_page(request.GET.get("page"))
    customer_ids = {row[0] for row in page.object_list}
    order_ids = {row[4] for row in page.object_list if row[4]}
    customers = Customer.objects.for_user(request.user, Perm.REPORT_VIEW).in_bulk(customer_ids)
    orders = RepairOrder.objects.for_user(request.user, Perm.REPORT_VIEW).only("id", "number").in_bulk(order_ids)
    people = report.figures.get("people", {})
    lines = [
        {"customer": customers.get(customer_id), "ok": ok, "cause": CAUSE_LABELS.get(cause, cause),
         "person": people.get(str(person_id), ""), "order": orders.get(order_id)}
        for customer_id, ok, cause, person_id, order_id in page.object_list
    ]  # fmt: skip
    kpi = next(k for k in kpi_views(report.figures) if k.key == key)
    context = {"report": report, "kpi": kpi, "page": page, "lines": lines, "show": show, "total": len(rows)}
    return render(request, "reports/crm_report_drill.html", context)
