"""/api/v1/reports/: every report of reports/framework.py as JSON, with the filters of its page
(store, period=day|month|range with day / month / start+end, advisor). Bad filters are a 400 with
the field errors; a group view is only for group-wide roles."""

from decimal import Decimal

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.core.api.permissions import require
from aftercare.core.permissions import Perm

from ..framework import REPORTS, Report, get_report, group_roles, resolve_filters

FILTER_PARAMETERS = [
    OpenApiParameter("store", int, required=False, description="One of your stores; all of them when left out."),
    OpenApiParameter("period", str, required=False, enum=["day", "month", "range"]),
    OpenApiParameter("day", OpenApiTypes.DATE, required=False, description="With period=day."),
    OpenApiParameter("month", str, required=False, description="YYYY-MM, with period=month."),
    OpenApiParameter("start", OpenApiTypes.DATE, required=False, description="With period=range."),
    OpenApiParameter("end", OpenApiTypes.DATE, required=False, description="With period=range."),
    OpenApiParameter("advisor", int, required=False, description="A service advisor, where the report has one."),
]

_REPORT_RESPONSE = inline_serializer(
    "ReportResponse",
    {
        "report": serializers.CharField(),
        "title": serializers.CharField(),
        "filters": serializers.DictField(),
        "columns": serializers.ListField(child=serializers.DictField()),
        "rows": serializers.ListField(child=serializers.DictField()),
        "totals": serializers.DictField(),
    },
)


def json_value(value):
    """Decimals as strings (money stays exact), dates as ISO, the rest as is."""
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _clean(row: dict) -> dict:
    return {k: json_value(v) for k, v in row.items()}


def _report(slug: str, user) -> Report:
    report = get_report(slug)
    if report is None:
        raise Http404
    if not user.has_perm(report.perm):
        raise PermissionDenied
    return report


def _filters(request, report, group=False):
    form, f = resolve_filters(request.user, request.query_params, report, group=group)
    if f is None:
        raise ValidationError({k: [e["message"] for e in v] for k, v in form.errors.get_json_data().items()})
    return f


def _columns(columns) -> list[dict]:
    return [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in columns]


def _filters_json(f) -> dict:
    return {**f.query(), "start": f.start.isoformat(), "end": f.end.isoformat(), "stores": f.store_ids}


class ReportListView(APIView):
    permission_classes = [require(Perm.REPORT_VIEW)]

    @extend_schema(
        responses=inline_serializer(
            "ReportIndexEntry",
            {"slug": serializers.CharField(), "title": serializers.CharField(), "section": serializers.CharField()},
            many=True,
        )
    )
    def get(self, request):
        reports = [get_report(slug) for slug in REPORTS]
        return Response(
            [
                {"slug": r.slug, "title": str(r.title), "section": r.section, "periods": list(r.periods)}
                for r in reports
                if request.user.has_perm(r.perm)
            ]
        )


class ReportView(APIView):
    permission_classes = [require(Perm.REPORT_VIEW)]

    @extend_schema(parameters=FILTER_PARAMETERS, responses=_REPORT_RESPONSE)
    def get(self, request, slug: str):
        report = _report(slug, request.user)
        f = _filters(request, report)
        rows = list(report.rows(f))
        return Response(
            {
                "report": report.slug,
                "title": str(report.title),
                "filters": _filters_json(f),
                "columns": _columns(report.columns),
                "rows": [_clean(r) for r in rows],
                "totals": _clean(report.totals(f, rows)),
                **{k: json_value(v) for k, v in report.api_extra(f).items()},
            }
        )


class ReportGroupView(APIView):
    permission_classes = [require(Perm.REPORT_VIEW)]

    @extend_schema(parameters=FILTER_PARAMETERS, responses=_REPORT_RESPONSE)
    def get(self, request, slug: str):
        report = _report(slug, request.user)
        if not group_roles(request.user):
            raise PermissionDenied
        f = _filters(request, report, group=True)
        return Response(
            {
                "report": report.slug,
                "title": str(report.title),
                "filters": _filters_json(f),
                "rank_by": report.rank_key,
                "columns": _columns(report.group_columns),
                "rows": [_clean(r) for r in report.group_rows(f)],
            }
        )
