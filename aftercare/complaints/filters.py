import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.core.bounds import ID_BOUNDS
from aftercare.core.forms import AnyYesNoSelect, StyledForm

from .choices import OPEN_STATUSES, Channel, ComplaintType, Priority, Status
from .models import Complaint


class ComplaintFilterSet(django_filters.FilterSet):
    """One filter set for the complaint list, the customer opinions report and the API list."""

    q = django_filters.CharFilter(method="filter_q", label=_("Number, customer or plate"))
    status = django_filters.ChoiceFilter(choices=[("open", _("All open")), *Status.choices], method="filter_status",
                                         label=_("Status"))  # fmt: skip
    channel = django_filters.ChoiceFilter(
        choices=Channel.choices, label=pgettext_lazy("complaint or survey", "Channel")
    )
    complaint_type = django_filters.ChoiceFilter(choices=ComplaintType.choices, label=_("Type"))
    priority = django_filters.ChoiceFilter(choices=Priority.choices, label=_("Priority"))
    is_crisis = django_filters.BooleanFilter(label=_("Crisis"), widget=AnyYesNoSelect)
    breached = django_filters.BooleanFilter(method="filter_breached", label=_("Deadline missed"),
                                            widget=AnyYesNoSelect)  # fmt: skip
    since = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__gte", label=_("From"),
    )  # fmt: skip
    until = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__lte", label=_("To"),
    )  # fmt: skip
    customer = django_filters.NumberFilter(field_name="customer_id", **ID_BOUNDS, widget=forms.HiddenInput)

    class Meta:
        model = Complaint
        fields = ["q", "status", "channel", "complaint_type", "priority", "is_crisis", "breached", "since", "until",
                  "customer"]  # fmt: skip
        form = StyledForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__iexact=value) | Q(number__endswith=value.upper()) | Q(customer__name__startswith=value)
            | Q(vehicle__plate__contains=value.upper())
        )  # fmt: skip

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.filter(status=value)

    def filter_breached(self, queryset, name, value):
        late = Q(contact_breached=True) | Q(answer_breached=True) | Q(inform_breached=True)
        return queryset.filter(late) if value else queryset.exclude(late)
