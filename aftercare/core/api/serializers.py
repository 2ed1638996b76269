from decimal import Decimal, InvalidOperation

from django.db import models
from rest_framework import serializers

from ..models import AuditEntry


class StoredDecimalField(serializers.DecimalField):
    """A decimal as the database holds it, rendered even when it has more digits
    than its column allows (a row an earlier release let through, docs/DOMAIN.md
    §4.1): one such row must not take a whole list down. Input is still checked
    against max_digits before it gets here."""

    def quantize(self, value):
        try:
            return super().quantize(value)
        except InvalidOperation:
            return value.quantize(Decimal(1).scaleb(-self.decimal_places))


# DRF's ModelSerializer with StoredDecimalField for the models' decimals: the
# base of the serializers that render stored money. (A comment, not a docstring:
# the schema would take it as the description of every serializer built on it.)
class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DecimalField: StoredDecimalField,
    }


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
