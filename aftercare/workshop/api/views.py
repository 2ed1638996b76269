"""The workshop API: jobs (mine or the store's), dispatch, clock on/off, the
board, the final inspection and the wash. Input serializer -> service -> output
serializer; a move the workflow refuses now is 409, bad input 400, a missing
permission 403, another store's object 404."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.core.api.permissions import require
from aftercare.core.models import Store
from aftercare.core.permissions import Perm
from aftercare.service.models import RepairOrder, RepairOrderLine

from .. import selectors, services
from ..models import Job
from .serializers import (
    BoardRowSerializer,
    ClockOffInSerializer,
    ClockOffOutSerializer,
    DispatchInSerializer,
    JobOutSerializer,
    QualityCheckInSerializer,
    QualityCheckOutSerializer,
)


def _line_for(request, line_pk: int, perm: str) -> RepairOrderLine:
    return get_object_or_404(
        RepairOrderLine.objects.select_related("repair_order").filter(
            repair_order__store_id__in=request.user.store_ids(perm)
        ),
        pk=line_pk,
    )


def _order_for(request, pk: int, perm: str) -> RepairOrder:
    return get_object_or_404(RepairOrder.objects.for_user(request.user, perm), pk=pk)


class JobListView(ListAPIView):
    """Jobs: `?scope=mine` (default for technicians) or `?scope=store`, open ones unless `?all=1`."""

    serializer_class = JobOutSerializer
    permission_classes = [require(Perm.REPAIR_ORDER_VIEW)]
    filter_backends = []

    @extend_schema(
        parameters=[
            OpenApiParameter("scope", str, enum=["mine", "store"]),
            OpenApiParameter("store", int),
            OpenApiParameter("all", bool),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        jobs = Job.objects.for_user(self.request.user, Perm.REPAIR_ORDER_VIEW).select_related(
            "line", "repair_order", "repair_order__vehicle", "technician", "bay"
        )
        if params.get("scope", "mine") == "mine":
            jobs = jobs.filter(technician=self.request.user)
        if params.get("store", "").isdigit():
            jobs = jobs.filter(store_id=int(params["store"]))
        if params.get("all") not in ("1", "true"):
            jobs = jobs.open()
        return jobs


class DispatchView(APIView):
    permission_classes = [require(Perm.DISPATCH)]

    @extend_schema(request=DispatchInSerializer, responses=JobOutSerializer)
    def post(self, request, line_pk: int):
        line = _line_for(request, line_pk, Perm.DISPATCH)
        incoming = DispatchInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        job = services.job_dispatch(actor=request.user, line=line, **incoming.validated_data)
        return Response(JobOutSerializer(job).data)


class ClockOnView(APIView):
    permission_classes = [require(Perm.JOB_CLOCK)]

    @extend_schema(request=None, responses=JobOutSerializer)
    def post(self, request, line_pk: int):
        line = _line_for(request, line_pk, Perm.JOB_CLOCK)
        job = services.job_clock_on(actor=request.user, line=line)
        return Response(JobOutSerializer(job).data)


class ClockOffView(APIView):
    permission_classes = [require(Perm.REPAIR_ORDER_VIEW)]

    @extend_schema(request=ClockOffInSerializer, responses=ClockOffOutSerializer)
    def post(self, request, line_pk: int):
        line = _line_for(request, line_pk, Perm.REPAIR_ORDER_VIEW)
        incoming = ClockOffInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        outcome = services.job_clock_off(actor=request.user, line=line, finished=incoming.validated_data["finished"])
        return Response(ClockOffOutSerializer(outcome).data)


class BoardView(APIView):
    """The management board of `?store=` (default: the user's current store)."""

    permission_classes = [require(Perm.REPAIR_ORDER_VIEW)]

    @extend_schema(parameters=[OpenApiParameter("store", int)], responses=BoardRowSerializer(many=True))
    def get(self, request):
        stores = Store.objects.for_user(request.user, Perm.REPAIR_ORDER_VIEW)
        store_id = request.query_params.get("store", "")
        if store_id.isdigit():
            store = get_object_or_404(stores, pk=int(store_id))
        else:
            store = getattr(request, "store", None) or stores.first()
        rows = selectors.board(user=request.user, store=store)
        return Response(BoardRowSerializer(rows, many=True).data)


class QualityCheckView(APIView):
    permission_classes = [require(Perm.QUALITY_CHECK)]

    @extend_schema(request=QualityCheckInSerializer, responses={201: QualityCheckOutSerializer})
    def post(self, request, pk: int):
        order = _order_for(request, pk, Perm.QUALITY_CHECK)
        incoming = QualityCheckInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        line_ids = data.pop("rework_lines")
        lines = list(order.lines.filter(pk__in=line_ids))
        if len(lines) != len(set(line_ids)):
            return Response({"rework_lines": ["Choose jobs of this repair order."]}, status=status.HTTP_400_BAD_REQUEST)
        check = services.quality_check_record(actor=request.user, order=order, rework_lines=lines, **data)
        check.repair_order.refresh_from_db(fields=["status"])
        return Response(QualityCheckOutSerializer(check).data, status=status.HTTP_201_CREATED)


class WashView(APIView):
    permission_classes = [require(Perm.REPAIR_ORDER_VIEW)]

    @extend_schema(request=None, responses={201: None})
    def post(self, request, pk: int):
        order = _order_for(request, pk, Perm.REPAIR_ORDER_VIEW)
        wash = services.repair_order_wash(actor=request.user, order=order)
        return Response({"repair_order": order.pk, "washed_at": wash.washed_at}, status=status.HTTP_201_CREATED)
