from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from aftercare.core.api.permissions import require
from aftercare.core.permissions import Perm
from aftercare.customers.models import Vehicle

from .. import selectors, services
from ..filters import RepairOrderFilterSet
from ..models import RepairOrder, RepairOrderLine, StatusChange
from .serializers import (
    MAX_LINES_PER_REQUEST,
    AuthoriseInSerializer,
    DecideInSerializer,
    ErrorSerializer,
    LineInSerializer,
    RepairOrderInSerializer,
    RepairOrderLineOutSerializer,
    RepairOrderListSerializer,
    RepairOrderOutSerializer,
    TransitionInSerializer,
)


def _line_items(order: RepairOrder, entries: list[dict]) -> tuple[list[services.LineItem], list[dict]]:
    """The catalogue items of validated line entries, as the order's store sees
    them, and each entry's errors ({} when it is fine)."""
    items, errors = [], []
    for data in entries:
        kind = data["kind"]
        item = selectors.catalogue_item(order, kind, data[kind])
        errors.append({kind: ["Not in this store's catalogue."]} if item is None else {})
        items.append(
            services.LineItem(
                quantity=data["quantity"], payer=data["payer"], confirm_duplicate=data["confirm_duplicate"],
                **{kind: item},
            )
        )  # fmt: skip
    return items, errors


