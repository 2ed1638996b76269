from datetime import datetime, time, timedelta
from itertools import islice

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.core.exports import FORMATS, export_response
from aftercare.core.models import Store
from aftercare.core.permissions import Perm
from aftercare.core.views import permission_required
from aftercare.customers.models import Customer

from .drill import drill_listing
from .forms import PeriodForm
from .framework import (
    PAGE_ROWS,
    REPORTS,
    Column,
    Filters,
    Report,
    export_value,
    get_report,
    group_roles,
    resolve_filters,
)
from .presentation import _chart_number, cell, chart_data, report_table
from .selectors import manager_numbers

DRILL_LIMIT = 200


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@permission_required(Perm.REPORT_VIEW)
def kpis(request: HttpRequest) -> HttpResponse:
    """Numbers the manager sees: each KPI with its target, met or missed, and the customers behind it."""
    stores = list(Store.objects.for_user(request.user, Perm.REPORT_VIEW).order_by("code"))
    form = PeriodForm(request.GET or None, stores=stores)
    today = timezone.localdate()
    data = form.cleaned_data if form.is_bound and form.is_valid() else {"start": today.replace(day=1), "end": today}
    store_ids = [s.pk for s in stores if data.get("store") in (None, s.pk)]
    # The contract selectors take a half-open period of aware datetimes.
    numbers = manager_numbers(
        store_ids=store_ids, start=_day_start(data["start"]), end=_day_start(data["end"] + timedelta(days=1))
    )
    drill, drill_kpi = None, None
    if request.GET.get("drill"):
        drill_kpi = next((k for k in numbers if k.key == request.GET["drill"]), None)
        if drill_kpi is None:
            raise Http404
        drill = list(
            Customer.objects.for_user(request.user, Perm.REPORT_VIEW)
            .filter(pk__in=drill_kpi.customer_ids[:DRILL_LIMIT])
            .order_by("name", "pk")
        )
    query = "&".join(f"{k}={v}" for k, v in request.GET.items() if k != "drill")
    context = {"form": form, "numbers": numbers, "drill": drill, "drill_kpi": drill_kpi, "query": query, "period": data}
    return render(request, "reports/kpis.html", context)


# --- the report framework's pages (reports/framework.py) -------------------------------------------

REPORT_SECTIONS = (
    ("daily", _("Daily reports")),
    ("monthly", _("Monthly reports")),
    ("abc", _("ABC reports")),
    ("crm", _("CRM")),
    ("targets", _("Targets")),
    ("other", _("Other reports")),
)


