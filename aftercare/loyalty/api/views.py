"""/api/v1/loyalty/: member cards with their accounts and postings, card issue,
top-up and points redemption (Idempotency-Key required), coupons."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.billing.api.views import IDEMPOTENCY_HEADER, idempotency_key, require_valid
from aftercare.core.api.permissions import require
from aftercare.core.models import Store
from aftercare.core.permissions import Perm
from aftercare.customers.models import Customer

from .. import services
from ..models import Account, Coupon, CouponTemplate, MemberCard, Posting
from . import serializers as s

LIST_LIMIT = 200
CUSTOMER_PARAM = OpenApiParameter("customer", int, required=False, description="Only this customer's.")


def _customer_filter(request, queryset):
    customer = request.query_params.get("customer", "")
    if customer:
        if not customer.isdigit():
            return queryset.none()
        queryset = queryset.filter(customer_id=int(customer))
    return queryset


class CardsView(APIView):
    def get_permissions(self):
        return [require(Perm.PAYMENT_POST if self.request.method == "POST" else Perm.CUSTOMER_VIEW)()]

    @extend_schema(parameters=[CUSTOMER_PARAM], responses=s.CardSerializer(many=True))
    def get(self, request):
        cards = _customer_filter(request, MemberCard.objects.for_user(request.user, Perm.CUSTOMER_VIEW))
        cards = cards.prefetch_related("accounts").order_by("id")[:LIST_LIMIT]
        return Response(s.CardSerializer(cards, many=True).data)

    @extend_schema(request=s.CardIssueInSerializer, responses={201: s.CardSerializer})
    def post(self, request):
        incoming = s.CardIssueInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        customer = get_object_or_404(
            Customer.objects.for_user(request.user, Perm.PAYMENT_POST), pk=incoming.validated_data["customer"]
        )
        card = services.member_card_issue(
            actor=request.user, customer=customer, number=incoming.validated_data["number"]
        )
        return Response(s.CardSerializer(card).data, status=status.HTTP_201_CREATED)


class CardDetailView(APIView):
    permission_classes = [require(Perm.CUSTOMER_VIEW)]

    @extend_schema(responses=s.CardSerializer)
    def get(self, request, pk: int):
        card = get_object_or_404(MemberCard.objects.for_user(request.user, Perm.CUSTOMER_VIEW), pk=pk)
        return Response(s.CardSerializer(card).data)


class AccountPostingsView(APIView):
    permission_classes = [require(Perm.CUSTOMER_VIEW)]

    @extend_schema(responses=s.PostingSerializer(many=True))
    def get(self, request, pk: int):
        account = get_object_or_404(
            Account.objects.for_user(request.user, Perm.CUSTOMER_VIEW).exclude(kind="store"), pk=pk
        )
        postings = Posting.objects.filter(account=account).select_related("voucher").order_by("-id")[:LIST_LIMIT]
        return Response(s.PostingSerializer(postings, many=True).data)


def _taking_store(request, store_id: int | None) -> Store:
    """The store the value is taken in: the one named, else the user's only store that may post."""
    stores = Store.objects.filter(pk__in=request.user.store_ids(Perm.PAYMENT_POST))
    if store_id is not None:
        return get_object_or_404(stores, pk=store_id)
    only = list(stores[:2])
    if len(only) != 1:
        raise ValidationError({"store": [_("Name the store taking the money.")]})
    return only[0]


def _keyed(request, pk, serializer_class, call):
    card = get_object_or_404(MemberCard.objects.for_user(request.user, Perm.CUSTOMER_VIEW), pk=pk)
    data = dict(require_valid(serializer_class(data=request.data), request))
    store = _taking_store(request, data.pop("store", None))
    voucher, created = call(card, store, data, idempotency_key(request))
    return Response(
        s.VoucherOutSerializer(voucher).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
    )


class TopUpView(APIView):
    permission_classes = [require(Perm.PAYMENT_POST)]

    @extend_schema(request=s.TopUpInSerializer, parameters=[IDEMPOTENCY_HEADER],
                   responses={201: s.VoucherOutSerializer, 200: s.VoucherOutSerializer})  # fmt: skip
    def post(self, request, pk: int):
        return _keyed(
            request, pk, s.TopUpInSerializer,
            lambda card, store, data, key: services.stored_value_top_up(
                actor=request.user, card=card, store=store, idempotency_key=key, **data
            ),
        )  # fmt: skip


class RedeemView(APIView):
    permission_classes = [require(Perm.PAYMENT_POST)]

    @extend_schema(request=s.RedeemInSerializer, parameters=[IDEMPOTENCY_HEADER],
                   responses={201: s.VoucherOutSerializer, 200: s.VoucherOutSerializer})  # fmt: skip
    def post(self, request, pk: int):
        return _keyed(
            request, pk, s.RedeemInSerializer,
            lambda card, store, data, key: services.points_redeem(
                actor=request.user, card=card, store=store, idempotency_key=key, **data
            ),
        )  # fmt: skip


class CouponsView(APIView):
    def get_permissions(self):
        return [require(Perm.PAYMENT_POST if self.request.method == "POST" else Perm.CUSTOMER_VIEW)()]

    @extend_schema(parameters=[CUSTOMER_PARAM], responses=s.CouponSerializer(many=True))
    def get(self, request):
        coupons = _customer_filter(request, Coupon.objects.for_user(request.user, Perm.CUSTOMER_VIEW))
        coupons = coupons.select_related("template", "account").order_by("-id")[:LIST_LIMIT]
        return Response(s.CouponSerializer(coupons, many=True).data)

    @extend_schema(request=s.CouponIssueInSerializer, responses={201: s.CouponSerializer})
    def post(self, request):
        incoming = s.CouponIssueInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        customer = get_object_or_404(Customer.objects.for_user(request.user, Perm.PAYMENT_POST), pk=data["customer"])
        template = get_object_or_404(
            CouponTemplate.objects.for_user(request.user, Perm.PAYMENT_POST), pk=data["template"]
        )
        coupon = services.coupon_issue(
            actor=request.user, template=template, customer=customer, via=data["via"], source=data["source"]
        )
        return Response(s.CouponSerializer(coupon).data, status=status.HTTP_201_CREATED)
