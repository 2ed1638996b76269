from django.contrib.auth import get_user_model
from rest_framework import serializers

from aftercare.catalog.models import Bay
from aftercare.core.api.serializers import StrictInputMixin

from ..models import Job


class JobOutSerializer(serializers.ModelSerializer):
    line = serializers.IntegerField(source="line_id")
    repair_order_number = serializers.CharField(source="repair_order.number")
    plate = serializers.CharField(source="repair_order.vehicle.plate")
    description = serializers.CharField(source="line.description")
    customer_statement = serializers.CharField(source="repair_order.customer_statement")
    technician_name = serializers.CharField(source="technician.__str__")
    bay_code = serializers.CharField(source="bay.code", default=None)
    frt_hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    actual_hours = serializers.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        model = Job
        fields = [
            "id", "line", "repair_order", "repair_order_number", "plate", "description", "customer_statement",
            "technician", "technician_name", "bay", "bay_code", "status", "required_finish_at", "dispatched_at",
            "started_at", "finished_at", "frt_hours", "actual_hours", "rework_count",
        ]  # fmt: skip


class DispatchInSerializer(StrictInputMixin, serializers.Serializer):
    technician = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.filter(is_active=True))
    bay = serializers.PrimaryKeyRelatedField(queryset=Bay.objects.all(), required=False, allow_null=True)
    required_finish_at = serializers.DateTimeField(required=False, allow_null=True)


class ClockOffInSerializer(StrictInputMixin, serializers.Serializer):
    finished = serializers.BooleanField()


class ClockOffOutSerializer(serializers.Serializer):
    job = JobOutSerializer()
    order_status = serializers.CharField()
    waiting_reason = serializers.CharField()


class QualityCheckInSerializer(StrictInputMixin, serializers.Serializer):
    results = serializers.DictField(child=serializers.CharField(), help_text="{inspection item code: ok|not_ok|na}")
    passed = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    road_test_required = serializers.BooleanField(required=False, default=False)
    road_test_done = serializers.BooleanField(required=False, default=False)
    rework_lines = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class QualityCheckOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    repair_order = serializers.IntegerField(source="repair_order_id")
    result = serializers.CharField()
    road_test_required = serializers.BooleanField()
    road_test_done = serializers.BooleanField()
    reason = serializers.CharField()
    checked_at = serializers.DateTimeField()
    order_status = serializers.CharField(source="repair_order.status")


class BoardRowSerializer(serializers.Serializer):
    repair_order = serializers.IntegerField(source="order.pk")
    number = serializers.CharField(source="order.number")
    plate = serializers.CharField(source="order.vehicle.plate")
    status = serializers.CharField(source="order.status")
    status_label = serializers.CharField()
    colour = serializers.CharField()
    advisor = serializers.CharField(source="order.advisor", help_text="The advisor's name.")
    technicians = serializers.ListField(child=serializers.CharField())
    bays = serializers.ListField(child=serializers.CharField())
    jobs_total = serializers.IntegerField()
    jobs_done = serializers.IntegerField()
    promised_at = serializers.DateTimeField(source="order.promised_at")
    overdue = serializers.BooleanField()
    at_risk = serializers.BooleanField()
    rework = serializers.BooleanField()
    washed_at = serializers.DateTimeField(allow_null=True)