@permission_required(Perm.REPORT_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    """Every report the user may open, by section."""
    reports = [get_report(slug) for slug in REPORTS]
    reports = [r for r in reports if request.user.has_perm(r.perm)]
    sections = [(label, [r for r in reports if r.section == key]) for key, label in REPORT_SECTIONS]
    context = {"sections": [(label, items) for label, items in sections if items], "group": group_roles(request.user)}
    return render(request, "reports/index.html", context)


def _report_or_404(slug: str, user) -> Report:
    report = get_report(slug)
    if report is None:
        raise Http404
    if not user.has_perm(report.perm):
        raise PermissionDenied
    return report


def _export(report: Report, f: Filters, fmt: str, columns=None, rows=None, suffix: str = ""):
    columns = columns or report.columns
    rows = report.export_rows(f, columns) if rows is None else rows
    name = f"{report.title}{suffix}_{f.start:%Y%m%d}-{f.end:%Y%m%d}.{fmt}"
    return export_response(fmt, name, [c.label for c in columns], rows)


@permission_required(Perm.REPORT_VIEW)
def report_page(request: HttpRequest, slug: str) -> HttpResponse:
    """One report: filters, table with totals, drill-down links, chart, exports (?format=xlsx|csv)."""
    report = _report_or_404(slug, request.user)
    form, f = resolve_filters(request.user, request.GET, report)
    fmt = request.GET.get("format")
    if f is not None and fmt in FORMATS:
        return _export(report, f, fmt)
    rows, totals, truncated = [], {}, False
    if f is not None:
        rows = list(islice(report.rows(f), PAGE_ROWS + 1))
        truncated = len(rows) > PAGE_ROWS
        rows = rows[:PAGE_ROWS]
        totals = report.totals(f, None if truncated else rows)
    context = {
        "report": report,
        "form": form,
        "filters": f,
        "table": report_table(report, f, rows, totals) if f else None,
        "truncated": truncated,
        "chart": chart_data(report, rows) if f and report.chart else None,
        "group": group_roles(request.user),
        **(report.extra_context(f) if f else {}),
    }
    return render(request, report.template, context)


@permission_required(Perm.REPORT_VIEW)
def group_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The group roll-up of a report: one row per store of the user's groups, ranked."""
    report = _report_or_404(slug, request.user)
    if not group_roles(request.user):
        raise PermissionDenied
    form, f = resolve_filters(request.user, request.GET, report, group=True)
    rows = report.group_rows(f) if f else []
    columns = (
        Column("rank", _("Rank"), total=None),
        Column("store", _("Store"), kind="text", total=None),
        *report.group_columns,
    )
    fmt = request.GET.get("format")
    if f is not None and fmt in FORMATS:
        data = ([export_value(r.get(c.key), c) for c in columns] for r in rows)
        return _export(report, f, fmt, columns, data, suffix="_group")
    table = {
        "columns": columns,
        "rows": [{"cells": [cell(c, r.get(c.key)) for c in columns], "store_id": r["store_id"]} for r in rows],
    }
    chart = None
    if f and rows:
        key = report.rank_key
        chart = {
            "kind": "bar",
            "categories": [r["store"] for r in rows],
            "series": [{"name": str(report.column(key).label), "data": [_chart_number(r.get(key)) for r in rows]}],
            "percent": report.column(key).kind == "pct",
            "id": f"chart-{report.slug}-group",
            "title": str(report.title),
        }
        if chart["percent"]:
            chart["series"][0]["data"] = [None if v is None else round(v * 100, 1) for v in chart["series"][0]["data"]]
    context = {
        "report": report,
        "form": form,
        "filters": f,
        "table": table,
        "chart": chart,
        "group": True,
        "rank_label": report.column(report.rank_key).label if report.rank_key else "",
    }
    return render(request, "reports/group.html", context)


@permission_required(Perm.REPORT_VIEW)
def drill_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The orders or customers behind one number of a report (?col=<column>&row=<row key>)."""
    report = _report_or_404(slug, request.user)
    _form, f = resolve_filters(request.user, request.GET, report)
    if f is None:
        raise Http404
    column = report.column(request.GET.get("col", ""))
    queryset = report.drill(f, request.GET.get("col", ""), request.GET.get("row"))
    if queryset is None:
        raise Http404
    listing = drill_listing(queryset, request.user)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        name = f"{report.title}_{column.label}_{f.start:%Y%m%d}-{f.end:%Y%m%d}.{fmt}"
        return export_response(fmt, name, listing.headers, listing.export_rows())
    page = listing.page(DRILL_LIMIT)
    context = {
        "report": report,
        "column": column,
        "filters": f,
        "row_key": request.GET.get("row", ""),
        "listing": listing,
        "page": page,
        "count": listing.count,
        "back": f"{reverse('reports:report', args=[slug])}?{f.querystring()}",
        "query": request.GET.urlencode(),
    }
    return render(request, "reports/drill.html", context)


@permission_required(Perm.TARGET_SET)
def targets_edit(request: HttpRequest) -> HttpResponse:
    """A store's targets of one month (经营目标), set by its manager; a group-wide manager sets them for
    any store of the group, or the same targets for every store at once."""
    from django.shortcuts import redirect

    from aftercare.core.views import post_form

    from . import targets
    from .forms import TargetForm
    from .models import Target

    stores = list(Store.objects.for_user(request.user, Perm.TARGET_SET).order_by("code"))
    keys = targets.TARGET_KEYS
    today = timezone.localdate()
    source = request.POST if request.method == "POST" else request.GET
    store_id = int(source["store"]) if source.get("store", "").isdigit() else (stores[0].pk if stores else None)
    try:
        month = datetime.strptime(source.get("month", ""), "%Y-%m").date()
    except ValueError:
        month = today.replace(day=1)
    initial = {"store": store_id, "month": month}
    for key, value in Target.objects.filter(store_id=store_id, month=month, store__in=stores).values_list(
        "key", "value"
    ):
        if key in keys:
            initial[f"t_{key}"] = value * 100 if keys[key].kind == "pct" else value
    form = TargetForm(request.POST or None, initial=initial, stores=stores, keys=keys)
    if request.method == "POST":

        def save(data):
            chosen = [s for s in stores if s.pk == data["store"]]
            if request.POST.get("all_stores") and len(stores) > 1:
                chosen = stores
            return sum(
                targets.target_set(actor=request.user, store=s, month=data["month"], values=form.values())
                for s in chosen
            )

        outcome = post_form(request, form, save, success=_("Targets saved."))
        if outcome.ok:
            data = form.cleaned_data
            return redirect(
                f"{reverse('reports:report', args=['targets'])}?period=month&month={data['month']:%Y-%m}"
                f"&store={data['store']}"
            )
    return render(request, "reports/targets_edit.html", {"form": form, "many": len(stores) > 1})


@permission_required(Perm.TARGET_SET)
def labour_cost_edit(request: HttpRequest) -> HttpResponse:
    """A store's labour cost per FRT hour (a standing store setting of the service profit report, §18.7),
    set by whoever sets the store's targets."""
    from django.shortcuts import redirect

    from aftercare.core.views import post_form

    from . import targets
    from .forms import LabourCostForm
    from .models import ProfitSettings

    stores = list(Store.objects.for_user(request.user, Perm.TARGET_SET).order_by("code"))
    source = request.POST if request.method == "POST" else request.GET
    store_id = int(source["store"]) if source.get("store", "").isdigit() else (stores[0].pk if stores else None)
    rate = ProfitSettings.labour_cost_rate([store_id]) if store_id in {s.pk for s in stores} else None
    form = LabourCostForm(
        request.POST or None, initial={"store": store_id, "labour_cost_per_hour": rate}, stores=stores
    )
    if request.method == "POST":

        def save(data):
            store = next(s for s in stores if s.pk == data["store"])
            return targets.labour_cost_set(store=store, rate=data["labour_cost_per_hour"])

        outcome = post_form(request, form, save, success=_("Labour cost per hour saved."))
        if outcome.ok:
            return redirect(f"{reverse('reports:labour_cost_edit')}?store={form.cleaned_data['store']}")
    return render(request, "reports/labour_cost_edit.html", {"form": form, "rate": rate})
