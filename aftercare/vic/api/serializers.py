from decimal import Decimal

from rest_framework import serializers

from ..choices import BookingKind, ChargeKind, ErrandKind, ErrandStatus, EventKind
from ..models import (
    CourtesyCar,
    CourtesyLoan,
    Errand,
    Handover,
    Invitation,
    LoanCharge,
    PickupBooking,
    VicEnrolment,
    VicEvent,
    VicVisit,
)

ID = {"min_value": 1, "max_value": 2_147_483_647}
MONEY = {"max_digits": 10, "decimal_places": 2, "min_value": Decimal("0"), "max_value": Decimal("999999.99")}


class EnrolmentSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    specialist_name = serializers.CharField(source="specialist.__str__", read_only=True)

    class Meta:
        model = VicEnrolment
        fields = [
            "id",
            "store",
            "customer",
            "customer_name",
            "specialist",
            "specialist_name",
            "source",
            "reason",
            "enrolled_at",
            "ended_at",
        ]


class EnrolInput(serializers.Serializer):
    customer = serializers.IntegerField(**ID)
    specialist = serializers.IntegerField(**ID)
    reason = serializers.CharField(max_length=200)


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class VisitSerializer(serializers.ModelSerializer):
    repair_order_number = serializers.CharField(source="repair_order.number", read_only=True)
    home_store = serializers.IntegerField(source="enrolment.store_id", read_only=True)
    home_specialist = serializers.IntegerField(source="enrolment.specialist_id", read_only=True)

    class Meta:
        model = VicVisit
        fields = [
            "id",
            "store",
            "repair_order",
            "repair_order_number",
            "enrolment",
            "home_store",
            "home_specialist",
            "received_by",
            "away",
            "arrived_at",
            "acknowledged_at",
        ]


class SpecialistSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    mobile = serializers.CharField()


class DirectorySerializer(serializers.Serializer):
    store = serializers.IntegerField()
    store_name = serializers.CharField()
    phone = serializers.CharField()
    rescue_phone = serializers.CharField()
    specialists = SpecialistSerializer(many=True)


class HandoverSerializer(serializers.ModelSerializer):
    signed = serializers.BooleanField(source="is_signed", read_only=True)

    class Meta:
        model = Handover
        fields = ["id", "stage", "odometer_km", "fuel_level", "damage", "recorded_at", "signed", "signed_at"]


class HandoverInput(serializers.Serializer):
    odometer_km = serializers.IntegerField(min_value=0, max_value=2_000_000)
    fuel_level = serializers.IntegerField(min_value=0, max_value=100)
    damage = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class BookingHandoverInput(HandoverInput):
    end = serializers.ChoiceField(choices=["customer", "store"])


class BookingSerializer(serializers.ModelSerializer):
    at_customer = HandoverSerializer(read_only=True)
    at_store = HandoverSerializer(read_only=True)

    class Meta:
        model = PickupBooking
        fields = [
            "id",
            "store",
            "customer",
            "vehicle",
            "repair_order",
            "kind",
            "address",
            "window_start",
            "window_end",
            "driver",
            "status",
            "note",
            "at_customer",
            "at_store",
        ]
        read_only_fields = ["store", "status"]


class BookingInput(serializers.Serializer):
    customer = serializers.IntegerField(**ID)
    vehicle = serializers.IntegerField(**ID)
    kind = serializers.ChoiceField(choices=BookingKind.choices)
    address = serializers.CharField(max_length=200)
    window_start = serializers.DateTimeField()
    window_end = serializers.DateTimeField()
    driver = serializers.IntegerField(**ID)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CarSerializer(serializers.ModelSerializer):
    class Meta:
        model = CourtesyCar
        fields = ["id", "store", "plate", "model", "odometer_km", "is_active"]
        read_only_fields = ["store", "is_active"]
        extra_kwargs = {"odometer_km": {"min_value": 0, "max_value": 2_000_000}}


class ChargeSerializer(serializers.ModelSerializer):
    class Meta:
        model = LoanCharge
        fields = ["id", "kind", "amount", "note", "recorded_at"]


class ChargeInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ChargeKind.choices)
    amount = serializers.DecimalField(**MONEY)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class LoanSerializer(serializers.ModelSerializer):
    handed_out = HandoverSerializer(read_only=True)
    returned = HandoverSerializer(read_only=True)
    charges = ChargeSerializer(many=True, read_only=True)

    class Meta:
        model = CourtesyLoan
        fields = [
            "id",
            "store",
            "car",
            "customer",
            "repair_order",
            "starts_at",
            "ends_at",
            "status",
            "handed_out",
            "returned",
            "charges",
        ]


class LoanInput(serializers.Serializer):
    car = serializers.IntegerField(**ID)
    customer = serializers.IntegerField(**ID)
    repair_order = serializers.IntegerField(**ID, required=False, allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class LoanReportRowSerializer(serializers.Serializer):
    car = serializers.IntegerField(source="car.pk")
    plate = serializers.CharField(source="car.plate")
    loans = serializers.IntegerField()
    days = serializers.DecimalField(max_digits=6, decimal_places=1)
    km = serializers.IntegerField()
    charges = serializers.DecimalField(max_digits=12, decimal_places=2)


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = VicEvent
        fields = ["id", "store", "kind", "title", "venue", "starts_at", "capacity", "cost"]
        read_only_fields = ["store"]


class EventInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EventKind.choices)
    title = serializers.CharField(max_length=100)
    venue = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    capacity = serializers.IntegerField(min_value=1, max_value=2000, default=30)
    cost = serializers.DecimalField(**MONEY, default="0.00")


class InvitationSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "event",
            "customer",
            "customer_name",
            "status",
            "guests",
            "guest_name",
            "responded_at",
            "checked_in_at",
            "guest_checked_in",
        ]


class InviteInput(serializers.Serializer):
    customer = serializers.IntegerField(**ID)


class CheckInInput(serializers.Serializer):
    guest_came = serializers.BooleanField(default=False)


class ErrandSerializer(serializers.ModelSerializer):
    class Meta:
        model = Errand
        fields = [
            "id",
            "store",
            "customer",
            "vehicle",
            "kind",
            "status",
            "due_on",
            "assigned_to",
            "fee",
            "note",
            "done_at",
        ]


class ErrandInput(serializers.Serializer):
    customer = serializers.IntegerField(**ID)
    vehicle = serializers.IntegerField(**ID, required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=ErrandKind.choices)
    assigned_to = serializers.IntegerField(**ID)
    due_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ErrandMoveInput(serializers.Serializer):
    to = serializers.ChoiceField(choices=ErrandStatus.choices)
    fee = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class LinkSerializer(serializers.Serializer):
    url = serializers.CharField()
