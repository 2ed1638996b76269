from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.core.api.permissions import require
from aftercare.core.permissions import Perm
from aftercare.service.models import RepairOrder

from .. import services
from ..models import Payment
from .serializers import DeliverInSerializer, PaymentInSerializer, PaymentOutSerializer

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=True,
    description=(
        "Required on every call that posts money (400 without it): any unique string per payment, "
        "at most 100 characters. A retry with the same key returns the first answer (200); the same key "
        "for a different payment is a conflict (409)."
    ),
)


def idempotency_key(request) -> str:
    """The request's Idempotency-Key, which every money-posting call must carry
    (docs/DOMAIN.md §4.6): without one, ten identical requests would post ten times."""
    return (request.headers.get("Idempotency-Key") or "").strip()


def require_valid(incoming: serializers.Serializer, request) -> dict:
    """The validated body of a money-posting call, or 400 with the body's field
    errors and the missing Idempotency-Key together."""
    errors = {} if incoming.is_valid() else dict(incoming.errors)
    if not idempotency_key(request):
        errors["Idempotency-Key"] = [
            _("Send an Idempotency-Key header: a unique string per payment, so that a retry never posts twice.")
        ]
    if errors:
        raise ValidationError(errors)
    return incoming.validated_data


class RepairOrderPaymentsView(APIView):
    """Money records of one repair order; POST takes a payment against its balance."""

    def get_permissions(self):
        perm = Perm.PAYMENT_POST if self.request.method == "POST" else Perm.REPAIR_ORDER_VIEW
        return [require(perm)()]

    def _order(self, request, pk: int, perm: str) -> RepairOrder:
        return get_object_or_404(RepairOrder.objects.for_user(request.user, perm), pk=pk)

    @extend_schema(responses=PaymentOutSerializer(many=True))
    def get(self, request, pk: int):
        order = self._order(request, pk, Perm.REPAIR_ORDER_VIEW)
        payments = Payment.objects.filter(repair_order=order).select_related("posted_by").order_by("posted_at", "id")
        return Response(PaymentOutSerializer(payments, many=True).data)

    @extend_schema(
        request=PaymentInSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: PaymentOutSerializer, 200: PaymentOutSerializer},
        description="Post a payment against the order's balance. The Idempotency-Key header is required.",
    )
    def post(self, request, pk: int):
        order = self._order(request, pk, Perm.PAYMENT_POST)
        data = require_valid(PaymentInSerializer(data=request.data), request)
        payment, created = services.payment_post(
            actor=request.user, order=order, idempotency_key=idempotency_key(request), **data
        )
        return Response(
            PaymentOutSerializer(payment).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class RepairOrderDeliverView(APIView):
    """Hand the car back: the customer's signature (PNG data URL) on the delivery sheet."""

    permission_classes = [require(Perm.REPAIR_ORDER_EDIT)]

    @extend_schema(
        request=DeliverInSerializer,
        description=(
            "Hand the car back. `next_service_date` and `next_service_km` (optional) are the next maintenance "
            "the advisor explained: recorded as sent, or refused (400) when the date is in the past or more than "
            "60 months ahead, or the km not above the car's current reading; without them the vehicle's "
            "maintenance cycle gives them."
        ),
        responses={200: inline_serializer("DeliverOut", {
            "repair_order": serializers.IntegerField(),
            "next_service_date": serializers.DateField(allow_null=True),
            "next_service_km": serializers.IntegerField(allow_null=True),
        })},
    )  # fmt: skip
    def post(self, request, pk: int):
        order = get_object_or_404(RepairOrder.objects.for_user(request.user, Perm.REPAIR_ORDER_EDIT), pk=pk)
        incoming = DeliverInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        delivery = services.repair_order_deliver(actor=request.user, order=order, **incoming.validated_data)
        return Response(
            {"repair_order": order.pk, "next_service_date": delivery.next_service_date,
             "next_service_km": delivery.next_service_km}
        )  # fmt: skip
