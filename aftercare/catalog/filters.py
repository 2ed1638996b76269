"""One filter set per kind, shared by the list page and the API list."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftercare.core.forms import AnyYesNoSelect, StyledForm

from . import models
from .choices import AnswerType, BillsTo, InspectionArea, SurveyDimension


class SearchFilterSet(django_filters.FilterSet):
    """`q` searches the code and the name (case-insensitive, anywhere in them)."""

    q = django_filters.CharFilter(method="search", label=_("Search code or name"))
    is_active = django_filters.BooleanFilter(label=_("Active"), widget=AnyYesNoSelect)

    search_fields: tuple[str, ...] = ("code", "name")

    class Meta:
        form = StyledForm
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


class LEVEL:
    GROUP = "group"
    STORE = "store"
    CHOICES = [(GROUP, _("Group defaults")), (STORE, _("Store entries"))]


class CatalogFilterSet(SearchFilterSet):
    level = django_filters.ChoiceFilter(choices=LEVEL.CHOICES, method="filter_level", label=_("Level"))

    def filter_level(self, queryset, name, value):
        return queryset.filter(store__isnull=value == LEVEL.GROUP)


class RepairTypeFilterSet(CatalogFilterSet):
    bills_to = django_filters.ChoiceFilter(choices=BillsTo.choices, label=_("Bills to"))

    class Meta(CatalogFilterSet.Meta):
        model = models.RepairType


class LabourRateFilterSet(CatalogFilterSet):
    search_fields = ("repair_type__code", "repair_type__name")

    class Meta(CatalogFilterSet.Meta):
        model = models.LabourRate


class OperationCategoryFilterSet(CatalogFilterSet):
    class Meta(CatalogFilterSet.Meta):
        model = models.OperationCategory


class LabourOperationFilterSet(CatalogFilterSet):
    high_voltage = django_filters.BooleanFilter(label=_("High-voltage work"), widget=AnyYesNoSelect)

    class Meta(CatalogFilterSet.Meta):
        model = models.LabourOperation


class PartFilterSet(CatalogFilterSet):
    search_fields = ("part_no", "name", "brand")
    is_oem = django_filters.BooleanFilter(label=_("OEM part"), widget=AnyYesNoSelect)

    class Meta(CatalogFilterSet.Meta):
        model = models.Part


class PackageJobFilterSet(CatalogFilterSet):
    class Meta(CatalogFilterSet.Meta):
        model = models.PackageJob


class OtherChargeFilterSet(CatalogFilterSet):
    class Meta(CatalogFilterSet.Meta):
        model = models.OtherCharge


class BayFilterSet(SearchFilterSet):
    class Meta(SearchFilterSet.Meta):
        model = models.Bay


class InspectionItemFilterSet(CatalogFilterSet):
    area = django_filters.ChoiceFilter(choices=InspectionArea.choices, label=_("Area"))

    class Meta(CatalogFilterSet.Meta):
        model = models.InspectionItem


class SurveyQuestionFilterSet(CatalogFilterSet):
    search_fields = ("code", "text")
    dimension = django_filters.ChoiceFilter(choices=SurveyDimension.choices, label=_("Dimension"))
    answer_type = django_filters.ChoiceFilter(choices=AnswerType.choices, label=_("Answer type"))

    class Meta(CatalogFilterSet.Meta):
        model = models.SurveyQuestion


class DiscountLevelFilterSet(CatalogFilterSet):
    class Meta(CatalogFilterSet.Meta):
        model = models.DiscountLevel
