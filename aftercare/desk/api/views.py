"""/api/v1/desk/ (docs/DOMAIN.md §25): rescues, standard answers, major events, recoveries.
Every read starts from for_user(); a move the workflow refuses is 409."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from aftercare.core.api.permissions import require
from aftercare.core.models import Store
from aftercare.core.permissions import Perm
from aftercare.customers.models import Customer

from .. import selectors, services
from ..models import FaqEntry, MajorEvent, RecoveryCase, RescueRequest
from .serializers import (
    EventInSerializer,
    EventOutSerializer,
    FaqInSerializer,
    FaqOutSerializer,
    RecoveryOutSerializer,
    RecoveryStepInSerializer,
    RescueCreatedSerializer,
    RescueDispatchInSerializer,
    RescueFinishInSerializer,
    RescueInSerializer,
    RescueMoveInSerializer,
    RescueOutSerializer,
)

W = Perm.DESK_WORK


def _store(user, pk, perm=W) -> Store:
    if pk not in user.store_ids(perm):
        raise ValidationError({"store": ["Not one of your stores."]})
    return Store.objects.get(pk=pk)


class RescueViewSet(viewsets.GenericViewSet):
    """Rescue requests of the user's stores; `?open=1` lists the open ones oldest first (the board)."""

    serializer_class = RescueOutSerializer

    def get_permissions(self):
        return [require(W)()]

    def get_queryset(self):
        return (
            RescueRequest.objects.for_user(self.request.user, W)
            .select_related("store")
            .prefetch_related("status_changes")
        )

    def _out(self, pk) -> Response:
        return Response(RescueOutSerializer(self._rescue(pk), context={"request": self.request}).data)

    def _rescue(self, pk) -> RescueRequest:
        return get_object_or_404(self.get_queryset(), pk=pk)

    @extend_schema(
        parameters=[OpenApiParameter("open", bool, description="only open rescues, oldest first")],
        responses={200: RescueOutSerializer(many=True)},
    )
    def list(self, request):
        queryset = self.get_queryset()
        if request.query_params.get("open") in ("1", "true"):
            queryset = queryset.open().order_by("received_at", "id")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(RescueOutSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(responses={200: RescueOutSerializer})
    def retrieve(self, request, pk=None):
        return self._out(pk)

    @extend_schema(request=RescueInSerializer, responses={201: RescueCreatedSerializer})
    def create(self, request):
        incoming = RescueInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        store = _store(request.user, data.pop("store"))
        customer = None
        if data.get("customer") is not None:
            customer = Customer.objects.for_user(request.user, W).filter(store=store, pk=data["customer"]).first()
            if customer is None:
                raise ValidationError({"customer": ["No such customer in this store."]})
        data["customer"] = customer
        rescue, token = services.rescue_create(actor=request.user, store=store, channel="phone_line", **data)
        body = {"rescue": RescueOutSerializer(self._rescue(rescue.pk), context={"request": request}).data,
                "status_link": services.status_url(token)}  # fmt: skip
        return Response(body, status=201)

    @extend_schema(request=RescueDispatchInSerializer, responses={200: RescueOutSerializer})
    @action(detail=True, methods=["post"])
    def dispatch_team(self, request, pk=None):
        rescue = self._rescue(pk)
        incoming = RescueDispatchInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        technician = get_user_model().objects.filter(pk=data.pop("technician")).first()
        if technician is None:
            raise ValidationError({"technician": ["No such user."]})
        services.rescue_dispatch(actor=request.user, rescue=rescue, technician=technician, **data)
        return self._out(pk)

    @extend_schema(request=RescueMoveInSerializer, responses={200: RescueOutSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        rescue = self._rescue(pk)
        incoming = RescueMoveInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.rescue_transition(actor=request.user, rescue=rescue, **incoming.validated_data)
        return self._out(pk)

    @extend_schema(request=RescueFinishInSerializer, responses={200: RescueOutSerializer})
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        rescue = self._rescue(pk)
        incoming = RescueFinishInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.rescue_finish(actor=request.user, rescue=rescue, **incoming.validated_data)
        return self._out(pk)


class FaqViewSet(viewsets.GenericViewSet):
    """Standard answers; `?q=` searches them in Chinese (words, pinyin, synonyms)."""

    serializer_class = FaqOutSerializer

    def get_permissions(self):
        if self.action == "create":
            return [require(Perm.FAQ_MANAGE)()]
        return [require(W)()]

    def get_queryset(self):
        return FaqEntry.objects.for_user(self.request.user, W)

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="words, a phrase, pinyin or a synonym")],
        responses={200: FaqOutSerializer(many=True)},
    )
    def list(self, request):
        query = (request.query_params.get("q") or "").strip()[:100]
        if query:
            store_ids = request.user.store_ids(W)
            results = selectors.faq_search(entries=self.get_queryset(), store_ids=store_ids, query=query)
            for store_id in store_ids[:1]:
                services.faq_search_log(store_id=store_id, query=query, found=len(results.entries), public=False)
            return Response({"count": len(results.entries), "next": None, "previous": None,
                             "results": FaqOutSerializer(results.entries, many=True).data})  # fmt: skip
        page = self.paginate_queryset(self.get_queryset().order_by("id"))
        return self.get_paginated_response(FaqOutSerializer(page, many=True).data)

    @extend_schema(responses={200: FaqOutSerializer})
    def retrieve(self, request, pk=None):
        entry = get_object_or_404(self.get_queryset(), pk=pk)
        services.faq_used(entry)
        return Response(FaqOutSerializer(entry).data)

    @extend_schema(request=FaqInSerializer, responses={201: FaqOutSerializer})
    def create(self, request):
        incoming = FaqInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        store = _store(request.user, data.pop("store"), Perm.FAQ_MANAGE)
        entry = services.faq_save(actor=request.user, store=store, **data)
        return Response(FaqOutSerializer(entry).data, status=201)


