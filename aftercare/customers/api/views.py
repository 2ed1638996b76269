from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.core.api.permissions import only_store_id, require
from aftercare.core.audit import personal_data_viewed
from aftercare.core.models import Store
from aftercare.core.permissions import Perm

from .. import services
from ..filters import CustomerFilterSet
from ..models import Customer, Vehicle
from ..search import search
from .serializers import (
    CustomerInSerializer,
    CustomerOutSerializer,
    SearchResultSerializer,
    VehicleInSerializer,
    VehicleOutSerializer,
)


def _store_for_write(request) -> Store:
    """The store a new record goes to: `store` in the body, or the user's only store."""
    store_id = request.data.get("store")
    if not store_id:
        store_id = only_store_id(request.user.store_ids(Perm.CUSTOMER_EDIT))
    return get_object_or_404(Store.objects.for_user(request.user, Perm.CUSTOMER_EDIT), pk=store_id)


class CustomerViewSet(viewsets.GenericViewSet):
    """Customers of the user's stores. Mobiles are masked unless the role may see full contacts."""

    filterset_class = CustomerFilterSet

    def get_permissions(self):
        perm = Perm.CUSTOMER_VIEW if self.action in ("list", "retrieve") else Perm.CUSTOMER_EDIT
        return [require(perm)()]

    def get_queryset(self):
        return Customer.objects.for_user(self.request.user, Perm.CUSTOMER_VIEW).active().order_by("-id")

    def get_serializer_class(self):
        return CustomerOutSerializer

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(CustomerOutSerializer(page, many=True, context={"request": request}).data)

    def retrieve(self, request, pk=None):
        customer = get_object_or_404(self.get_queryset(), pk=pk)
        # The access log of personal data (docs/DOMAIN.md §16.7).
        personal_data_viewed.send(
            sender=Customer, user=request.user, store_id=customer.store_id, customer_ids=[customer.pk],
            kind="api_detail",
        )  # fmt: skip
        return Response(CustomerOutSerializer(customer, context={"request": request}).data)

    @extend_schema(request=CustomerInSerializer, responses={201: CustomerOutSerializer})
    def create(self, request):
        incoming = CustomerInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        data.pop("store", None)  # read by _store_for_write
        data.pop("class_change_reason", None)  # a new customer has no class to change
        allow_shared = data.pop("allow_shared_mobile")
        customer = services.customer_create(
            actor=request.user, store=_store_for_write(request), data=data, allow_shared_mobile=allow_shared
        )
        return Response(
            CustomerOutSerializer(customer, context={"request": request}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=CustomerInSerializer, responses=CustomerOutSerializer)
    def partial_update(self, request, pk=None):
        customer = get_object_or_404(self.get_queryset(), pk=pk)
        incoming = CustomerInSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        if "store" in data:
            raise ValidationError({"store": ["A customer's store cannot be changed."]})
        allow_shared = data.pop("allow_shared_mobile", False)
        customer = services.customer_update(
            actor=request.user, customer=customer, data=data, allow_shared_mobile=allow_shared
        )
        return Response(CustomerOutSerializer(customer, context={"request": request}).data)


class VehicleViewSet(viewsets.GenericViewSet):
    def get_permissions(self):
        perm = Perm.CUSTOMER_VIEW if self.action in ("list", "retrieve") else Perm.CUSTOMER_EDIT
        return [require(perm)()]

    def get_queryset(self):
        return Vehicle.objects.for_user(self.request.user, Perm.CUSTOMER_VIEW).order_by("-id")

    def get_serializer_class(self):
        return VehicleOutSerializer

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(VehicleOutSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(VehicleOutSerializer(get_object_or_404(self.get_queryset(), pk=pk)).data)

    @extend_schema(request=VehicleInSerializer, responses={201: VehicleOutSerializer})
    def create(self, request):
        incoming = VehicleInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        owner = (
            Customer.objects.for_user(request.user, Perm.CUSTOMER_EDIT).active().filter(pk=data.pop("owner")).first()
        )
        if owner is None:
            return Response({"owner": ["Unknown customer."]}, status=status.HTTP_400_BAD_REQUEST)
        odometer_km = data.pop("odometer_km", None)
        vehicle = services.vehicle_create(
            actor=request.user, store=owner.store, owner=owner, data=data, odometer_km=odometer_km
        )
        return Response(VehicleOutSerializer(vehicle).data, status=status.HTTP_201_CREATED)


MORE_HEADER = "X-More-Results"


class SearchView(APIView):
    """The search box as an API: the same results as the top bar."""

    permission_classes = [require(Perm.CUSTOMER_VIEW)]

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Plate fragment, mobile's last 4+, VIN's last 6+, name, pinyin"),
            OpenApiParameter(
                MORE_HEADER,
                str,
                location=OpenApiParameter.HEADER,
                response=True,
                enum=["true", "false"],
                description='true when more records match than are returned: the client offers "more…" '
                "(the user types more of the plate, number or name).",
            ),
        ],
        responses=SearchResultSerializer(many=True),
    )
    def get(self, request):
        results = search(request.user, request.query_params.get("q", ""))
        data = SearchResultSerializer([r.as_dict() for r in results], many=True).data
        return Response(data, headers={MORE_HEADER: "true" if results.more else "false"})
