import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from aftercare.core.bounds import ID_BOUNDS
from aftercare.core.forms import AnyYesNoSelect, StyledForm

from .choices import Kind, TaskStatus
from .models import FollowUpTask


def _assignee_valid(value: str) -> None:
    if value and value != "me" and not value.isdigit():
        raise forms.ValidationError("Use 'me' or a user id.")


class FollowUpTaskFilterSet(django_filters.FilterSet):
    """One filter set for the work queue page and the follow-ups API list."""

    assignee = django_filters.CharFilter(
        label=_("Assignee"), method="filter_assignee", validators=[_assignee_valid], help_text="me, or a user id"
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=TaskStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Kind.choices)
    due_before = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lt", label=_("Due before"))
    due_after = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="gte", label=_("Due from"))
    customer = django_filters.NumberFilter(field_name="customer_id", **ID_BOUNDS, label=_("Customer"))
    repair_order = django_filters.NumberFilter(field_name="repair_order_id", **ID_BOUNDS, label=_("Repair order"))

    escalated = django_filters.BooleanFilter(
        label=_("Escalated"), field_name="escalated_at", lookup_expr="isnull", exclude=True, widget=AnyYesNoSelect
    )

    class Meta:
        model = FollowUpTask
        fields = ["assignee", "status", "kind", "due_before", "due_after", "customer", "repair_order", "escalated"]
        form = StyledForm

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user or getattr(self.request, "user", None)

    def filter_assignee(self, queryset, name, value):
        if not value:
            return queryset
        if value == "me":
            return queryset.filter(owner=self.user)
        return queryset.filter(owner_id=int(value))