class EventViewSet(viewsets.GenericViewSet):
    """Major events of key customers (the alert goes to the advisor, the VIC specialist and the manager)."""

    serializer_class = EventOutSerializer

    def get_permissions(self):
        return [require(W)()]

    def get_queryset(self):
        return MajorEvent.objects.for_user(self.request.user, W).prefetch_related("notices")

    @extend_schema(responses={200: EventOutSerializer(many=True)})
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(EventOutSerializer(page, many=True).data)

    @extend_schema(responses={200: EventOutSerializer})
    def retrieve(self, request, pk=None):
        return Response(EventOutSerializer(get_object_or_404(self.get_queryset(), pk=pk)).data)

    @extend_schema(request=EventInSerializer, responses={201: EventOutSerializer})
    def create(self, request):
        incoming = EventInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        customer = Customer.objects.for_user(request.user, W).filter(pk=data.pop("customer")).first()
        if customer is None:
            raise ValidationError({"customer": ["No such customer in your stores."]})
        event = services.event_record(actor=request.user, customer=customer, **data)
        return Response(EventOutSerializer(self.get_queryset().get(pk=event.pk)).data, status=201)


class RecoveryViewSet(viewsets.GenericViewSet):
    """Lost customers being won back in seven steps; `step` records the next one."""

    serializer_class = RecoveryOutSerializer

    def get_permissions(self):
        return [require(W)()]

    def get_queryset(self):
        return RecoveryCase.objects.for_user(self.request.user, W).prefetch_related("steps").select_related("store")

    def _out(self, pk):
        case = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(RecoveryOutSerializer(case, context={"request": self.request}).data)

    @extend_schema(responses={200: RecoveryOutSerializer(many=True)})
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RecoveryOutSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(responses={200: RecoveryOutSerializer})
    def retrieve(self, request, pk=None):
        return self._out(pk)

    @extend_schema(request=RecoveryStepInSerializer, responses={200: RecoveryOutSerializer})
    @action(detail=True, methods=["post"])
    def step(self, request, pk=None):
        case = get_object_or_404(self.get_queryset(), pk=pk)
        incoming = RecoveryStepInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.recovery_step(actor=request.user, case=case, **incoming.validated_data)
        return self._out(pk)
