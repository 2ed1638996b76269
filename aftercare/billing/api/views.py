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

from .. import online, services
from ..models import Payment, ProviderTransaction
from ..online_views import notify_url
from .serializers import (
    DeliverInSerializer,
    PaymentInSerializer,
    PaymentOutSerializer,
    ProviderRefundInSerializer,
    ProviderTransactionOutSerializer,
)

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
        responses={201: PaymentOutSerializer, 200: PaymentOutSerializer, 202: ProviderTransactionOutSerializer},
        description=(
            "Post a payment against the order's balance. The Idempotency-Key header is required. "
            "With `method` wechat/alipay and a `flow`, the money is charged through the store's provider "
            "account instead: the answer is 202 with the charge (status paid, paying, failed or closed; "
            "`code_url` for a QR code); follow it at GET /api/v1/provider-transactions/{id}/. "
            "A retry with the same key answers 202 with the same charge."
        ),
    )
    def post(self, request, pk: int):
        order = self._order(request, pk, Perm.PAYMENT_POST)
        data = require_valid(PaymentInSerializer(data=request.data), request)
        flow, auth_code = data.pop("flow", ""), data.pop("auth_code", "")
        if flow:
            account = online.active_account(order.store, data["method"])
            txn, _created = online.provider_charge_start(
                actor=request.user, order=order, provider=data["method"], flow=flow, amount=data["amount"],
                auth_code=auth_code, idempotency_key=idempotency_key(request),
                notify_url=notify_url(request, account) if account else "",
            )  # fmt: skip
            return Response(ProviderTransactionOutSerializer(txn).data, status=status.HTTP_202_ACCEPTED)
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


class ProviderTransactionView(APIView):
    """A WeChat Pay / Alipay charge or refund. GET asks the provider about a
    charge still open (the customer is paying) before answering."""

    permission_classes = [require(Perm.PAYMENT_POST)]

    @extend_schema(responses=ProviderTransactionOutSerializer)
    def get(self, request, pk: int):
        txn = get_object_or_404(ProviderTransaction.objects.for_user(request.user, Perm.PAYMENT_POST), pk=pk)
        txn = online.provider_charge_sync(txn_id=txn.pk)
        return Response(ProviderTransactionOutSerializer(txn).data)


class ProviderTransactionRefundView(APIView):
    """Refund (part of) a paid charge through the provider it came by."""

    permission_classes = [require(Perm.PAYMENT_REVERSE)]

    @extend_schema(
        request=ProviderRefundInSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: ProviderTransactionOutSerializer, 200: ProviderTransactionOutSerializer},
        description="The provider refunds, then a refund record is posted on the order. Idempotency-Key required.",
    )
    def post(self, request, pk: int):
        txn = get_object_or_404(ProviderTransaction.objects.for_user(request.user, Perm.PAYMENT_REVERSE), pk=pk)
        data = require_valid(ProviderRefundInSerializer(data=request.data), request)
        refund, created = online.provider_refund(
            actor=request.user, txn=txn, idempotency_key=idempotency_key(request), **data
        )
        return Response(
            ProviderTransactionOutSerializer(refund).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
