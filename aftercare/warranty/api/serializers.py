from rest_framework import serializers

from aftercare.core.api.serializers import ModelSerializer, StrictInputMixin

from ..choices import ClaimStatus, Coverage
from ..models import Claim, ClaimLine, ClaimStatusChange, WarrantyPolicy


class PolicySerializer(StrictInputMixin, ModelSerializer):
    class Meta:
        model = WarrantyPolicy
        fields = [
            "id",
            "store",
            "brand",
            "model",
            "coverage",
            "months",
            "km",
            "valid_from",
            "valid_to",
            "excluded_parts",
        ]
        read_only_fields = ["id", "store"]


class VerdictSerializer(serializers.Serializer):
    coverage = serializers.ChoiceField(choices=Coverage.choices)
    label = serializers.CharField()
    state = serializers.ChoiceField(choices=["eligible", "expired", "used", "unknown"])
    until = serializers.DateField(allow_null=True)
    km_limit = serializers.IntegerField(allow_null=True)
    days_left = serializers.IntegerField(allow_null=True)
    km_left = serializers.IntegerField(allow_null=True)
    extended = serializers.BooleanField()
    text = serializers.CharField()


class ClaimLineSerializer(ModelSerializer):
    class Meta:
        model = ClaimLine
        fields = ["id", "kind", "code", "description", "hours", "quantity", "unit_price", "amount", "technician",
                  "return_tag", "order_line"]  # fmt: skip
        read_only_fields = fields


class ClaimChangeSerializer(ModelSerializer):
    class Meta:
        model = ClaimStatusChange
        fields = ["from_status", "to_status", "changed_at", "changed_by", "note"]
        read_only_fields = fields


class ClaimSerializer(ModelSerializer):
    lines = ClaimLineSerializer(many=True, read_only=True)
    history = ClaimChangeSerializer(many=True, read_only=True, source="status_changes")

    class Meta:
        model = Claim
        fields = ["id", "store", "number", "repair_order", "vehicle", "coverage", "status", "causal_part_code",
                  "causal_part_name", "symptom_code", "cause_code", "description", "odometer_km", "repaired_on",
                  "deadline", "claimed_amount", "approved_amount", "paid_amount", "rejection_reason", "submissions",
                  "submitted_at", "paid_on", "lines", "history"]  # fmt: skip
        read_only_fields = fields


class ClaimBuildInSerializer(StrictInputMixin, serializers.Serializer):
    repair_order = serializers.IntegerField(min_value=1)


class ClaimTransitionInSerializer(StrictInputMixin, serializers.Serializer):
    to = serializers.ChoiceField(choices=ClaimStatus.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True)


class ImportInSerializer(StrictInputMixin, serializers.Serializer):
    file = serializers.FileField(max_length=200)
    store = serializers.IntegerField(min_value=1, required=False)


class ImportOutSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.DictField())
