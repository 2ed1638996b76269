"""The saved segment's filter (docs/DOMAIN.md §11.6): one FilterSet serves the segment
page, its count, its export, the API and the campaigns that target it. Conditions on
vehicles and consent are EXISTS/subqueries, so a customer is counted once without DISTINCT."""

import json
from datetime import timedelta

import django_filters
from dateutil.relativedelta import relativedelta
from django.db import connections
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.core.forms import StyledForm
from aftercare.customers.choices import ABCClass, ConsentPurpose, Powertrain, Preference
from aftercare.customers.models import Consent, Customer, Vehicle
from aftercare.ev.choices import Controller
from aftercare.ev.models import version_key

from .choices import Stage, Tier

MARKETING_PURPOSES = [
    (p.value, p.label) for p in ConsentPurpose if p.value.startswith("marketing_")
]  # the consents a campaign may ask for


def _json_member(queryset, field: str, value: str):
    if connections[queryset.db].features.supports_json_field_contains:
        return queryset.filter(**{f"{field}__contains": [value]})
    # SQLite has no JSON containment: match the value as a whole JSON string in the stored list.
    return queryset.filter(**{f"{field}__icontains": json.dumps(value)})


class SegmentFilterSet(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(
        label=_("Lifecycle stage"), field_name="crm_profile__stage", choices=Stage.choices[1:]
    )
    tier = django_filters.ChoiceFilter(label=_("Value tier"), field_name="crm_profile__tier", choices=Tier.choices)
    abc_class = django_filters.ChoiceFilter(label=_("ABC class"), choices=ABCClass.choices)
    model = django_filters.CharFilter(label=_("Vehicle model"), method="filter_model")
    powertrain = django_filters.ChoiceFilter(label=_("Powertrain"), choices=Powertrain.choices, method="filter_pt")
    age_min = django_filters.NumberFilter(label=_("Vehicle age from (years)"), method="filter_age_min", min_value=0)
    age_max = django_filters.NumberFilter(label=_("Vehicle age up to (years)"), method="filter_age_max", min_value=0)
    preference = django_filters.ChoiceFilter(label=_("Preference"), choices=Preference.choices, method="filter_pref")
    tag = django_filters.CharFilter(label=_("Tag"), method="filter_tag", max_length=30)
    visited_within = django_filters.NumberFilter(
        label=_("Visited within (days)"), method="filter_visited_within", min_value=1
    )
    absent_for = django_filters.NumberFilter(label=_("No visit for (days)"), method="filter_absent_for", min_value=1)
    spend_min = django_filters.NumberFilter(label=_("Spend from"), field_name="crm_profile__spend", lookup_expr="gte")
    spend_max = django_filters.NumberFilter(label=_("Spend up to"), field_name="crm_profile__spend", lookup_expr="lte")
    consent = django_filters.ChoiceFilter(label=_("Consents to"), choices=MARKETING_PURPOSES, method="filter_consent")
    # Electric vehicles (docs/DOMAIN.md §17.3, §17.4): the nightly battery forecast, and a controller's
    # current software below a version (an OTA or in-store update campaign).
    battery_within = django_filters.NumberFilter(
        label=_("Battery service forecast within (months)"), method="filter_battery", min_value=1, max_value=60
    )
    software_controller = django_filters.ChoiceFilter(
        label=_("Controller"), choices=Controller.choices, method="filter_noop"
    )
    software_below = django_filters.CharFilter(
        label=_("Software below version"), method="filter_software_below", max_length=40
    )

    class Meta:
        model = Customer
        fields: list[str] = []
        form = StyledForm

    def _vehicles(self, queryset, **conditions):
        rows = Vehicle.objects.filter(owner=OuterRef("pk"), is_active=True, **conditions)
        return queryset.filter(Exists(rows))

    def filter_model(self, queryset, name, value):
        return self._vehicles(queryset, model__icontains=value.strip()) if value.strip() else queryset

    def filter_pt(self, queryset, name, value):
        return self._vehicles(queryset, powertrain=value)

    def filter_age_min(self, queryset, name, value):
        return self._vehicles(queryset, purchase_date__lte=timezone.localdate() - relativedelta(years=int(value)))

    def filter_age_max(self, queryset, name, value):
        return self._vehicles(queryset, purchase_date__gt=timezone.localdate() - relativedelta(years=int(value) + 1))

    def filter_pref(self, queryset, name, value):
        return _json_member(queryset, "preferences", value)

    def filter_tag(self, queryset, name, value):
        return _json_member(queryset, "tags", value.strip()) if value.strip() else queryset

    def filter_visited_within(self, queryset, name, value):
        return queryset.filter(last_visit_at__gte=timezone.now() - timedelta(days=int(value)))

    def filter_absent_for(self, queryset, name, value):
        return queryset.filter(last_visit_at__lt=timezone.now() - timedelta(days=int(value)))

    def filter_consent(self, queryset, name, value):
        latest = Consent.objects.filter(customer=OuterRef("pk"), purpose=value).order_by("-recorded_at", "-id")
        return queryset.alias(_granted=Subquery(latest.values("granted")[:1])).filter(_granted=True)

    def filter_battery(self, queryset, name, value):
        until = timezone.localdate() + relativedelta(months=int(value))
        return self._vehicles(queryset, battery_forecast__service_on__lte=until)

    def filter_noop(self, queryset, name, value):
        return queryset  # read by filter_software_below

    def filter_software_below(self, queryset, name, value):
        controller = self.form.cleaned_data.get("software_controller")
        if not value.strip() or not controller:
            return queryset
        return self._vehicles(queryset, software_versions__controller=controller,
                              software_versions__is_current=True,
                              software_versions__version_key__lt=version_key(value))  # fmt: skip


def segment_filter(segment, data=None) -> SegmentFilterSet:
    """The filter of `segment` (or of `data`, a form being built) over its store's active customers."""
    base = Customer.objects.filter(store_id=segment.store_id, merged_into__isnull=True)
    return SegmentFilterSet(segment.filters if data is None else data, queryset=base)


def segment_members(segment):
    """The live members of a saved segment (an invalid saved filter matches nobody)."""
    flt = segment_filter(segment)
    return flt.qs if flt.is_valid() else Customer.objects.none()


def clean_filters(data) -> dict:
    """The non-empty filter values of a submitted form, as saved in Segment.filters."""
    names = SegmentFilterSet.base_filters.keys()
    return {k: data.get(k) for k in names if data.get(k) not in (None, "")}
