"""/api/v1/health-records/: the store's health records with their upload state,
one record with its upload history, and the period's export (docs/DOMAIN.md §23)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.core.api.permissions import require
from aftercare.core.audit import audit_record
from aftercare.core.exports import export_response
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm

from .. import selectors
from ..models import HealthRecord
from . import serializers as s

LIST_LIMIT = 500
PARAMS = [
    OpenApiParameter("start", OpenApiTypes.DATE, required=False, description="Settled on or after."),
    OpenApiParameter("end", OpenApiTypes.DATE, required=False, description="Settled on or before."),
    OpenApiParameter("state", str, required=False, enum=["pending", "sent", "rejected", "resent"]),
]


def _query(request) -> dict:
    query = s.RecordQuerySerializer(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    return query.validated_data


class RecordsView(APIView):
    permission_classes = [require(Perm.REPAIR_ORDER_VIEW)]

    @extend_schema(
        parameters=[*PARAMS, OpenApiParameter("vehicle", int, required=False)],
        responses=s.HealthRecordSerializer(many=True),
    )
    def get(self, request):
        data = _query(request)
        records = selectors.records_for_user(
            request.user, start=data.get("start"), end=data.get("end"), state=data.get("state", "")
        )
        if "vehicle" in data:
            records = records.filter(vehicle_id=data["vehicle"])
        return Response(s.HealthRecordSerializer(records[:LIST_LIMIT], many=True).data)


class RecordDetailView(APIView):
    permission_classes = [require(Perm.REPAIR_ORDER_VIEW)]

    @extend_schema(responses=s.HealthRecordSerializer)
    def get(self, request, pk: int):
        record = get_object_or_404(HealthRecord.objects.for_user(request.user, Perm.REPAIR_ORDER_VIEW), pk=pk)
        return Response(s.HealthRecordSerializer(record).data)


class ExportView(APIView):
    permission_classes = [require(Perm.DATA_EXPORT)]

    @extend_schema(
        parameters=[
            *PARAMS,
            OpenApiParameter("file", str, required=False, enum=["csv", "xlsx"], description="csv (default) or xlsx."),
        ],
        responses={(200, "text/csv"): OpenApiTypes.BINARY, (200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        data = _query(request)
        records = selectors.records_for_user(
            request.user, start=data.get("start"), end=data.get("end"), state=data.get("state", "")
        ).filter(store_id__in=request.user.store_ids(Perm.DATA_EXPORT))
        fmt = "xlsx" if data.get("file") == "xlsx" else "csv"
        audit_record(
            actor=request.user, action=AuditEntry.Action.EXPORT, object_repr="health_records",
            changes={"query": [None, request.query_params.urlencode()]},
        )  # fmt: skip
        return export_response(fmt, f"health-records.{fmt}", selectors.export_headers(), selectors.export_rows(records))
