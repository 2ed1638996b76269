from rest_framework import serializers

from aftercare.core.api.serializers import StrictInputMixin

from ..choices import PaymentMethod
from ..models import Payment


class PaymentInSerializer(StrictInputMixin, serializers.Serializer):
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class PaymentOutSerializer(serializers.ModelSerializer):
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
