"""/api/v1/ev/: a vehicle's battery readings, trouble codes, software versions and forecast,
the care specialist's forecast list, and the telematics imports (docs/DOMAIN.md §17)."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.core.api.permissions import require
from aftercare.core.imports import VALID_ROWS
from aftercare.core.models import Store
from aftercare.core.permissions import Perm
from aftercare.core.spreadsheets import MAX_BYTES, SpreadsheetError
from aftercare.customers.models import Vehicle

from .. import imports, selectors, services
from ..choices import SERVICE_THRESHOLD, ReadingSource
from ..forecast import forecast
from ..models import BatteryReading, SoftwareVersion, TroubleCode
from . import serializers as s

LIST_LIMIT = 1000


def _vehicle(request, pk, perm=Perm.CUSTOMER_VIEW):
    return get_object_or_404(Vehicle.objects.for_user(request.user, perm), pk=pk)


class ReadingsView(APIView):
    def get_permissions(self):
        return [require(Perm.CUSTOMER_EDIT if self.request.method == "POST" else Perm.CUSTOMER_VIEW)()]

    @extend_schema(responses=s.ReadingSerializer(many=True))
    def get(self, request, pk: int):
        vehicle = _vehicle(request, pk)
        rows = BatteryReading.objects.filter(vehicle=vehicle).order_by("-read_at")[:LIST_LIMIT]
        return Response(s.ReadingSerializer(rows, many=True).data)

    @extend_schema(request=s.ReadingInSerializer, responses={201: s.ReadingSerializer, 200: s.ReadingSerializer})
    def post(self, request, pk: int):
        vehicle = _vehicle(request, pk, Perm.CUSTOMER_EDIT)
        incoming = s.ReadingInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        outcome = services.reading_save(actor=request.user, vehicle=vehicle, read_at=data.pop("read_at"),
                                        source=ReadingSource.API, **data)  # fmt: skip
        reading = BatteryReading.objects.get(vehicle=vehicle, read_at=incoming.validated_data["read_at"])
        code = status.HTTP_201_CREATED if outcome == services.CREATED else status.HTTP_200_OK
        return Response(s.ReadingSerializer(reading).data, status=code)


class CodesView(APIView):
    permission_classes = [require(Perm.CUSTOMER_VIEW)]

    @extend_schema(responses=s.CodeSerializer(many=True))
    def get(self, request, pk: int):
        rows = TroubleCode.objects.filter(vehicle=_vehicle(request, pk)).order_by("-last_seen")[:LIST_LIMIT]
        return Response(s.CodeSerializer(rows, many=True).data)


class VersionsView(APIView):
    permission_classes = [require(Perm.CUSTOMER_VIEW)]

    @extend_schema(responses=s.VersionSerializer(many=True))
    def get(self, request, pk: int):
        rows = SoftwareVersion.objects.filter(vehicle=_vehicle(request, pk)).order_by("controller", "-installed_at")
        return Response(s.VersionSerializer(rows[:LIST_LIMIT], many=True).data)


class ForecastView(APIView):
    permission_classes = [require(Perm.CUSTOMER_VIEW)]

    @extend_schema(responses=s.LiveBatteryForecastSerializer)
    def get(self, request, pk: int):
        vehicle = _vehicle(request, pk)
        points = [(timezone.localdate(at), soh) for at, soh in
                  BatteryReading.objects.filter(vehicle=vehicle).values_list("read_at", "soh")]  # fmt: skip
        thresholds = (SERVICE_THRESHOLD, selectors.warranty_threshold())
        result = forecast(points, thresholds)
        crossings = [{"threshold": t, **vars(result.crossing(t))} for t in thresholds if result.crossing(t)]
        return Response(s.LiveBatteryForecastSerializer({
            "status": result.status, "readings": result.readings, "last_soh": result.last_soh,
            "slope_per_year": result.slope_per_year, "crossings": crossings,
        }).data)  # fmt: skip


class ForecastsDueView(APIView):
    permission_classes = [require(Perm.CUSTOMER_VIEW)]

    @extend_schema(responses=s.BatteryForecastSerializer(many=True))
    def get(self, request):
        return Response(s.BatteryForecastSerializer(selectors.forecasts_due(request.user)[:LIST_LIMIT], many=True).data)


class ImportView(APIView):
    permission_classes = [require(Perm.CUSTOMER_EDIT)]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": s.EvImportInSerializer}, responses=s.EvImportOutSerializer,
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(imports.IMPORT_KINDS))],
    )  # fmt: skip
    def post(self, request, kind):
        if kind not in imports.IMPORT_KINDS:
            raise ValidationError({"kind": [_("Unknown kind of file.")]})
        incoming = s.EvImportInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        stores = Store.objects.filter(pk__in=request.user.store_ids(Perm.CUSTOMER_EDIT))
        if incoming.validated_data.get("store"):
            store = get_object_or_404(stores, pk=incoming.validated_data["store"])
        else:
            only = list(stores[:2])
            if len(only) != 1:
                raise ValidationError({"store": [_("Name the store.")]})
            store = only[0]
        upload = incoming.validated_data["file"]
        try:
            result = imports.import_bytes(actor=request.user, store=store, kind=kind, data=upload.read(MAX_BYTES + 1),
                                          filename=upload.name, mode=VALID_ROWS)  # fmt: skip
        except SpreadsheetError as error:
            raise ValidationError({"file": [error.message]}) from None
        errors = [{"row": e.row, "field": e.field, "message": e.message} for e in result.errors]
        return Response({"total": result.total, "created": result.created, "updated": result.updated,
                         "unchanged": result.unchanged, "errors": errors})  # fmt: skip
