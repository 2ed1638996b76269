from rest_framework import serializers

from aftercare.catalog.models import RepairType
from aftercare.core.api.serializers import MaskedPhoneField, ModelSerializer, StrictInputMixin
from aftercare.core.bounds import SIGNATURE_MAX_LENGTH
from aftercare.core.money import MAX_QUANTITY, MIN_QUANTITY

from ..choices import ApprovalMethod, Payer, Status, WaitingMode
from ..models import RepairOrder, RepairOrderLine, StatusChange

# A list of lines posted at once: enough for a visit's work, bounded per request.
MAX_LINES_PER_REQUEST = 100


class RepairOrderLineOutSerializer(ModelSerializer):
    class Meta:
        model = RepairOrderLine
        fields = [
            "id", "kind", "status", "is_additional", "code", "description", "part_brand", "is_oem", "quantity",
            "hours", "unit_price", "discount_rate", "discount_amount", "amount", "payer", "technician", "bay",
            "operation", "part", "other_charge", "package", "decided_at", "decided_via",
        ]  # fmt: skip
        read_only_fields = fields


class StatusChangeOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatusChange
        fields = ["from_status", "to_status", "changed_at", "changed_by", "note"]
        read_only_fields = fields


class RepairOrderListSerializer(ModelSerializer):
    plate = serializers.CharField(source="vehicle.plate", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = RepairOrder
        fields = [
            "id", "store", "number", "status", "vehicle", "plate", "customer", "customer_name", "advisor",
            "repair_type", "opened_at", "promised_at", "total", "customer_total",
        ]  # fmt: skip
        read_only_fields = fields


class RepairOrderOutSerializer(RepairOrderListSerializer):
    lines = RepairOrderLineOutSerializer(many=True, read_only=True)
    status_changes = StatusChangeOutSerializer(many=True, read_only=True)
    allowed_transitions = serializers.ListField(child=serializers.CharField(), read_only=True)
    contact_phone = MaskedPhoneField(help_text="Masked unless the user may see full contacts in the store.")

    class Meta(RepairOrderListSerializer.Meta):
        fields = [
            *RepairOrderListSerializer.Meta.fields,
            "contact_phone", "odometer_km", "fuel_level", "customer_statement", "findings", "waiting_mode",
            "return_old_parts", "discount_level", "authorised_at", "authorisation_method", "authorisation_note",
            "labour_total", "parts_total", "other_total", "discount_total", "closed_at", "allowed_transitions",
            "lines", "status_changes",
        ]  # fmt: skip
        read_only_fields = fields


class LineInSerializer(StrictInputMixin, serializers.Serializer):
    """One of operation / part / other_charge / package (a catalogue id)."""

    operation = serializers.IntegerField(required=False)
    part = serializers.IntegerField(required=False)
    other_charge = serializers.IntegerField(required=False)
    package = serializers.IntegerField(required=False)
    quantity = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=MIN_QUANTITY, max_value=MAX_QUANTITY, required=False, default=1
    )
    payer = serializers.ChoiceField(choices=Payer.choices, required=False, default=Payer.CUSTOMER)
    confirm_duplicate = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Add the entry even though the order already carries it (otherwise 400 on `item`).",
    )

    KINDS = ("operation", "part", "other_charge", "package")

    def validate(self, attrs):
        chosen = [kind for kind in self.KINDS if attrs.get(kind) is not None]
        if len(chosen) != 1:
            raise serializers.ValidationError("Give exactly one of operation, part, other_charge or package.")
        attrs["kind"] = chosen[0]
        return attrs


class RepairOrderInSerializer(StrictInputMixin, serializers.Serializer):
    """Reception: open a repair order for a vehicle on file."""

    vehicle = serializers.IntegerField()
    repair_type = serializers.IntegerField(required=False, allow_null=True)
    customer_statement = serializers.CharField(required=False, allow_blank=True, default="")
    findings = serializers.CharField(required=False, allow_blank=True, default="")
    # Today's reading is required at reception (docs/DOMAIN.md §3.1 step 3); a lower one needs the reason.
    odometer_km = serializers.IntegerField(min_value=0, max_value=3_000_000)
    odometer_correction_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    fuel_level = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100)
    contact_phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=11)
    promised_at = serializers.DateTimeField(required=False, allow_null=True)
    waiting_mode = serializers.ChoiceField(choices=WaitingMode.choices, required=False, default=WaitingMode.WAITS)
    return_old_parts = serializers.BooleanField(required=False, default=False)
    # Work known at reception (a booked job, a fixed-price service): added with
    # the opening, in its transaction; a refused item opens no order.
    lines = LineInSerializer(many=True, required=False, max_length=MAX_LINES_PER_REQUEST)

    def validate_repair_type(self, value):
        return value and RepairType.objects.filter(pk=value).first()


class TransitionInSerializer(StrictInputMixin, serializers.Serializer):
    to = serializers.ChoiceField(choices=Status.choices)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="Kept in the status history. Required (the reason) when `to` is `cancelled` (400 on `note`).",
    )


class AuthoriseInSerializer(StrictInputMixin, serializers.Serializer):
    method = serializers.ChoiceField(choices=ApprovalMethod.choices)
    signature = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class DecideInSerializer(StrictInputMixin, serializers.Serializer):
    approve = serializers.BooleanField()
    method = serializers.ChoiceField(choices=ApprovalMethod.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    signature = serializers.CharField(required=False, allow_blank=True, default="", max_length=SIGNATURE_MAX_LENGTH)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
