from decimal import Decimal

from rest_framework import serializers

from aftercare.core.api.serializers import ModelSerializer, StrictInputMixin

from ..choices import PayFlow, PaymentMethod
from ..models import Payment, ProviderTransaction


class PaymentInSerializer(StrictInputMixin, serializers.Serializer):
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    flow = serializers.ChoiceField(
        choices=PayFlow.choices, required=False, allow_blank=True, default="",
        help_text="WeChat Pay / Alipay only: charge through the provider. `micropay`: the customer's payment "
        "code in `auth_code`; `qr`: the answer carries `code_url` to show as a QR code. Without it the "
        "payment is recorded as taken elsewhere (with its reference).",
    )  # fmt: skip
    auth_code = serializers.RegexField(r"^\d{10,32}$", required=False, allow_blank=True, default="", max_length=32)

    def validate(self, data):
        if data.get("flow") and data["method"] not in (PaymentMethod.WECHAT, PaymentMethod.ALIPAY):
            raise serializers.ValidationError({"flow": "Only WeChat Pay and Alipay charge through a provider."})
        if data.get("flow") == PayFlow.MICROPAY and not data.get("auth_code"):
            raise serializers.ValidationError({"auth_code": "Scan the customer's payment code."})
        return data


class ProviderTransactionOutSerializer(ModelSerializer):
    """A charge or refund at WeChat Pay / Alipay and what the provider said."""

    payment = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)

    class Meta:
        model = ProviderTransaction
        fields = [
            "id", "repair_order", "provider", "kind", "flow", "out_trade_no", "provider_trade_no", "amount",
            "status", "code_url", "message", "needs_refund", "payment", "expires_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class ProviderRefundInSerializer(StrictInputMixin, serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    reason = serializers.CharField(max_length=200)


class DeliverInSerializer(StrictInputMixin, serializers.Serializer):
    """The signed delivery sheet, and the next maintenance the advisor explained (optional)."""

    signature = serializers.CharField(trim_whitespace=False)
    next_service_date = serializers.DateField(required=False, allow_null=True, default=None)
    next_service_km = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=3_000_000
    )


class PaymentOutSerializer(ModelSerializer):
    """A posted money record. Only fields fixed at posting time, so a replayed
    request gets exactly the body of the first answer."""

    posted_by = serializers.CharField(source="posted_by.get_username", read_only=True, allow_null=True)

    class Meta:
        model = Payment
        fields = [
            "id", "number", "repair_order", "kind", "method", "amount", "reference", "reason",
            "reverses", "balance_after", "posted_at", "posted_by",
        ]  # fmt: skip
        read_only_fields = fields
