from rest_framework import serializers

from aftercare.core.api.serializers import StrictInputMixin

from ..choices import Channel
from ..models import Appointment, AppointmentOperation


class AppointmentOperationSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="operation.code")
    name = serializers.CharField(source="operation.name")

    class Meta:
        model = AppointmentOperation
        fields = ["operation", "code", "name", "hours", "amount"]


class AppointmentOutSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name")
    plate = serializers.CharField(source="vehicle.plate")
    operations = AppointmentOperationSerializer(many=True)

    class Meta:
        model = Appointment
        fields = [
            "id", "number", "store", "status", "channel", "customer", "customer_name", "vehicle", "plate",
            "complaint", "repair_type", "operations", "estimated_hours", "duration_minutes", "estimated_price",
            "start_at", "end_at", "bay", "technician", "bring_reminder", "repair_order", "created_at",
            "site_kind", "site_address", "travel_minutes", "van",
        ]  # fmt: skip


class AppointmentInSerializer(StrictInputMixin, serializers.Serializer):
    """What a booking or a change sends; ids are resolved in the appointment's store."""

    vehicle = serializers.IntegerField(min_value=1)
    start_at = serializers.DateTimeField()
    operations = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)
    channel = serializers.ChoiceField(choices=Channel.choices)
    complaint = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    repair_type = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    bay = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    technician = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    bring_reminder = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    # Site work (docs/DOMAIN.md §17.9): read when an operation is done on site.
    site_address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    travel_minutes = serializers.IntegerField(min_value=0, max_value=480, required=False, allow_null=True)
    van = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class AppointmentChangeSerializer(AppointmentInSerializer):
    vehicle = None


class ConvertInSerializer(StrictInputMixin, serializers.Serializer):
    # Today's reading opens the order (docs/DOMAIN.md §3.1 step 3); a lower one needs the reason.
    odometer_km = serializers.IntegerField(min_value=0, max_value=3_000_000)
    odometer_correction_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class CancelSerializer(StrictInputMixin, serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class SlotQuerySerializer(serializers.Serializer):
    date = serializers.DateField()
    operations = serializers.CharField(required=False, allow_blank=True, default="")
    store = serializers.IntegerField(min_value=1, required=False)

    def validate_operations(self, value: str) -> list[int]:
        try:
            return [int(part) for part in value.split(",") if part.strip()]
        except ValueError:
            raise serializers.ValidationError("Give operation ids separated by commas.") from None


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    bays = serializers.SerializerMethodField()
    technicians = serializers.SerializerMethodField()

    def get_bays(self, slot) -> list[dict]:
        return [{"id": bay.pk, "code": bay.code, "name": bay.name} for bay in slot.bays]

    def get_technicians(self, slot) -> list[dict]:
        return [{"id": tech.pk, "name": str(tech)} for tech in slot.technicians]
