"""The catalogue API: list/read for staff who read the catalogue, create and
change for catalogue managers. No DELETE: entries are deactivated (PATCH is_active)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftercare.core.models import DealerGroup, Store

from .. import filters, models, services
from . import serializers
from .permissions import CatalogAccess


class CatalogViewSet(viewsets.ModelViewSet):
    """Base: for_user() scoping, writes through the catalogue services."""

    model: type = models.CatalogItem
    select_related: tuple[str, ...] = ("store",)
    permission_classes = [CatalogAccess]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        queryset = self.model.objects.for_user(self.request.user, services.READ_PERMS)
        return queryset.select_related(*self.select_related)

    def _split_scope(self, data: dict) -> tuple[dict, Store | None, object]:
        store, group = data.pop("store", None), data.pop("group", None)
        if store is None and group is None:
            groups = services.manageable_groups(self.request.user)
            if len(groups) != 1:
                raise ValidationError({"group": _("Give a store, or the group for a group default.")})
            group = DealerGroup.objects.get(pk=next(iter(groups)))
        return data, store, group

    def perform_create(self, serializer):
        data, store, group = self._split_scope(dict(serializer.validated_data))
        serializer.instance = services.catalog_item_create(
            actor=self.request.user, model=self.model, data=data, store=store, group=group
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.catalog_item_update(
            actor=self.request.user, instance=serializer.instance, data=data
        )


class RepairTypeViewSet(CatalogViewSet):
    model = models.RepairType
    serializer_class = serializers.RepairTypeSerializer
    filterset_class = filters.RepairTypeFilterSet


class LabourRateViewSet(CatalogViewSet):
    model = models.LabourRate
    select_related = ("store", "repair_type")
    serializer_class = serializers.LabourRateSerializer
    filterset_class = filters.LabourRateFilterSet


class OperationCategoryViewSet(CatalogViewSet):
    model = models.OperationCategory
    serializer_class = serializers.OperationCategorySerializer
    filterset_class = filters.OperationCategoryFilterSet


class LabourOperationViewSet(CatalogViewSet):
    model = models.LabourOperation
    serializer_class = serializers.LabourOperationSerializer
    filterset_class = filters.LabourOperationFilterSet


class PartViewSet(CatalogViewSet):
    model = models.Part
    serializer_class = serializers.PartSerializer
    filterset_class = filters.PartFilterSet


class PackageJobViewSet(CatalogViewSet):
    """Package jobs with their lines; `lines` on create/update replaces them all."""

    model = models.PackageJob
    serializer_class = serializers.PackageJobSerializer
    filterset_class = filters.PackageJobFilterSet

    def get_queryset(self):
        return super().get_queryset().prefetch_related("lines")

    def _save_lines(self, package, lines):
        if lines is not None:
            services.package_job_lines_set(actor=self.request.user, package=package, lines=[dict(x) for x in lines])

    def perform_create(self, serializer):
        lines = serializer.validated_data.pop("lines", None)
        with transaction.atomic():
            super().perform_create(serializer)
            self._save_lines(serializer.instance, lines)

    def perform_update(self, serializer):
        lines = serializer.validated_data.pop("lines", None)
        with transaction.atomic():
            super().perform_update(serializer)
            self._save_lines(serializer.instance, lines)
        # Drop the prefetched lines so the response shows the new ones.
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    @extend_schema(
        parameters=[OpenApiParameter("store", int, description="Price for this store (default: one of yours).")],
        responses=serializers.PackagePriceSerializer,
    )
    @action(detail=True, methods=["get"])
    def price(self, request, pk=None):
        """The package's lines priced for a store: its operations, parts and labour rate."""
        package = self.get_object()
        stores = Store.objects.for_user(request.user).filter(group_id=package.group_id)
        if package.store_id is not None:
            stores = stores.filter(pk=package.store_id)
        store_id = request.query_params.get("store")
        store = get_object_or_404(stores, pk=store_id) if store_id else get_object_or_404(stores.order_by("pk")[:1])
        lines = package.expand(store)
        data = {"store": store.pk, "lines": [line.as_dict() for line in lines], "total": package.total(lines)}
        return Response(serializers.PackagePriceSerializer(data).data)


class OtherChargeViewSet(CatalogViewSet):
    model = models.OtherCharge
    serializer_class = serializers.OtherChargeSerializer
    filterset_class = filters.OtherChargeFilterSet


class BayViewSet(CatalogViewSet):
    """Bays of the user's stores (a bay belongs to one store only)."""

    model = models.Bay
    serializer_class = serializers.BaySerializer
    filterset_class = filters.BayFilterSet

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        store = data.pop("store")
        serializer.instance = services.catalog_item_create(
            actor=self.request.user, model=models.Bay, data=data, store=store
        )


class InspectionItemViewSet(CatalogViewSet):
    model = models.InspectionItem
    serializer_class = serializers.InspectionItemSerializer
    filterset_class = filters.InspectionItemFilterSet


class SurveyQuestionViewSet(CatalogViewSet):
    model = models.SurveyQuestion
    serializer_class = serializers.SurveyQuestionSerializer
    filterset_class = filters.SurveyQuestionFilterSet


class DiscountLevelViewSet(CatalogViewSet):
    model = models.DiscountLevel
    serializer_class = serializers.DiscountLevelSerializer
    filterset_class = filters.DiscountLevelFilterSet
