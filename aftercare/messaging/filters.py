import django_filters
from django.utils.translation import gettext_lazy as _

from aftercare.core.forms import StyledForm
from aftercare.core.models import Store

from .choices import Channel, Purpose, State
from .models import Message


class MessageFilterSet(django_filters.FilterSet):
    """One filter set for the store's message log and the messages API."""

    store = django_filters.ModelChoiceFilter(queryset=Store.objects.none(), label=_("Store"))
    purpose = django_filters.ChoiceFilter(choices=Purpose.choices, label=_("Purpose"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    state = django_filters.ChoiceFilter(choices=State.choices, label=_("State"))
    since = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("From"))
    until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = Message
        fields = ["store", "purpose", "channel", "state", "since", "until"]
        form = StyledForm

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        user = user or getattr(self.request, "user", None)
        if user is not None:
            self.filters["store"].queryset = Store.objects.for_user(user)
