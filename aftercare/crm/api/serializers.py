from rest_framework import serializers

from ..models import CustomerProfile, Firing, RetentionRule, VehicleForecast


class RuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = RetentionRule
        fields = ["id", "store", "trigger", "enabled", "days", "send_message", "create_task", "coupon_name", "script"]


class FiringSerializer(serializers.ModelSerializer):
    trigger = serializers.CharField(source="rule.trigger")

    class Meta:
        model = Firing
        fields = ["id", "store", "rule", "trigger", "customer", "vehicle", "period_key", "state", "reason",
                  "fired_at", "message_ref", "task_id", "coupon_id"]  # fmt: skip


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = CustomerProfile
        fields = [
            "customer",
            "store",
            "stage",
            "stage_since",
            "tier",
            "tier_since",
            "first_visit_at",
            "spend",
            "visits",
        ]


class ForecastSerializer(serializers.ModelSerializer):
    class Meta:
        model = VehicleForecast
        fields = ["vehicle", "km_per_day", "basis", "readings", "due_km", "calendar_on", "projected_on", "due_on"]
