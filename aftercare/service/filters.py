import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.accounts.models import User
from aftercare.accounts.roles import Role
from aftercare.accounts.selectors import staff_with_role
from aftercare.core.bounds import ID_BOUNDS
from aftercare.core.forms import StyledForm
from aftercare.core.permissions import Perm

from .choices import OPEN_STATUSES, Status
from .models import RepairOrder


class RepairOrderFilterSet(django_filters.FilterSet):
    """One filter set for the repair order list page and the API list."""

    q = django_filters.CharFilter(method="filter_q", label=_("RO number or plate"))
    status = django_filters.ChoiceFilter(choices=[("open", _("All open")), *Status.choices], method="filter_status",
                                         label=_("Status"))  # fmt: skip
    advisor = django_filters.ModelChoiceFilter(queryset=User.objects.none(), label=_("Service advisor"))
    vehicle = django_filters.NumberFilter(field_name="vehicle_id", **ID_BOUNDS, widget=forms.HiddenInput)
    customer = django_filters.NumberFilter(field_name="customer_id", **ID_BOUNDS, widget=forms.HiddenInput)
    since = django_filters.DateFilter(field_name="opened_at", lookup_expr="date__gte", label=_("From"))
    until = django_filters.DateFilter(field_name="opened_at", lookup_expr="date__lte", label=_("To"))

    # Links from the home page's cards: past the promised time, and waiting for the
    # customer's decision on additional work.
    late = django_filters.BooleanFilter(method="filter_late", widget=forms.HiddenInput)
    extra = django_filters.BooleanFilter(method="filter_extra", widget=forms.HiddenInput)

    class Meta:
        model = RepairOrder
        fields = ["q", "status", "advisor", "since", "until", "vehicle", "customer", "late", "extra"]
        form = StyledForm

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        user = user or getattr(self.request, "user", None)
        if user is not None:
            self.filters["advisor"].queryset = staff_with_role(Role.ADVISOR, user.store_ids(Perm.REPAIR_ORDER_VIEW))

    def filter_q(self, queryset, name, value):
        value = value.strip().upper()
        if not value:
            return queryset
        return queryset.filter(Q(number__endswith=value) | Q(number=value) | Q(vehicle__plate__contains=value))

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.filter(status=value)

    def filter_late(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.late(timezone.now())

    def filter_extra(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.awaiting_decision()
