from decimal import Decimal

from rest_framework import serializers

from aftercare.core.api.serializers import ModelSerializer, StrictInputMixin

from ..choices import IssuedVia
from ..forms import MONEY_IN
from ..models import Account, Coupon, MemberCard, Posting


class AccountSerializer(ModelSerializer):
    class Meta:
        model = Account
        fields = ["id", "kind", "unit", "label", "service_code", "expires_on", "balance", "store"]
        read_only_fields = fields


class CardSerializer(ModelSerializer):
    accounts = serializers.SerializerMethodField()

    class Meta:
        model = MemberCard
        fields = ["id", "number", "tier", "customer", "store", "issued_at", "accounts"]
        read_only_fields = fields

    def get_accounts(self, card) -> list[dict]:
        return AccountSerializer(card.accounts.all(), many=True).data


class PostingSerializer(ModelSerializer):
    voucher = serializers.CharField(source="voucher.number", read_only=True)
    kind = serializers.CharField(source="voucher.kind", read_only=True)
    store = serializers.IntegerField(source="voucher.store_id", read_only=True)
    document_type = serializers.CharField(source="voucher.document_type", read_only=True)
    document_id = serializers.CharField(source="voucher.document_id", read_only=True)
    document_ref = serializers.CharField(source="voucher.document_ref", read_only=True)
    posted_at = serializers.DateTimeField(source="voucher.posted_at", read_only=True)

    class Meta:
        model = Posting
        fields = [
            "id", "voucher", "kind", "store", "account", "amount", "balance_after", "document_type", "document_id",
            "document_ref", "posted_at",
        ]  # fmt: skip
        read_only_fields = fields


class CardIssueInSerializer(StrictInputMixin, serializers.Serializer):
    customer = serializers.IntegerField(min_value=1)
    number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class TopUpInSerializer(StrictInputMixin, serializers.Serializer):
    store = serializers.IntegerField(
        min_value=1, required=False, help_text="The store taking the money; needed when the user works in several."
    )
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    method = serializers.ChoiceField(choices=MONEY_IN)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class RedeemInSerializer(StrictInputMixin, serializers.Serializer):
    store = serializers.IntegerField(
        min_value=1, required=False, help_text="The store; needed when the user works in several."
    )
    points = serializers.IntegerField(min_value=1, max_value=10_000_000)
    note = serializers.CharField(max_length=200)


class VoucherOutSerializer(serializers.Serializer):
    number = serializers.CharField()
    kind = serializers.CharField()
    store = serializers.IntegerField(source="store_id")
    posted_at = serializers.DateTimeField()


class CouponSerializer(ModelSerializer):
    template_name = serializers.CharField(source="template.name", read_only=True)
    used = serializers.SerializerMethodField()

    class Meta:
        model = Coupon
        fields = [
            "id",
            "code",
            "template",
            "template_name",
            "customer",
            "issued_via",
            "valid_from",
            "valid_until",
            "used",
        ]
        read_only_fields = fields

    def get_used(self, coupon) -> bool:
        return coupon.account.balance < 1


class CouponIssueInSerializer(StrictInputMixin, serializers.Serializer):
    customer = serializers.IntegerField(min_value=1)
    template = serializers.IntegerField(min_value=1)
    via = serializers.ChoiceField(choices=IssuedVia.choices, default=IssuedVia.STAFF)
    source = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
