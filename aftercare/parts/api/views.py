"""/api/v1/parts/: stock, movements, the issue queue with issue and return, reorder suggestions,
orders with their lines and receipts, and back orders. Errors are 400 with field errors;
nothing is written on bad input (the services check before they write)."""

from django.db.models import F, Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from aftercare.core.api.permissions import require
from aftercare.core.models import Store
from aftercare.core.permissions import Perm

from .. import services
from ..choices import OPEN_DEMAND, OrderStatus
from ..models import LineDemand, Movement, StockItem, Supplier, SupplierOrder, SupplierOrderLine
from .serializers import (
    BackOrderCancelInSerializer,
    DemandSerializer,
    DocumentInSerializer,
    DocumentSerializer,
    IssueInSerializer,
    LevelsInSerializer,
    MovementInSerializer,
    MovementSerializer,
    OrderInSerializer,
    OrderLineSerializer,
    OrderSerializer,
    ReceiveInSerializer,
    ReturnInSerializer,
    StockItemSerializer,
)

PARTS = [require(Perm.PARTS_MANAGE)]


def _int(value):
    return int(value) if value and str(value).isdigit() and len(str(value)) <= 15 else None


@extend_schema(
    parameters=[
        OpenApiParameter("part", str, description="part number prefix"),
        OpenApiParameter("bin", str),
        OpenApiParameter("store", int),
    ]
)
class _StockBase(viewsets.ReadOnlyModelViewSet):
    """Stock per part and store: on hand, reserved, available, on order, average cost, bins."""

    serializer_class = StockItemSerializer
    permission_classes = PARTS
    filterset_class = None

    def get_queryset(self):
        items = StockItem.objects.for_user(self.request.user, Perm.PARTS_MANAGE).prefetch_related("bins")
        params = self.request.query_params
        if params.get("part"):
            items = items.filter(part_no__istartswith=params["part"][:40])
        if params.get("bin"):
            items = items.filter(bins__bin__istartswith=params["bin"][:20]).distinct()
        if _int(params.get("store")):
            items = items.filter(store_id=_int(params["store"]))
        return items


class StockViewSet(_StockBase):
    """Stock per part and store: on hand, reserved, available, on order, average cost, bins;
    MIN/MAX set by hand with the reason (empty values clear the override)."""

    @extend_schema(request=LevelsInSerializer, responses={200: StockItemSerializer})
    @action(detail=True, methods=["post"])
    def levels(self, request, pk=None):
        item = get_object_or_404(self.get_queryset().select_related("store"), pk=pk)
        incoming = LevelsInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.stock_override_levels(actor=request.user, item=item, **incoming.validated_data)
        return Response(StockItemSerializer(self.get_queryset().get(pk=item.pk)).data)


class SuggestionViewSet(_StockBase):
    """The reorder suggestions of the last nightly run (suggested quantity above zero)."""

    def get_queryset(self):
        return super().get_queryset().filter(suggested_qty__gt=0)


class MovementViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Stock movements; POST makes a receipt, an adjustment (with a reason) or a transfer."""

    serializer_class = MovementSerializer
    permission_classes = PARTS
    filterset_class = None

    def get_queryset(self):
        movements = Movement.objects.for_user(self.request.user, Perm.PARTS_MANAGE)
        item = _int(self.request.query_params.get("item"))
        return movements.filter(item_id=item) if item else movements

    @extend_schema(request=MovementInSerializer, responses={201: MovementSerializer})
    def create(self, request):
        incoming = MovementInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        item = (
            StockItem.objects.for_user(request.user, Perm.PARTS_MANAGE)
            .select_related("store")
            .filter(pk=data["item"])
            .first()
        )
        if item is None:
            raise ValidationError({"item": ["Unknown part."]})
        if data["kind"] == "receipt":
            if data.get("unit_cost") is None:
                raise ValidationError({"unit_cost": ["Enter the unit cost."]})
            movement = services.stock_receive(
                actor=request.user, item=item, quantity=data["quantity"], unit_cost=data["unit_cost"], bin=data["bin"],
                serials=data.get("serials") or (), reason=data["reason"],
            )  # fmt: skip
        elif data["kind"] == "adjustment":
            movement = services.stock_adjust(
                actor=request.user, item=item, quantity=data["quantity"], bin=data["bin"], reason=data["reason"]
            )
        else:
            to_store = None
            if data.get("to_store") is not None:
                to_store = Store.objects.filter(pk=data["to_store"], group_id=item.store.group_id).first()
                if to_store is None:
                    raise ValidationError({"to_store": ["Not a store of this dealer group."]})
            movement = services.stock_transfer(
                actor=request.user, item=item, quantity=data["quantity"], from_bin=data["bin"], to_bin=data["to_bin"],
                to_store=to_store,
            )  # fmt: skip
        return Response(MovementSerializer(movement).data, status=201)


class DemandViewSet(viewsets.ReadOnlyModelViewSet):
    """Repair-order part lines (待发料 by default: ?all=1 for every line), with issue and return."""

    serializer_class = DemandSerializer
    permission_classes = PARTS
    filterset_class = None

    def get_queryset(self):
        demands = LineDemand.objects.for_user(self.request.user, Perm.PARTS_MANAGE).select_related(
            "repair_order", "item"
        )
        if self.action == "list" and not self.request.query_params.get("all"):
            demands = demands.filter(status__in=OPEN_DEMAND)
        return demands

    @extend_schema(request=IssueInSerializer, responses={200: DemandSerializer})
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        demand = get_object_or_404(self.get_queryset(), pk=pk)
        incoming = IssueInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.part_issue(actor=request.user, demand=demand, **incoming.validated_data)
        demand.refresh_from_db()
        return Response(DemandSerializer(demand).data)

    @extend_schema(request=ReturnInSerializer, responses={200: DemandSerializer})
    @action(detail=True, methods=["post"], url_path="return")
    def return_part(self, request, pk=None):
        demand = get_object_or_404(self.get_queryset(), pk=pk)
        incoming = ReturnInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.part_return(actor=request.user, demand=demand, **incoming.validated_data)
        demand.refresh_from_db()
        return Response(DemandSerializer(demand).data)


class OrderViewSet(viewsets.ReadOnlyModelViewSet):
    """Supplier orders with their lines and receipts; create a draft, submit, receive."""

    serializer_class = OrderSerializer
    permission_classes = PARTS
    filterset_class = None

    def get_queryset(self):
        return SupplierOrder.objects.for_user(self.request.user, Perm.PARTS_MANAGE).prefetch_related(
            Prefetch("lines", queryset=SupplierOrderLine.objects.select_related("item").prefetch_related("movements"))
        )

    @extend_schema(request=OrderInSerializer, responses={201: OrderSerializer})
    def create(self, request):
        incoming = OrderInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        supplier = (
            Supplier.objects.for_user(request.user, Perm.PARTS_MANAGE)
            .filter(pk=data["supplier"])
            .select_related("store")
            .first()
        )
        if supplier is None:
            raise ValidationError({"supplier": ["Unknown supplier."]})
        items = {
            i.pk: i
            for i in StockItem.objects.filter(store=supplier.store, pk__in=[line["item"] for line in data["lines"]])
        }
        lines = []
        for line in data["lines"]:
            if line["item"] not in items:
                raise ValidationError({"lines": [f"Unknown part: {line['item']}."]})
            lines.append((items[line["item"]], line["quantity"]))
        order = services.order_create(
            actor=request.user, store=supplier.store, supplier=supplier, order_type=data["order_type"],
            part_class=data["part_class"], for_company_vehicle=data["for_company_vehicle"], lines=lines,
        )  # fmt: skip
        return Response(OrderSerializer(self.get_queryset().get(pk=order.pk)).data, status=201)

    @extend_schema(request=None, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        order = get_object_or_404(self.get_queryset(), pk=pk)
        services.order_submit(actor=request.user, order=order)
        return Response(OrderSerializer(self.get_queryset().get(pk=order.pk)).data)

    @extend_schema(request=ReceiveInSerializer, responses={200: OrderSerializer})
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        order = get_object_or_404(self.get_queryset(), pk=pk)
        incoming = ReceiveInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.order_receive(actor=request.user, order=order, receipts=incoming.validated_data["receipts"])
        return Response(OrderSerializer(self.get_queryset().get(pk=order.pk)).data)

    @extend_schema(request={"multipart/form-data": DocumentInSerializer}, responses={201: DocumentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def documents(self, request, pk=None):
        """Upload one item of a special-part order's checklist (multipart: kind, file, shows_plate);
        a second upload of the same kind replaces the first while the order is a draft."""
        order = get_object_or_404(self.get_queryset().select_related("store"), pk=pk)
        incoming = DocumentInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        document = services.document_add(actor=request.user, order=order, **incoming.validated_data)
        return Response(DocumentSerializer(document).data, status=201)


class BackOrderViewSet(viewsets.ReadOnlyModelViewSet):
    """Open back-ordered lines of submitted orders, oldest submission first."""

    serializer_class = OrderLineSerializer
    permission_classes = PARTS
    filterset_class = None

    def get_queryset(self):
        return (
            SupplierOrderLine.objects.for_user(self.request.user, Perm.PARTS_MANAGE)
            .filter(back_ordered_at__isnull=False, order__status=OrderStatus.SUBMITTED)
            .filter(quantity__gt=F("received") + F("cancelled"))
            .select_related("item")
        )

    @extend_schema(request=BackOrderCancelInSerializer, responses={200: OrderLineSerializer})
    @action(detail=True, methods=["post"], permission_classes=[require(Perm.PARTS_APPROVE)])
    def cancel(self, request, pk=None):
        """Cancel what is still open on a back order: only a manager may, and the manager is the
        approver, as on the back-order page; refused before one month from the order's submission."""
        line = get_object_or_404(
            self.get_queryset().filter(pk__in=SupplierOrderLine.objects.for_user(request.user, Perm.PARTS_APPROVE)),
            pk=pk,
        )
        incoming = BackOrderCancelInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.back_order_cancel(
            actor=request.user, line=line, approver=request.user, reason=incoming.validated_data["reason"]
        )
        line.refresh_from_db()
        return Response(OrderLineSerializer(line).data)
