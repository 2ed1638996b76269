import json

import django_filters
from django.db import connections
from django.utils.translation import gettext_lazy as _

from aftercare.core.forms import StyledForm

from .choices import ABCClass, CustomerKind, CustomerSource
from .models import Customer


class CustomerFilterSet(django_filters.FilterSet):
    """Filters for the customer list and the API list. Free-text search is the
    search box's job (search.search); these are the structured filters."""

    number = django_filters.CharFilter(label=_("Customer number"), lookup_expr="iexact")
    kind = django_filters.ChoiceFilter(label=_("Type"), choices=CustomerKind.choices)
    abc_class = django_filters.ChoiceFilter(label=_("ABC class"), choices=ABCClass.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=CustomerSource.choices)
    tag = django_filters.CharFilter(label=_("Tag"), method="filter_tag")

    class Meta:
        model = Customer
        fields = ["number", "kind", "abc_class", "source", "tag"]
        form = StyledForm

    def filter_tag(self, queryset, name, value):
        if not value:
            return queryset
        if connections[queryset.db].features.supports_json_field_contains:
            return queryset.filter(tags__contains=[value])
        # SQLite has no JSON containment: match the tag as a whole JSON string in the stored list.
        return queryset.filter(tags__icontains=json.dumps(value))
