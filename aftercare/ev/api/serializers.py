from decimal import Decimal

from rest_framework import serializers

from aftercare.core.api.serializers import ModelSerializer, StrictInputMixin

from ..models import BatteryForecast, BatteryReading, SoftwareVersion, TroubleCode

PCT = {"max_digits": 5, "decimal_places": 2, "min_value": Decimal("0"), "max_value": Decimal("100")}


class ReadingSerializer(ModelSerializer):
    class Meta:
        model = BatteryReading
        fields = ["id", "read_at", "soh", "soc", "cycle_count", "cell_spread_mv", "max_cell_temp", "dc_share",
                  "depth_of_discharge", "sessions_per_week", "source", "order"]  # fmt: skip


class ReadingInSerializer(StrictInputMixin, serializers.Serializer):
    read_at = serializers.DateTimeField()
    soh = serializers.DecimalField(**PCT)
    soc = serializers.DecimalField(required=False, allow_null=True, **PCT)
    cycle_count = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100_000)
    cell_spread_mv = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=5_000)
    max_cell_temp = serializers.DecimalField(required=False, allow_null=True, max_digits=4, decimal_places=1,
                                             min_value=Decimal("-50"), max_value=Decimal("150"))  # fmt: skip
    dc_share = serializers.DecimalField(required=False, allow_null=True, **PCT)
    depth_of_discharge = serializers.DecimalField(required=False, allow_null=True, **PCT)
    sessions_per_week = serializers.DecimalField(required=False, allow_null=True, max_digits=4, decimal_places=1,
                                                 min_value=Decimal("0"), max_value=Decimal("100"))  # fmt: skip


class CodeSerializer(ModelSerializer):
    class Meta:
        model = TroubleCode
        fields = ["id", "code", "description", "first_seen", "last_seen", "status", "source"]


class VersionSerializer(ModelSerializer):
    class Meta:
        model = SoftwareVersion
        fields = ["id", "controller", "version", "installed_at", "channel", "order", "is_current"]


class BatteryForecastSerializer(ModelSerializer):
    vehicle = serializers.IntegerField(source="vehicle_id", read_only=True)

    class Meta:
        model = BatteryForecast
        fields = ["vehicle", "computed_at", "status", "readings", "last_soh", "slope_per_year", "service_on",
                  "service_early", "service_late", "warranty_on", "warranty_early", "warranty_late"]  # fmt: skip


class CrossingSerializer(serializers.Serializer):
    threshold = serializers.DecimalField(max_digits=5, decimal_places=2)
    on = serializers.DateField(allow_null=True)
    early = serializers.DateField(allow_null=True)
    late = serializers.DateField(allow_null=True)


class LiveBatteryForecastSerializer(serializers.Serializer):
    status = serializers.CharField()
    readings = serializers.IntegerField()
    last_soh = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    slope_per_year = serializers.FloatField(allow_null=True)
    crossings = CrossingSerializer(many=True)


class EvImportInSerializer(StrictInputMixin, serializers.Serializer):
    file = serializers.FileField(max_length=200)
    store = serializers.IntegerField(min_value=1, required=False)


class EvImportOutSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.DictField())
