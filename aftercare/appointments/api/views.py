from datetime import time, timedelta

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from aftercare.accounts.models import User
from aftercare.catalog.models import Bay, RepairType, Van
from aftercare.core.api.permissions import only_store_id, require
from aftercare.core.dates import iso_day
from aftercare.core.models import Store
from aftercare.core.permissions import Perm
from aftercare.customers.models import Vehicle

from .. import selectors, services
from ..models import Appointment
from .serializers import (
    AppointmentChangeSerializer,
    AppointmentInSerializer,
    AppointmentOutSerializer,
    CancelSerializer,
    ConvertInSerializer,
    SlotQuerySerializer,
    SlotSerializer,
)


def _resolve(store: Store, data: dict) -> dict:
    """Ids of the request as objects of `store`; an id of another store is a field error."""
    resolved = {}
    if "operations" in data:
        resolved["operations"] = services.store_operations(store, data["operations"])
    if data.get("repair_type") is not None:
        resolved["repair_type"] = RepairType.objects.effective_for_store(store).filter(pk=data["repair_type"]).first()
        if resolved["repair_type"] is None:
            raise ValidationError({"repair_type": ["Unknown repair type."]})
    if "bay" in data:
        resolved["bay"] = None
        if data["bay"] is not None:
            resolved["bay"] = Bay.objects.filter(store=store, pk=data["bay"]).first()
            if resolved["bay"] is None:
                raise ValidationError({"bay": ["Unknown bay."]})
    if "technician" in data:
        resolved["technician"] = None
        if data["technician"] is not None:
            resolved["technician"] = User.objects.filter(pk=data["technician"], is_active=True).first()
            if resolved["technician"] is None:
                raise ValidationError({"technician": ["Unknown technician."]})
    if "van" in data:
        resolved["van"] = None
        if data["van"] is not None:
            resolved["van"] = Van.objects.filter(store=store, pk=data["van"]).first()
            if resolved["van"] is None:
                raise ValidationError({"van": ["Unknown van."]})
    for name in ("start_at", "channel", "complaint", "bring_reminder", "site_address", "travel_minutes"):
        if name in data:
            resolved[name] = data[name]
    return resolved


class AppointmentViewSet(viewsets.GenericViewSet):
    """Appointments of the user's stores (预约, docs/DOMAIN.md §5). Writes go through the
    booking services: a time that is taken or outside the opening hours is a
    400 with field errors; a status move the workflow refuses is a 409."""

    serializer_class = AppointmentOutSerializer

    def get_permissions(self):
        perm = Perm.REPAIR_ORDER_VIEW if self.action in ("list", "retrieve") else Perm.APPOINTMENT_EDIT
        return [require(perm)()]

    def get_queryset(self):
        perm = Perm.REPAIR_ORDER_VIEW if self.action in ("list", "retrieve") else Perm.APPOINTMENT_EDIT
        return (
            Appointment.objects.for_user(self.request.user, perm)
            .select_related("customer", "vehicle")
            .prefetch_related("operations__operation")
            .order_by("-id")
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("date_from", str, description="YYYY-MM-DD"),
            OpenApiParameter("date_to", str, description="YYYY-MM-DD"),
            OpenApiParameter("status", str),
        ]
    )
    def list(self, request):
        queryset = self.get_queryset()
        params = request.query_params
        try:
            if params.get("date_from"):
                day = iso_day(params["date_from"])
                queryset = queryset.filter(start_at__gte=selectors.local_datetime(day, time.min))
            if params.get("date_to"):
                day = iso_day(params["date_to"]) + timedelta(days=1)
                queryset = queryset.filter(start_at__lt=selectors.local_datetime(day, time.min))
        except ValueError:
            raise ValidationError({"date_from": [_("Use a date YYYY-MM-DD between 1900 and 2100.")]}) from None
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(AppointmentOutSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(AppointmentOutSerializer(get_object_or_404(self.get_queryset(), pk=pk)).data)

    @extend_schema(request=AppointmentInSerializer, responses={201: AppointmentOutSerializer})
    def create(self, request):
        incoming = AppointmentInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        vehicle = (
            Vehicle.objects.for_user(request.user, Perm.APPOINTMENT_EDIT)
            .select_related("owner", "store")
            .filter(pk=data.pop("vehicle"))
            .first()
        )
        if vehicle is None:
            raise ValidationError({"vehicle": ["Unknown vehicle."]})
        appointment = services.appointment_book(
            actor=request.user, store=vehicle.store, vehicle=vehicle, **_resolve(vehicle.store, data)
        )
        return Response(AppointmentOutSerializer(self._fresh(appointment)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AppointmentChangeSerializer, responses=AppointmentOutSerializer)
    def partial_update(self, request, pk=None):
        appointment = get_object_or_404(self.get_queryset().select_related("store"), pk=pk)
        incoming = AppointmentChangeSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        changes = _resolve(appointment.store, dict(incoming.validated_data))
        appointment = services.appointment_change(actor=request.user, appointment=appointment, **changes)
        return Response(AppointmentOutSerializer(self._fresh(appointment)).data)

    @extend_schema(request=CancelSerializer, responses=AppointmentOutSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        appointment = get_object_or_404(self.get_queryset().select_related("store"), pk=pk)
        incoming = CancelSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        appointment = services.appointment_cancel(
            actor=request.user, appointment=appointment, reason=incoming.validated_data["reason"]
        )
        return Response(AppointmentOutSerializer(self._fresh(appointment)).data)

    @extend_schema(
        request=ConvertInSerializer,
        responses={201: inline_serializer("ConvertOut", {"repair_order": serializers.IntegerField()})},
    )
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        """The customer has arrived: open the repair order with the booked work."""
        appointment = get_object_or_404(self.get_queryset().select_related("store"), pk=pk)
        incoming = ConvertInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        order = services.appointment_convert(
            actor=request.user, appointment=appointment, odometer_km=data["odometer_km"],
            odometer_correction_reason=data["odometer_correction_reason"],
        )  # fmt: skip
        return Response({"repair_order": order.pk}, status=201)

    @extend_schema(
        parameters=[
            OpenApiParameter("date", str, required=True, description="YYYY-MM-DD"),
            OpenApiParameter("operations", str, description="operation ids, comma-separated"),
            OpenApiParameter("store", int, description="needed only by staff of several stores"),
        ],
        responses=SlotSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def slots(self, request):
        """The feasible start times of the work on a day, each with the bays and
        technicians free for all of it."""
        query = SlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        store_ids = request.user.store_ids(Perm.APPOINTMENT_EDIT)
        store_id = query.validated_data.get("store")
        if store_id is None:
            store_id = only_store_id(store_ids)
        store = get_object_or_404(Store.objects.filter(pk__in=store_ids), pk=store_id)
        operations = services.store_operations(store, query.validated_data["operations"])
        found = selectors.free_slots(
            store=store, day=query.validated_data["date"], operations=operations, now=timezone.now()
        )
        return Response(SlotSerializer(found, many=True).data)

    def _fresh(self, appointment: Appointment) -> Appointment:
        return (
            Appointment.objects.select_related("customer", "vehicle")
            .prefetch_related("operations__operation")
            .get(pk=appointment.pk)
        )
