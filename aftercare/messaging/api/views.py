"""/api/v1/messages/: the message log (filters as the page's), sending through the
door and cancelling; the providers' receipts and replies (no login, signed)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.core.api.permissions import require
from aftercare.core.permissions import Perm
from aftercare.customers.models import Customer, Vehicle

from .. import services
from ..filters import MessageFilterSet
from ..models import Message
from ..providers import ProviderError, SignatureInvalid
from . import serializers as s

LIST_LIMIT = 200


class MessagesView(APIView):
    def get_permissions(self):
        return [require(Perm.CUSTOMER_EDIT if self.request.method == "POST" else Perm.CUSTOMER_VIEW)()]

    @extend_schema(filters=True, responses=s.MessageSerializer(many=True))
    def get(self, request):
        rows = Message.objects.for_user(request.user, Perm.CUSTOMER_VIEW)
        customer = request.query_params.get("customer", "")
        if customer:
            rows = rows.filter(customer_id=int(customer)) if customer.isdigit() else rows.none()
        filterset = MessageFilterSet(request.query_params, queryset=rows, user=request.user)
        if not filterset.is_valid():
            return Response(filterset.errors, status=status.HTTP_400_BAD_REQUEST)
        page = filterset.qs.order_by("-created_at", "-id")[:LIST_LIMIT]
        return Response(s.MessageSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(request=s.SendInSerializer, responses={201: s.MessageSerializer})
    def post(self, request):
        incoming = s.SendInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        customer = get_object_or_404(Customer.objects.for_user(request.user, Perm.CUSTOMER_EDIT), pk=data["customer"])
        vehicle = None
        if data.get("vehicle"):
            vehicle = get_object_or_404(Vehicle.objects.filter(store=customer.store), pk=data["vehicle"])
        message = services.message_send(
            store=customer.store, customer=customer, vehicle=vehicle, purpose=data["purpose"],
            template_code=data["template_code"], channel=data.get("channel") or None,
            context=data.get("context") or {}, dedupe_key=data["dedupe_key"], actor=request.user,
        )  # fmt: skip
        return Response(s.MessageSerializer(message, context={"request": request}).data, status=201)


class MessageDetailView(APIView):
    permission_classes = [require(Perm.CUSTOMER_VIEW)]

    @extend_schema(responses=s.MessageSerializer)
    def get(self, request, pk: int):
        message = get_object_or_404(Message.objects.for_user(request.user, Perm.CUSTOMER_VIEW), pk=pk)
        return Response(s.MessageSerializer(message, context={"request": request}).data)


class MessageCancelView(APIView):
    permission_classes = [require(Perm.CUSTOMER_EDIT)]

    @extend_schema(request=None, responses=s.MessageSerializer)
    def post(self, request, pk: int):
        message = get_object_or_404(Message.objects.for_user(request.user, Perm.CUSTOMER_EDIT), pk=pk)
        message = services.message_cancel(actor=request.user, message=message)
        return Response(s.MessageSerializer(message, context={"request": request}).data)


# Adapters see the body and the headers only; the query string (a push's token, WeChat's
# signature, timestamp and nonce) travels as this header (messaging.providers.callbacks).
QUERY_HEADER = "X-Aftercare-Query"


def _webhook(record, request: HttpRequest, provider: str) -> HttpResponse:
    headers = {**request.headers, QUERY_HEADER: request.META.get("QUERY_STRING", "")}
    try:
        count = record(provider=provider, body=request.body, headers=headers)
    except SignatureInvalid:
        return JsonResponse({"detail": "signature invalid"}, status=403)
    except (ProviderError, DjangoValidationError, ValueError):
        return JsonResponse({"detail": "unreadable"}, status=400)
    return JsonResponse({"accepted": count})


@csrf_exempt
@require_POST
def receipts(request: HttpRequest, provider: str) -> HttpResponse:
    """Delivery receipts pushed by a provider (no login: the adapter verifies the signature)."""
    return _webhook(services.receipts_record, request, provider)


@csrf_exempt
@require_POST
def inbound(request: HttpRequest, provider: str) -> HttpResponse:
    """Replies pushed by a provider: "TD" / "退订" and WeChat unsubscribes withdraw consent at once."""
    return _webhook(services.inbound_record, request, provider)
