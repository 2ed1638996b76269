from rest_framework import serializers

from aftercare.core.api.serializers import MaskedPhoneField, StrictInputMixin

from ..choices import EventKind, FaqCategory, RecoverySource, RescueStatus
from ..models import FaqEntry, MajorEvent, RecoveryCase, RecoveryStep, RescueRequest, RescueStatusChange


class RescueStatusChangeOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = RescueStatusChange
        fields = ["from_status", "to_status", "changed_at", "changed_by", "note"]
        read_only_fields = fields


class RescueOutSerializer(serializers.ModelSerializer):
    contact_phone = MaskedPhoneField()
    status_changes = RescueStatusChangeOutSerializer(many=True, read_only=True)
    allowed_transitions = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = RescueRequest
        fields = [
            "id", "store", "number", "status", "channel", "customer", "vehicle", "plate", "contact_name",
            "contact_phone", "address", "latitude", "longitude", "symptom", "received_at", "rescue_vehicle",
            "technician", "eta_at", "dispatched_at", "arrived_at", "closed_at", "result", "quality_defect", "fee",
            "free_for_vic", "followup_task_id", "claim_line_id", "allowed_transitions", "status_changes",
        ]  # fmt: skip
        read_only_fields = fields


class RescueInSerializer(StrictInputMixin, serializers.Serializer):
    """A request taken on the rescue phone line."""

    store = serializers.IntegerField()
    customer = serializers.IntegerField(required=False, allow_null=True)
    contact_name = serializers.CharField(max_length=50)
    contact_phone = serializers.CharField(max_length=20)
    plate = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    symptom = serializers.CharField(max_length=1000)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)


class RescueCreatedSerializer(serializers.Serializer):
    rescue = RescueOutSerializer()
    status_link = serializers.CharField()


class RescueDispatchInSerializer(StrictInputMixin, serializers.Serializer):
    technician = serializers.IntegerField()
    rescue_vehicle = serializers.CharField(max_length=40)
    eta_minutes = serializers.IntegerField(min_value=1, max_value=1440)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RescueMoveInSerializer(StrictInputMixin, serializers.Serializer):
    to = serializers.ChoiceField(
        choices=[(s, RescueStatus(s).label) for s in ("on_the_way", "arrived", "towing", "cancelled")]
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RescueFinishInSerializer(StrictInputMixin, serializers.Serializer):
    result = serializers.CharField(max_length=2000)
    quality_defect = serializers.BooleanField(default=False)
    fee = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True)


class FaqOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = FaqEntry
        fields = ["id", "store", "category", "model", "question", "answer", "valid_from", "valid_until", "public",
                  "use_count", "attachment"]  # fmt: skip
        read_only_fields = fields


class FaqInSerializer(StrictInputMixin, serializers.Serializer):
    store = serializers.IntegerField()
    category = serializers.ChoiceField(choices=FaqCategory.choices)
    model = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    question = serializers.CharField(max_length=200)
    answer = serializers.CharField(max_length=4000)
    valid_from = serializers.DateField(required=False, allow_null=True, default=None)
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)
    public = serializers.BooleanField(default=False)


class EventOutSerializer(serializers.ModelSerializer):
    notified = serializers.SerializerMethodField()

    class Meta:
        model = MajorEvent
        fields = ["id", "store", "customer", "kind", "description", "occurred_on", "flagged_until", "recorded_by",
                  "care_task_id", "created_at", "notified"]  # fmt: skip
        read_only_fields = fields

    def get_notified(self, event) -> list[dict]:
        return [{"user": n.user_id, "role": n.role, "acknowledged_at": n.acknowledged_at} for n in event.notices.all()]


class EventInSerializer(StrictInputMixin, serializers.Serializer):
    customer = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=EventKind.choices)
    description = serializers.CharField(max_length=2000)
    occurred_on = serializers.DateField(required=False, allow_null=True, default=None)
    flag_days = serializers.IntegerField(min_value=1, max_value=365, default=90)


class RecoveryStepOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecoveryStep
        fields = ["from_status", "to_status", "changed_by", "changed_at", "note"]
        read_only_fields = fields


class RecoveryOutSerializer(serializers.ModelSerializer):
    steps = RecoveryStepOutSerializer(many=True, read_only=True)
    opened_by = serializers.ChoiceField(source="source", choices=RecoverySource.choices, read_only=True)
    contact_phone = MaskedPhoneField()

    class Meta:
        model = RecoveryCase
        fields = [
            "id", "store", "customer", "status", "reason", "opened_by", "owner", "contact_name", "contact_phone",
            "repair_order", "free_repair", "free_approved_by", "free_approved_at", "closed_at", "steps",
        ]  # fmt: skip
        read_only_fields = fields


class RecoveryStepInSerializer(StrictInputMixin, serializers.Serializer):
    note = serializers.CharField(max_length=300)
    contact_name = serializers.CharField(max_length=50, required=False)
    contact_phone = serializers.CharField(max_length=20, required=False)
