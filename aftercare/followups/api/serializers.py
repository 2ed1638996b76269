from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aftercare.core.api.serializers import StrictInputMixin

from ..choices import ContactChannel, ProblemCategory
from ..models import FollowUpTask


@extend_schema_field(OpenApiTypes.STR)
class ContactChannelField(serializers.ChoiceField):
    """How the customer was contacted: phone, wechat, sms or in_store. A plain string
    in the schema, since the customers app's ContactChannel owns the enum's name."""

    def __init__(self, **kwargs):
        super().__init__(choices=ContactChannel.choices, **kwargs)


class FollowUpTaskSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    is_overdue = serializers.SerializerMethodField()
    contact_channel = ContactChannelField(read_only=True)

    class Meta:
        model = FollowUpTask
        fields = [
            "id", "store", "kind", "status", "customer", "customer_name", "vehicle", "repair_order", "owner",
            "owner_role", "available_at", "due_at", "is_overdue", "note", "attempts", "escalated_at", "escalated_to",
            "contact_channel", "contact_value", "contacted_at", "feedback", "problem_category", "responsible",
            "handling_result", "satisfaction", "record_status", "completed_at", "completed_by",
        ]  # fmt: skip
        read_only_fields = fields

    def get_is_overdue(self, obj) -> bool:
        return obj.is_overdue()


class OutcomeInSerializer(StrictInputMixin, serializers.Serializer):
    contact_channel = ContactChannelField()
    contact_value = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contacted_at = serializers.DateTimeField(required=False)
    feedback = serializers.CharField(required=False, allow_blank=True)
    problem_category = serializers.ChoiceField(choices=ProblemCategory.choices, required=False, allow_blank=True)
    responsible = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all(), required=False)
    handling_result = serializers.CharField(max_length=300, required=False, allow_blank=True)
    satisfaction = serializers.IntegerField(min_value=1, max_value=5, required=False)


class AttemptInSerializer(StrictInputMixin, serializers.Serializer):
    channel = ContactChannelField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReassignInSerializer(StrictInputMixin, serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all(), required=False, allow_null=True)
    owner_role = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
