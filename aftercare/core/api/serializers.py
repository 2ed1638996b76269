from rest_framework import serializers

from ..masking import shown_phone
from ..models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "created_at",
            "actor_name",
            "store",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "reason",
        ]


class MaskedPhoneField(serializers.CharField):
    """A phone of the instance's customer, in full only for who may reveal contacts in its
    store (core.masking.shown_phone); masked when the serializer has no request."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        request = self.context.get("request")
        return shown_phone(getattr(request, "user", None), instance, value)
