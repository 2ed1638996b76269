from decimal import Decimal

from rest_framework import serializers

from aftercare.core.api.serializers import ModelSerializer, StrictInputMixin

from ..choices import PaymentMethod
from ..models import Payment


class PaymentInSerializer(StrictInputMixin, serializers.Serializer):
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


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

    posted_by = serializers.CharField(source="posted_by.get_username", read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id", "number", "repair_order", "kind", "method", "amount", "reference", "reason",
            "reverses", "balance_after", "posted_at", "posted_by",
        ]  # fmt: skip
        read_only_fields = fields
