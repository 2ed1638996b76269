from rest_framework import serializers

from aftercare.core.api.serializers import FieldAccessMixin, StrictInputMixin
from aftercare.core.masking import mask_phone
from aftercare.core.permissions import Perm

from ..choices import ABCClass, ContactChannel, CustomerKind, CustomerSource, Gender, PlateKind, Powertrain, Preference
from ..models import Customer, Vehicle


class CustomerInSerializer(StrictInputMixin, serializers.Serializer):
    """What a client may send; normalisation and duplicate checks are the service's."""

    kind = serializers.ChoiceField(choices=CustomerKind.choices, default=CustomerKind.PERSON)
    name = serializers.CharField(max_length=100)
    contact_person = serializers.CharField(max_length=50, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True)
    wechat_id = serializers.CharField(max_length=50, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True)
    birthday = serializers.DateField(required=False, allow_null=True)
    region = serializers.CharField(max_length=50, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    preferred_channel = serializers.ChoiceField(choices=ContactChannel.choices, required=False)
    preferences = serializers.ListField(child=serializers.ChoiceField(choices=Preference.choices), required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=30), required=False)
    source = serializers.ChoiceField(choices=CustomerSource.choices, required=False, allow_blank=True)
    member_card_no = serializers.CharField(max_length=30, required=False, allow_blank=True)
    abc_class = serializers.ChoiceField(
        choices=ABCClass.choices, required=False, allow_blank=True,
        help_text="Set by a person: recorded as a class change by the caller (docs/DOMAIN.md §2.5).",
    )  # fmt: skip
    class_change_reason = serializers.CharField(max_length=200, required=False, allow_blank=True, write_only=True)
    allow_shared_mobile = serializers.BooleanField(default=False, write_only=True)
    store = serializers.IntegerField(
        required=False, write_only=True, help_text="The store of a new customer, for staff of several stores."
    )


class CustomerOutSerializer(FieldAccessMixin, serializers.ModelSerializer):
    mobile = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id", "store", "number", "kind", "name", "contact_person", "mobile", "wechat_id", "email", "gender",
            "birthday", "region", "address", "preferred_channel", "preferences", "tags", "source",
            "assigned_advisor", "member_card_no", "abc_class", "last_visit_at", "created_at",
        ]  # fmt: skip

    def get_mobile(self, customer) -> str:
        user = self.context["request"].user
        return customer.mobile if user.has_perm(Perm.CONTACT_REVEAL, customer) else mask_phone(customer.mobile)


class VehicleInSerializer(StrictInputMixin, serializers.Serializer):
    owner = serializers.IntegerField(help_text="Customer id (same store).")
    plate = serializers.CharField(max_length=20, required=False, allow_blank=True)
    plate_kind = serializers.ChoiceField(choices=PlateKind.choices, default=PlateKind.STANDARD)
    vin = serializers.CharField(max_length=25)
    vin_check_digit_waived = serializers.BooleanField(default=False)
    engine_no = serializers.CharField(max_length=30, required=False, allow_blank=True)
    brand = serializers.CharField(max_length=30)
    model = serializers.CharField(max_length=50)
    trim = serializers.CharField(max_length=80, required=False, allow_blank=True)
    powertrain = serializers.ChoiceField(choices=Powertrain.choices, default=Powertrain.ICE)
    purchase_date = serializers.DateField(required=False, allow_null=True)
    maintenance_months = serializers.IntegerField(min_value=1, max_value=60, required=False)
    maintenance_km = serializers.IntegerField(min_value=500, max_value=100000, required=False)
    insurance_expiry = serializers.DateField(required=False, allow_null=True)
    inspection_due = serializers.DateField(required=False, allow_null=True)
    warranty_start = serializers.DateField(required=False, allow_null=True)
    warranty_end = serializers.DateField(required=False, allow_null=True)
    odometer_km = serializers.IntegerField(min_value=0, required=False, write_only=True)


class VehicleOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vehicle
        fields = [
            "id", "store", "owner", "plate", "plate_kind", "vin", "vin_check_digit_waived", "engine_no", "brand",
            "model", "trim", "powertrain", "purchase_date", "maintenance_months", "maintenance_km",
            "insurance_expiry", "inspection_due", "warranty_start", "warranty_end", "abc_class", "discount_level",
            "odometer_km", "last_visit_at", "is_active",
        ]  # fmt: skip


class SearchResultSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField()
    customer_name = serializers.CharField()
    customer_number = serializers.CharField()
    phone = serializers.CharField()
    vehicle_id = serializers.IntegerField(allow_null=True)
    plate = serializers.CharField()
    vin = serializers.CharField()
    model = serializers.CharField()
    last_visit_at = serializers.DateTimeField(allow_null=True)
    store_id = serializers.IntegerField()
