from rest_framework import serializers

from aftercare.core.api.serializers import ModelSerializer, StrictInputMixin

from ..choices import DocumentKind, OrderType, PartClass
from ..models import LineDemand, Movement, SpecialDocument, StockItem, SupplierOrder, SupplierOrderLine

QTY = {"max_digits": 8, "decimal_places": 2}
ID = {"min_value": 1, "max_value": 2**53}


class StockItemSerializer(ModelSerializer):
    available = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    bins = serializers.SerializerMethodField()

    class Meta:
        model = StockItem
        fields = [
            "id", "store", "part", "part_no", "name", "part_class", "serialized", "main_bin", "on_hand", "reserved",
            "available", "on_order", "back_ordered", "avg_cost", "value", "monthly_demand", "min_qty", "max_qty",
            "min_override", "max_override", "override_reason", "suggested_qty", "supplier", "bins",
        ]  # fmt: skip
        read_only_fields = fields

    def get_bins(self, item) -> dict[str, str]:
        return {row.bin: str(row.on_hand) for row in item.bins.all()}


class MovementSerializer(ModelSerializer):
    class Meta:
        model = Movement
        fields = [
            "id", "store", "item", "kind", "bin", "quantity", "unit_cost", "on_hand_after", "reason", "line",
            "order_line", "counterpart", "reverses", "created_by", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class MovementInSerializer(StrictInputMixin, serializers.Serializer):
    kind = serializers.ChoiceField(choices=["receipt", "adjustment", "transfer"])
    item = serializers.IntegerField(**ID)
    quantity = serializers.CharField(max_length=12)
    bin = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    unit_cost = serializers.DecimalField(required=False, min_value=0, **QTY)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    to_bin = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    to_store = serializers.IntegerField(required=False, **ID)
    serials = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=999)


class DemandSerializer(ModelSerializer):
    repair_order_number = serializers.CharField(source="repair_order.number", read_only=True)
    part_no = serializers.CharField(source="item.part_no", read_only=True)

    class Meta:
        model = LineDemand
        fields = [
            "id", "store", "repair_order", "repair_order_number", "line", "item", "part_no", "quantity", "reserved",
            "issued", "status", "promised_at", "return_tag",
        ]  # fmt: skip
        read_only_fields = fields


class IssueInSerializer(StrictInputMixin, serializers.Serializer):
    quantity = serializers.DecimalField(required=False, min_value=0, **QTY)
    bin = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    serial = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    return_tag = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class ReturnInSerializer(StrictInputMixin, serializers.Serializer):
    quantity = serializers.DecimalField(min_value=0, **QTY)
    bin = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    serial = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class OrderLineSerializer(ModelSerializer):
    part_no = serializers.CharField(source="item.part_no", read_only=True)
    open_quantity = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = SupplierOrderLine
        fields = [
            "id", "item", "part_no", "quantity", "unit_cost", "received", "cancelled", "open_quantity",
            "back_ordered_at", "expected_at",
        ]  # fmt: skip
        read_only_fields = fields


class OrderSerializer(ModelSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)
    receipts = serializers.SerializerMethodField()

    class Meta:
        model = SupplierOrder
        fields = [
            "id", "store", "supplier", "number", "order_type", "part_class", "status", "for_company_vehicle",
            "created_at", "submitted_at", "lines", "receipts",
        ]  # fmt: skip
        read_only_fields = fields

    def get_receipts(self, order) -> list[dict]:
        return [
            {"line": m.order_line_id, "quantity": str(m.quantity), "bin": m.bin, "at": m.created_at.isoformat()}
            for line in order.lines.all()
            for m in line.movements.all()
        ]


class OrderLineInSerializer(StrictInputMixin, serializers.Serializer):
    item = serializers.IntegerField(**ID)
    quantity = serializers.DecimalField(min_value=0, **QTY)


class OrderInSerializer(StrictInputMixin, serializers.Serializer):
    supplier = serializers.IntegerField(**ID)
    order_type = serializers.ChoiceField(choices=OrderType.choices)
    part_class = serializers.ChoiceField(choices=PartClass.choices, required=False, default=PartClass.GENERAL)
    for_company_vehicle = serializers.BooleanField(required=False, default=False)
    lines = OrderLineInSerializer(many=True, allow_empty=False, max_length=500)


class ReceiptInSerializer(StrictInputMixin, serializers.Serializer):
    line = serializers.IntegerField(**ID)
    quantity = serializers.DecimalField(min_value=0, **QTY)
    bin = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    serials = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=999)


class ReceiveInSerializer(StrictInputMixin, serializers.Serializer):
    receipts = ReceiptInSerializer(many=True, allow_empty=False, max_length=500)


class LevelsInSerializer(StrictInputMixin, serializers.Serializer):
    """MIN/MAX by hand: an empty or missing value clears that override; the reason is required."""

    min_qty = serializers.DecimalField(required=False, allow_null=True, min_value=0, **QTY)
    max_qty = serializers.DecimalField(required=False, allow_null=True, min_value=0, **QTY)
    reason = serializers.CharField(max_length=200)


class BackOrderCancelInSerializer(StrictInputMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class DocumentInSerializer(StrictInputMixin, serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField(max_length=100)
    shows_plate = serializers.BooleanField(required=False, default=False)


class DocumentSerializer(ModelSerializer):
    class Meta:
        model = SpecialDocument
        fields = ["id", "order", "kind", "shows_plate", "uploaded_by", "uploaded_at"]
        read_only_fields = fields
