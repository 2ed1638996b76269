from rest_framework import serializers

from aftercare.core.api.serializers import ModelSerializer, StrictInputMixin
from aftercare.core.bounds import ID_BOUNDS

from ..choices import UploadState
from ..models import HealthRecord


class HealthRecordItemSerializer(serializers.Serializer):
    name = serializers.CharField()
    code = serializers.CharField()
    hours = serializers.CharField()


class HealthRecordPartSerializer(serializers.Serializer):
    name = serializers.CharField()
    code = serializers.CharField()
    quantity = serializers.CharField()


class HealthRecordSerializer(ModelSerializer):
    repair_items = HealthRecordItemSerializer(many=True, read_only=True)
    parts = HealthRecordPartSerializer(many=True, read_only=True)

    class Meta:
        model = HealthRecord
        fields = [
            "id", "store", "repair_order", "vehicle",
            "company_name", "vin", "plate", "repair_date", "repair_mileage", "settle_date", "settle_number",
            "fault_description", "repair_items", "labour_hours", "parts",
            "status", "reject_reason", "attempts", "sent_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class RecordQuerySerializer(StrictInputMixin, serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    state = serializers.ChoiceField(choices=UploadState.choices, required=False)
    vehicle = serializers.IntegerField(required=False, **ID_BOUNDS)
    file = serializers.ChoiceField(choices=[("csv", "csv"), ("xlsx", "xlsx")], required=False)
