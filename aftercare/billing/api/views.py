from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.core.api.permissions import require
from aftercare.core.permissions import Perm
from aftercare.service.models import RepairOrder
from aftercare.service.services import TransitionRefused

from .. import services
from ..models import Payment
from .serializers import PaymentInSerializer, PaymentOutSerializer

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=False,
    description="Any unique string per payment; a retry with the same key returns the first answer (200).",
)


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
    )
    def post(self, request, pk: int):
        order = self._order(request, pk, Perm.PAYMENT_POST)
        incoming = PaymentInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            payment, created = services.payment_post(
                actor=request.user,
                order=order,
                idempotency_key=request.headers.get("Idempotency-Key"),
                **incoming.validated_data,
            )
        except (services.IdempotencyConflict, TransitionRefused) as exc:
            return Response({"detail": exc.messages}, status=status.HTTP_409_CONFLICT)
        return Response(
            PaymentOutSerializer(payment).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class RepairOrderDeliverView(APIView):
    """Hand the car back: the customer's signature (PNG data URL) on the delivery sheet."""

    permission_classes = [require(Perm.REPAIR_ORDER_EDIT)]

    @extend_schema(
        request=inline_serializer("DeliverIn", {"signature": serializers.CharField()}),
        responses={200: inline_serializer("DeliverOut", {
            "repair_order": serializers.IntegerField(),
            "next_service_date": serializers.DateField(allow_null=True),
            "next_service_km": serializers.IntegerField(allow_null=True),
        })},
    )  # fmt: skip
    def post(self, request, pk: int):
        order = get_object_or_404(RepairOrder.objects.for_user(request.user, Perm.REPAIR_ORDER_EDIT), pk=pk)
        try:
            delivery = services.repair_order_deliver(
                actor=request.user, order=order, signature=request.data.get("signature", "")
            )
        except TransitionRefused as exc:
            return Response({"detail": exc.messages}, status=status.HTTP_409_CONFLICT)
        return Response(
            {"repair_order": order.pk, "next_service_date": delivery.next_service_date,
             "next_service_km": delivery.next_service_km}
        )  # fmt: skip
