from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.db import models
from rest_framework import serializers

from ..masking import hidden_fields, shown_phone
from ..models import AuditEntry, DeletedDocument

# Keys a browser form of the browsable API adds to every post.
FORM_KEYS = frozenset({"csrfmiddlewaretoken"})


class StrictInputMixin:
    """For every serializer that reads a request body: a key it does not write, unknown
    or read-only, is a 400 on that key, never silently dropped (a client that sends
    `abc_class` must learn it was not applied). Put it first in the bases:

        class ThingInSerializer(StrictInputMixin, serializers.Serializer): ...
    """

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            fields = self.fields
            refused = {
                key: [
                    "This field is read-only: it cannot be set here."
                    if key in fields
                    else "Unknown field: it cannot be set here."
                ]
                for key in data
                if key not in FORM_KEYS and (key not in fields or fields[key].read_only)
            }
            if refused:
                raise serializers.ValidationError(refused)
        return super().to_internal_value(data)


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


class DeletedDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeletedDocument
        fields = [
            "id",
            "deleted_at",
            "deleted_by",
            "deleted_by_name",
            "store",
            "kind",
            "object_id",
            "number",
            "reason",
            "snapshot",
        ]


class DocumentDeleteSerializer(StrictInputMixin, serializers.Serializer):
    """Delete a business document opened by mistake (docs/DOMAIN.md §24.4)."""

    kind = serializers.CharField(max_length=30, help_text="repair_order, appointment or complaint")
    id = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=300)


class FieldAccessMixin:
    """For output serializers of models with personal fields: a field the reader's role may not
    see is null (docs/DOMAIN.md §24.2, the table in accounts.roles, applied by core.masking)."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None:
            return data
        hidden = hidden_fields(user, getattr(instance, "store_id", None), instance._meta.label_lower)
        for name in hidden & data.keys():
            data[name] = None
        return data
