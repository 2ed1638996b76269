from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from aftercare.core.api.permissions import require
from aftercare.core.permissions import Perm
from aftercare.customers.models import Customer, Vehicle
from aftercare.service.models import RepairOrder

from .. import services
from ..filters import ComplaintFilterSet
from ..models import Complaint, ComplaintStatusChange
from .serializers import (
    CloseInSerializer,
    ComplaintErrorSerializer,
    ComplaintInSerializer,
    ComplaintListSerializer,
    ComplaintOutSerializer,
    ComplaintSubmittedSerializer,
    ComplaintTransitionInSerializer,
    ComplaintUpdateSerializer,
    ResolveInSerializer,
)

_READ = ("list", "retrieve")


class ComplaintViewSet(viewsets.GenericViewSet):
    """Complaints of the user's stores. The front desk records them (and gets
    back only the number and status); the service manager reads and handles
    them. A move the workflow refuses is 409."""

    filterset_class = ComplaintFilterSet

    def get_permissions(self):
        if self.action == "create":
            return [require(Perm.COMPLAINT_CREATE)()]
        if self.action in _READ:
            return [require(Perm.COMPLAINT_VIEW)()]
        return [require(Perm.COMPLAINT_MANAGE)()]

    def get_queryset(self):
        perm = Perm.COMPLAINT_VIEW if self.action in _READ else Perm.COMPLAINT_MANAGE
        return Complaint.objects.for_user(self.request.user, perm).select_related("customer")

    def get_serializer_class(self):
        return ComplaintListSerializer if self.action == "list" else ComplaintOutSerializer

    def _complaint(self, pk) -> Complaint:
        return get_object_or_404(
            self.get_queryset()
            .select_related("store")
            .prefetch_related(Prefetch("status_changes", queryset=ComplaintStatusChange.objects.all())),
            pk=pk,
        )

    def _out(self, pk) -> Response:
        return Response(ComplaintOutSerializer(self._complaint(pk)).data)

    @extend_schema(responses={200: ComplaintListSerializer(many=True)})
    def list(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ComplaintListSerializer(page, many=True).data)

    @extend_schema(responses={200: ComplaintOutSerializer})
    def retrieve(self, request, pk=None):
        return self._out(pk)

    @extend_schema(request=ComplaintInSerializer, responses={201: ComplaintSubmittedSerializer})
    def create(self, request):
        incoming = ComplaintInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        user = request.user
        customer = Customer.objects.for_user(user, Perm.COMPLAINT_CREATE).filter(pk=data["customer"]).first()
        if customer is None:
            raise ValidationError({"customer": ["No such customer in your stores."]})
        store = customer.store
        related = {}
        for name, model in (("vehicle", Vehicle), ("repair_order", RepairOrder)):
            if data.get(name) is not None:
                related[name] = model.objects.filter(store=store, pk=data[name]).first()
                if related[name] is None:
                    raise ValidationError({name: ["Not on file in the customer's store."]})
        if data.get("staff_concerned") is not None:
            related["staff_concerned"] = get_user_model().objects.filter(pk=data["staff_concerned"]).first()
            if related["staff_concerned"] is None:
                raise ValidationError({"staff_concerned": ["No such user."]})
        complaint = services.complaint_create(
            actor=user, store=store, customer=customer, channel=data["channel"],
            complaint_type=data["complaint_type"], priority=data["priority"], is_crisis=data["is_crisis"],
            description=data["description"], customer_words=data["customer_words"],
            received_at=data.get("received_at"), **related,
        )  # fmt: skip
        if user.has_perm(Perm.COMPLAINT_VIEW, complaint):
            return Response(ComplaintOutSerializer(self._complaint_any(complaint.pk)).data, status=201)
        return Response(ComplaintSubmittedSerializer(complaint).data, status=status.HTTP_201_CREATED)

    def _complaint_any(self, pk) -> Complaint:
        return Complaint.objects.select_related("customer", "store").prefetch_related("status_changes").get(pk=pk)

    @extend_schema(request=ComplaintUpdateSerializer, responses={200: ComplaintOutSerializer})
    def partial_update(self, request, pk=None):
        complaint = self._complaint(pk)
        incoming = ComplaintUpdateSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        User = get_user_model()
        for name in ("owner", "staff_concerned"):
            if data.get(name) is not None:
                data[name] = User.objects.filter(pk=data[name]).first()
                if data[name] is None:
                    raise ValidationError({name: ["No such user."]})
        services.complaint_update(actor=request.user, complaint=complaint, data=data)
        return self._out(pk)

    @extend_schema(
        request=ComplaintTransitionInSerializer, responses={200: ComplaintOutSerializer, 409: ComplaintErrorSerializer}
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        complaint = self._complaint(pk)
        incoming = ComplaintTransitionInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.complaint_transition(actor=request.user, complaint=complaint, **incoming.validated_data)
        return self._out(pk)

    @extend_schema(request=ResolveInSerializer, responses={200: ComplaintOutSerializer, 409: ComplaintErrorSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        complaint = self._complaint(pk)
        incoming = ResolveInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.complaint_resolve(actor=request.user, complaint=complaint, **incoming.validated_data)
        return self._out(pk)

    @extend_schema(request=CloseInSerializer, responses={200: ComplaintOutSerializer, 409: ComplaintErrorSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        complaint = self._complaint(pk)
        incoming = CloseInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.complaint_close(actor=request.user, complaint=complaint, **incoming.validated_data)
        return self._out(pk)
