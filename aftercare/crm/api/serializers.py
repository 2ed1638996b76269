from rest_framework import serializers

from aftercare.core.masking import mask_name, mask_phone

from ..models import Campaign, CampaignOffer, CustomerProfile, Firing, RetentionRule, Segment, VehicleForecast


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


class SegmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Segment
        fields = ["id", "store", "name", "filters", "created_at"]


class SegmentCountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class MemberSerializer(serializers.Serializer):
    """A segment member, masked (docs/DOMAIN.md §11.6): the API is an export too."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.SerializerMethodField()
    mobile = serializers.SerializerMethodField()
    abc_class = serializers.CharField()
    last_visit_at = serializers.DateTimeField(allow_null=True)

    def get_name(self, obj) -> str:
        return mask_name(obj.name)

    def get_mobile(self, obj) -> str:
        return mask_phone(obj.mobile)


class ResultLineSerializer(serializers.Serializer):
    label = serializers.CharField()
    target = serializers.DecimalField(max_digits=14, decimal_places=2)
    actual = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    reached = serializers.BooleanField()


class CampaignResultsSerializer(serializers.Serializer):
    lines = ResultLineSerializer(many=True)
    by_rule = serializers.DictField(child=serializers.IntegerField())
    invited = serializers.IntegerField()
    coupons = serializers.IntegerField()
    refused = serializers.IntegerField()
    cost_per_arrival = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    budget_left = serializers.DecimalField(max_digits=14, decimal_places=2)
    surveys_sent = serializers.IntegerField()
    surveys_answered = serializers.IntegerField()


class PackageOfferSerializer(serializers.ModelSerializer):
    class Meta:
        model = CampaignOffer
        fields = ["package_code", "name", "price"]


class CampaignSerializer(serializers.ModelSerializer):
    package_offers = PackageOfferSerializer(many=True, read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id", "store", "name", "kind", "starts_on", "ends_on", "segment", "offers", "budget", "actual_cost",
            "target_arrivals", "target_new_customers", "target_revenue", "target_satisfaction", "invited_at",
            "remind_days", "package_offers",
        ]  # fmt: skip
