"""/api/v1/warranty/: policies, a vehicle's eligibility, claims with their lines and
transitions, and the carmaker's files (docs/DOMAIN.md §14)."""

from dataclasses import asdict

from django.shortcuts import get_object_or_404
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
from aftercare.service.models import RepairOrder

from .. import imports, selectors, services
from ..models import Claim, WarrantyPolicy
from . import serializers as s

LIST_LIMIT = 200


def _store(request, perm, store_id=None):
    stores = Store.objects.filter(pk__in=request.user.store_ids(perm))
    if store_id is not None:
        return get_object_or_404(stores, pk=store_id)
    only = list(stores[:2])
    if len(only) != 1:
        raise ValidationError({"store": [_("Name the store.")]})
    return only[0]


class PoliciesView(APIView):
    def get_permissions(self):
        return [require(Perm.WARRANTY_MANAGE if self.request.method == "POST" else Perm.WARRANTY_VIEW)()]

    @extend_schema(responses=s.PolicySerializer(many=True))
    def get(self, request):
        policies = WarrantyPolicy.objects.for_user(request.user, Perm.WARRANTY_VIEW).order_by("id")[:LIST_LIMIT]
        return Response(s.PolicySerializer(policies, many=True).data)

    @extend_schema(request=s.PolicySerializer, responses={201: s.PolicySerializer})
    def post(self, request):
        incoming = s.PolicySerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        store = _store(request, Perm.WARRANTY_MANAGE, request.query_params.get("store") or None)
        policy, _changed = services.policy_save(actor=request.user, store=store, **incoming.validated_data)
        return Response(s.PolicySerializer(policy).data, status=status.HTTP_201_CREATED)


class EligibilityView(APIView):
    permission_classes = [require(Perm.CUSTOMER_VIEW)]

    @extend_schema(
        parameters=[OpenApiParameter("vehicle", int, required=True, description="The vehicle's id.")],
        responses=s.VerdictSerializer(many=True),
    )
    def get(self, request):
        vehicle_id = request.query_params.get("vehicle", "")
        if not vehicle_id.isdigit():
            raise ValidationError({"vehicle": [_("Name the vehicle by its id.")]})
        vehicle = get_object_or_404(Vehicle.objects.for_user(request.user, Perm.CUSTOMER_VIEW), pk=int(vehicle_id))
        verdicts = [asdict(v) for v in selectors.eligibility(vehicle)]
        return Response(s.VerdictSerializer(verdicts, many=True).data)


class ClaimsView(APIView):
    def get_permissions(self):
        return [require(Perm.WARRANTY_MANAGE if self.request.method == "POST" else Perm.WARRANTY_VIEW)()]

    @extend_schema(
        parameters=[OpenApiParameter("status", str, required=False, description="Only claims in this status.")],
        responses=s.ClaimSerializer(many=True),
    )
    def get(self, request):
        claims = Claim.objects.for_user(request.user, Perm.WARRANTY_VIEW).prefetch_related("lines", "status_changes")
        if wanted := request.query_params.get("status"):
            claims = claims.filter(status=wanted)
        return Response(s.ClaimSerializer(claims.order_by("-id")[:LIST_LIMIT], many=True).data)

    @extend_schema(request=s.ClaimBuildInSerializer, responses={201: s.ClaimSerializer})
    def post(self, request):
        incoming = s.ClaimBuildInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        order = get_object_or_404(
            RepairOrder.objects.for_user(request.user, Perm.WARRANTY_MANAGE), pk=incoming.validated_data["repair_order"]
        )
        claim = services.claim_build(actor=request.user, order=order)
        return Response(s.ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)


class ClaimDetailView(APIView):
    permission_classes = [require(Perm.WARRANTY_VIEW)]

    @extend_schema(responses=s.ClaimSerializer)
    def get(self, request, pk):
        claim = get_object_or_404(Claim.objects.for_user(request.user, Perm.WARRANTY_VIEW), pk=pk)
        return Response(s.ClaimSerializer(claim).data)


class ClaimTransitionView(APIView):
    permission_classes = [require(Perm.WARRANTY_MANAGE)]

    @extend_schema(request=s.ClaimTransitionInSerializer, responses=s.ClaimSerializer)
    def post(self, request, pk):
        claim = get_object_or_404(Claim.objects.for_user(request.user, Perm.WARRANTY_MANAGE), pk=pk)
        incoming = s.ClaimTransitionInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        claim = services.claim_transition(
            actor=request.user, claim=claim, to=data["to"], note=data["note"], amount=data.get("amount")
        )
        return Response(s.ClaimSerializer(claim).data)


class ImportView(APIView):
    permission_classes = [require(Perm.WARRANTY_MANAGE)]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": s.ImportInSerializer}, responses=s.ImportOutSerializer,
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(imports.IMPORT_KINDS))],
    )  # fmt: skip
    def post(self, request, kind):
        if kind not in imports.IMPORT_KINDS:
            raise ValidationError({"kind": [_("Unknown kind of file.")]})
        incoming = s.ImportInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        store = _store(request, Perm.WARRANTY_MANAGE, incoming.validated_data.get("store"))
        upload = incoming.validated_data["file"]
        data = upload.read(MAX_BYTES + 1)
        try:
            result = imports.import_bytes(
                actor=request.user, store=store, kind=kind, data=data, filename=upload.name, mode=VALID_ROWS
            )
        except SpreadsheetError as error:
            raise ValidationError({"file": [error.message]}) from None
        errors = [{"row": e.row, "field": e.field, "message": e.message} for e in result.errors]
        return Response({"total": result.total, "created": result.created, "updated": result.updated,
                         "unchanged": result.unchanged, "errors": errors})  # fmt: skip
