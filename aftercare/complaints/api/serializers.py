from rest_framework import serializers

from aftercare.core.api.serializers import FieldAccessMixin, StrictInputMixin

from ..choices import Channel, ComplaintType, Priority, Status
from ..models import Complaint, ComplaintStatusChange


class ComplaintSubmittedSerializer(serializers.ModelSerializer):
    """What the person who recorded a complaint sees: that it exists and how far it is."""

    class Meta:
        model = Complaint
        fields = ["id", "store", "number", "status", "received_at"]
        read_only_fields = fields


class ComplaintStatusChangeOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplaintStatusChange
        fields = ["from_status", "to_status", "changed_at", "changed_by", "note"]
        read_only_fields = fields


class ClockOutSerializer(serializers.Serializer):
    clock = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    state = serializers.CharField()
    taken_seconds = serializers.SerializerMethodField()

    def get_taken_seconds(self, clock) -> int | None:
        return int(clock.taken.total_seconds()) if clock.taken is not None else None


class ComplaintListSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "id", "store", "number", "status", "received_at", "customer", "customer_name", "vehicle",
            "repair_order", "channel", "complaint_type", "priority", "is_crisis", "owner", "contact_due_at",
            "answer_due_at", "inform_due_at", "contact_breached", "answer_breached", "inform_breached",
            "escalated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ComplaintOutSerializer(FieldAccessMixin, ComplaintListSerializer):
    clocks = serializers.SerializerMethodField()
    status_changes = ComplaintStatusChangeOutSerializer(many=True, read_only=True)
    allowed_transitions = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(ComplaintListSerializer.Meta):
        fields = [
            *ComplaintListSerializer.Meta.fields,
            "description", "customer_words", "staff_concerned", "submitted_by", "resolution_plan", "plan_due_at",
            "result", "satisfaction", "closing_note", "contacted_at", "planned_at", "resolved_at", "informed_at",
            "closed_at", "escalated_to", "clocks", "allowed_transitions", "status_changes",
        ]  # fmt: skip
        read_only_fields = fields

    def get_clocks(self, complaint) -> list[dict]:
        return ClockOutSerializer(complaint.clocks(), many=True).data


class ComplaintInSerializer(StrictInputMixin, serializers.Serializer):
    """Record a complaint for a customer on file (the complaint goes to the customer's store)."""

    customer = serializers.IntegerField()
    vehicle = serializers.IntegerField(required=False, allow_null=True)
    repair_order = serializers.IntegerField(required=False, allow_null=True)
    staff_concerned = serializers.IntegerField(required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=Channel.choices)
    complaint_type = serializers.ChoiceField(choices=ComplaintType.choices)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    is_crisis = serializers.BooleanField(default=False)
    description = serializers.CharField(max_length=4000)
    customer_words = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    received_at = serializers.DateTimeField(required=False, allow_null=True)


class ComplaintUpdateSerializer(StrictInputMixin, serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    complaint_type = serializers.ChoiceField(choices=ComplaintType.choices, required=False)
    description = serializers.CharField(max_length=4000, required=False)
    customer_words = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    owner = serializers.IntegerField(required=False, allow_null=True)
    staff_concerned = serializers.IntegerField(required=False, allow_null=True)
    resolution_plan = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    plan_due_at = serializers.DateTimeField(required=False, allow_null=True)


class ComplaintTransitionInSerializer(StrictInputMixin, serializers.Serializer):
    to = serializers.ChoiceField(choices=Status.choices)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ResolveInSerializer(StrictInputMixin, serializers.Serializer):
    result = serializers.CharField(max_length=4000)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CloseInSerializer(StrictInputMixin, serializers.Serializer):
    satisfaction = serializers.IntegerField(min_value=1, max_value=5)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ComplaintErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