class RepairOrderViewSet(viewsets.GenericViewSet):
    """Repair orders of the user's stores: reception, lines, authorisation, additional work, moves.

    Writes go input serializer → service → output serializer. A move the
    workflow refuses is 409; a move the role may not make is 403."""

    filterset_class = RepairOrderFilterSet

    def get_permissions(self):
        # Moves are checked per target state by the service (a technician may
        # start work but not cancel), so seeing the order is enough to ask.
        if self.action == "transition" or self.request.method in SAFE_METHODS:
            return [require(Perm.REPAIR_ORDER_VIEW)()]
        return [require(Perm.REPAIR_ORDER_EDIT)()]

    def get_queryset(self):
        return RepairOrder.objects.for_user(self.request.user, Perm.REPAIR_ORDER_VIEW).select_related(
            "vehicle", "customer"
        )

    def get_serializer_class(self):
        return RepairOrderOutSerializer if self.action != "list" else RepairOrderListSerializer

    def _order(self, pk, perm: str = Perm.REPAIR_ORDER_VIEW) -> RepairOrder:
        order = get_object_or_404(
            self.get_queryset()
            .select_related("store", "repair_type")
            .prefetch_related(
                Prefetch("lines", queryset=RepairOrderLine.objects.all()),
                Prefetch("status_changes", queryset=StatusChange.objects.all()),
            ),
            pk=pk,
        )
        if not self.request.user.has_perm(perm, order):
            raise PermissionDenied
        return order

    def _out(self, pk) -> Response:
        return Response(RepairOrderOutSerializer(self._order(pk), context={"request": self.request}).data)

    @extend_schema(responses={200: RepairOrderListSerializer(many=True)})
    def list(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(RepairOrderListSerializer(page, many=True).data)

    @extend_schema(responses={200: RepairOrderOutSerializer})
    def retrieve(self, request, pk=None):
        return self._out(pk)

    @extend_schema(
        request=RepairOrderInSerializer,
        responses={201: RepairOrderOutSerializer},
        description=(
            "Open a repair order at reception. `lines` (optional, up to "
            f"{MAX_LINES_PER_REQUEST} items as the lines endpoint takes them) puts the work known at reception "
            "on the order in the same transaction: an item that is refused opens no order "
            "(400 with the errors of each item under `lines`)."
        ),
    )
    def create(self, request):
        incoming = RepairOrderInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        vehicle = Vehicle.objects.for_user(request.user, Perm.REPAIR_ORDER_EDIT).filter(pk=data["vehicle"]).first()
        if vehicle is None:
            raise ValidationError({"vehicle": ["No such vehicle in your stores."]})
        repair_type = data.get("repair_type")
        if repair_type is not None and not selectors.repair_type_available(vehicle.store, repair_type):
            raise ValidationError({"repair_type": ["This repair type is not offered in the vehicle's store."]})
        # The lines are looked up in the catalogue of the store the order opens in.
        items, errors = _line_items(RepairOrder(store=vehicle.store), data.get("lines", []))
        if any(errors):
            raise ValidationError({"lines": errors})
        order = services.repair_order_open(
            actor=request.user, store=vehicle.store, vehicle=vehicle, repair_type=repair_type or None,
            customer_statement=data["customer_statement"], odometer_km=data["odometer_km"],
            odometer_correction_reason=data["odometer_correction_reason"],
            fuel_level=data.get("fuel_level"), contact_phone=data["contact_phone"],
            promised_at=data.get("promised_at"), items=items, findings=data["findings"],
            waiting_mode=data["waiting_mode"], return_old_parts=data["return_old_parts"],
        )  # fmt: skip
        out = RepairOrderOutSerializer(self._order(order.pk), context={"request": request})
        return Response(out.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"], responses={200: RepairOrderLineOutSerializer(many=True)}, summary="Lines of a repair order"
    )
    @extend_schema(
        methods=["POST"],
        request=PolymorphicProxySerializer(
            component_name="LineInOneOrMany",
            serializers=[LineInSerializer, LineInSerializer(many=True)],
            resource_type_field_name=None,
            many=False,
        ),
        responses={201: RepairOrderLineOutSerializer(many=True)},
        description=(
            "Add one catalogue item (an object) or several at once (a list of up to "
            f"{MAX_LINES_PER_REQUEST} objects, e.g. the operations of a visit): all of them are added, "
            "under one lock of the order, or none (400 with the errors of each item)."
        ),
    )
    @action(detail=True, methods=["get", "post"])
    def lines(self, request, pk=None):
        if request.method == "GET":
            return Response(RepairOrderLineOutSerializer(self._order(pk).lines.all(), many=True).data)
        order = self._order(pk, Perm.REPAIR_ORDER_EDIT)
        many = isinstance(request.data, list)
        incoming = (
            LineInSerializer(data=request.data, many=True, allow_empty=False, max_length=MAX_LINES_PER_REQUEST)
            if many
            else LineInSerializer(data=request.data)
        )
        incoming.is_valid(raise_exception=True)
        entries = incoming.validated_data if many else [incoming.validated_data]
        items, errors = _line_items(order, entries)
        if any(errors):
            raise ValidationError(errors if many else errors[0])
        lines = services.lines_add(actor=request.user, order=order, items=items)
        return Response(RepairOrderLineOutSerializer(lines, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path="lines/<int:line_id>")
    def line_remove(self, request, pk=None, line_id=None):
        order = self._order(pk, Perm.REPAIR_ORDER_EDIT)
        line = get_object_or_404(RepairOrderLine, pk=line_id, repair_order=order)
        services.line_remove(actor=request.user, line=line)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=DecideInSerializer, responses={200: RepairOrderLineOutSerializer, 409: ErrorSerializer})
    @action(detail=True, methods=["post"], url_path="lines/<int:line_id>/decide")
    def decide(self, request, pk=None, line_id=None):
        order = self._order(pk, Perm.REPAIR_ORDER_EDIT)
        line = get_object_or_404(RepairOrderLine, pk=line_id, repair_order=order)
        incoming = DecideInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        line = services.line_decide(actor=request.user, line=line, **incoming.validated_data)
        return Response(RepairOrderLineOutSerializer(line).data)

    @extend_schema(
        request=TransitionInSerializer,
        responses={200: RepairOrderOutSerializer, 403: ErrorSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        order = self._order(pk)
        incoming = TransitionInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.repair_order_transition(
            repair_order=order, to=incoming.validated_data["to"], actor=request.user,
            note=incoming.validated_data["note"],
        )  # fmt: skip
        return self._out(pk)

    @extend_schema(request=AuthoriseInSerializer, responses={200: RepairOrderOutSerializer, 409: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def authorise(self, request, pk=None):
        order = self._order(pk, Perm.REPAIR_ORDER_EDIT)
        incoming = AuthoriseInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.repair_order_authorise(actor=request.user, order=order, **incoming.validated_data)
        return self._out(pk)
