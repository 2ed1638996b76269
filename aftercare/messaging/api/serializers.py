from rest_framework import serializers

from aftercare.core.api.serializers import ModelSerializer, StrictInputMixin

from ..choices import Channel, Purpose
from ..models import Message


class MessageSerializer(ModelSerializer):
    to = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id", "store", "customer", "vehicle", "purpose", "channel", "template_code", "subject", "text", "to",
            "state", "reason", "dedupe_key", "attempts", "next_attempt_at", "provider", "provider_message_id",
            "created_at", "sent_at", "delivered_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_to(self, message) -> str:
        from ..views import shown_to

        request = self.context.get("request")
        return shown_to(request.user if request else None, message)


class SendInSerializer(StrictInputMixin, serializers.Serializer):
    customer = serializers.IntegerField(min_value=1)
    vehicle = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    template_code = serializers.CharField(max_length=40)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_null=True)
    context = serializers.DictField(child=serializers.CharField(max_length=500, allow_blank=True), required=False)
    dedupe_key = serializers.CharField(max_length=120)
