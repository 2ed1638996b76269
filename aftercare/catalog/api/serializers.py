"""Catalogue serializers. Writes go serializer (input checks) → service (permission,
model rules, audit); the same serializer renders the result."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aftercare.core.api.serializers import StrictInputMixin
from aftercare.core.models import DealerGroup, Store

from .. import models
from ..choices import BayCapability, Powertrain
from ..services import READ_PERMS, manageable_groups, manageable_store_ids

COMMON_FIELDS = ["id", "store", "group", "is_group_default", "is_active", "created_at", "updated_at"]


class ChoiceListField(serializers.ListField):
    """A JSON list of choice values (an unknown value is a 400 on the field)."""

    def __init__(self, *, choices, **kwargs):
        super().__init__(child=serializers.ChoiceField(choices=choices), required=False, **kwargs)


def choice_list(choices) -> ChoiceListField:
    """Its schema lists the values in the description rather than as an enum: the
    powertrain enum already belongs to the vehicle, and a second name for the same
    choices is a schema warning (drf-spectacular W001) that fails `check --deploy`."""
    values = ", ".join(value for value, _label in choices)
    schema = {"type": "array", "items": {"type": "string"}, "description": f"Any of: {values}. Empty means all."}
    # A subclass per use, so that the annotation does not stick to ListField itself.
    field_class = extend_schema_field(schema)(type("ChoiceListField", (ChoiceListField,), {}))
    return field_class(choices=choices)


class CatalogItemSerializer(StrictInputMixin, serializers.ModelSerializer):
    """`store` empty means a group default of `group`. Both are set on create only;
    relations accept only entries the user can see."""

    store = serializers.PrimaryKeyRelatedField(queryset=Store.objects.none(), allow_null=True, required=False)
    group = serializers.PrimaryKeyRelatedField(queryset=DealerGroup.objects.none(), required=False)
    is_group_default = serializers.BooleanField(read_only=True)

    class Meta:
        read_only_fields = ["created_at", "updated_at"]
        # Uniqueness is checked by the model at the entry's level (store or group);
        # DRF's generated validators would demand store and group on every update.
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            for name in ("store", "group"):
                if name in fields:
                    fields[name].read_only = True
        if user is not None and user.is_authenticated:
            if "store" in fields and not fields["store"].read_only:
                fields["store"].queryset = Store.objects.filter(pk__in=manageable_store_ids(user))
            if "group" in fields and not fields["group"].read_only:
                fields["group"].queryset = DealerGroup.objects.filter(pk__in=manageable_groups(user))
            for field in fields.values():
                if isinstance(field, serializers.PrimaryKeyRelatedField) and field.queryset is not None:
                    model = field.queryset.model
                    if issubclass(model, models.CatalogItem):
                        field.queryset = model.objects.for_user(user, READ_PERMS)
        return fields


def _fields(*names):
    return [*COMMON_FIELDS, *names]


class RepairTypeSerializer(CatalogItemSerializer):
    class Meta(CatalogItemSerializer.Meta):
        model = models.RepairType
        fields = _fields("code", "name", "bills_to", "is_system")
        read_only_fields = [*CatalogItemSerializer.Meta.read_only_fields, "is_system"]


class LabourRateSerializer(CatalogItemSerializer):
    repair_type_code = serializers.CharField(source="repair_type.code", read_only=True)

    class Meta(CatalogItemSerializer.Meta):
        model = models.LabourRate
        fields = _fields("repair_type", "repair_type_code", "hourly_rate")


class OperationCategorySerializer(CatalogItemSerializer):
    class Meta(CatalogItemSerializer.Meta):
        model = models.OperationCategory
        fields = _fields("code", "name")


class LabourOperationSerializer(CatalogItemSerializer):
    powertrains = choice_list(Powertrain.choices)

    class Meta(CatalogItemSerializer.Meta):
        model = models.LabourOperation
        fields = _fields("code", "name", "category", "frt_hours", "powertrains", "high_voltage", "site_kind")


class PartSerializer(CatalogItemSerializer):
    class Meta(CatalogItemSerializer.Meta):
        model = models.Part
        fields = _fields("part_no", "name", "brand", "is_oem", "unit_price")


class PackageJobLineSerializer(StrictInputMixin, serializers.ModelSerializer):
    class Meta:
        model = models.PackageJobLine
        fields = ["operation", "part", "quantity"]

    def get_fields(self):
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        if user is not None and user.is_authenticated:
            fields["operation"].queryset = models.LabourOperation.objects.for_user(user, READ_PERMS)
            fields["part"].queryset = models.Part.objects.for_user(user, READ_PERMS)
        return fields

    def validate(self, attrs):
        if bool(attrs.get("operation")) == bool(attrs.get("part")):
            raise serializers.ValidationError("A line is either an operation or a part.")
        return attrs


class PackageJobSerializer(CatalogItemSerializer):
    lines = PackageJobLineSerializer(many=True, required=False)

    class Meta(CatalogItemSerializer.Meta):
        model = models.PackageJob
        fields = _fields("code", "name", "repair_type", "description", "lines")


class PricedLineSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text='"labour" or "part"')
    code = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=8, decimal_places=2)
    hours = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class PackagePriceSerializer(serializers.Serializer):
    store = serializers.IntegerField()
    lines = PricedLineSerializer(many=True)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)


class OtherChargeSerializer(CatalogItemSerializer):
    class Meta(CatalogItemSerializer.Meta):
        model = models.OtherCharge
        fields = _fields("code", "name", "default_amount")


class BaySerializer(StrictInputMixin, serializers.ModelSerializer):
    store = serializers.PrimaryKeyRelatedField(queryset=Store.objects.none())
    capabilities = choice_list(BayCapability.choices)

    class Meta:
        model = models.Bay
        fields = ["id", "store", "code", "name", "capabilities", "is_active", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        if self.instance is not None:
            fields["store"].read_only = True
        elif user is not None and user.is_authenticated:
            fields["store"].queryset = Store.objects.filter(pk__in=manageable_store_ids(user))
        return fields


class InspectionItemSerializer(CatalogItemSerializer):
    powertrains = choice_list(Powertrain.choices)

    class Meta(CatalogItemSerializer.Meta):
        model = models.InspectionItem
        fields = _fields("code", "name", "area", "sort_order", "powertrains")


class SurveyQuestionSerializer(CatalogItemSerializer):
    class Meta(CatalogItemSerializer.Meta):
        model = models.SurveyQuestion
        fields = _fields("code", "text", "dimension", "answer_type", "sort_order", "for_ev")


class DiscountLevelSerializer(CatalogItemSerializer):
    class Meta(CatalogItemSerializer.Meta):
        model = models.DiscountLevel
        fields = _fields("code", "name", "labour_discount_pct", "parts_discount_pct")
