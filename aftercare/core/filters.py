import django_filters
from django.utils.translation import gettext_lazy as _

from .forms import StyledForm
from .models import AuditEntry, DeletedDocument, Store


class AuditEntryFilterSet(django_filters.FilterSet):
    """One filter set for the audit page and the audit API."""

    store = django_filters.ModelChoiceFilter(queryset=Store.objects.none(), label=_("Store"))
    action = django_filters.ChoiceFilter(choices=AuditEntry.Action.choices, label=_("Action"))
    actor_name = django_filters.CharFilter(lookup_expr="iexact", label=_("User"))
    object_type = django_filters.CharFilter(label=_("Object type"))
    object_id = django_filters.CharFilter(label=_("Object id"))
    since = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=_("From"),
    )
    until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = AuditEntry
        fields = ["store", "action", "actor_name", "object_type", "object_id", "since", "until"]
        form = StyledForm

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        user = user or getattr(self.request, "user", None)
        if user is not None:
            self.filters["store"].queryset = Store.objects.for_user(user)


class DeletedDocumentFilterSet(django_filters.FilterSet):
    """The deletion log's filters (page and API): store, document type, who, when."""

    store = django_filters.ModelChoiceFilter(queryset=Store.objects.none(), label=_("Store"))
    kind = django_filters.ChoiceFilter(choices=(), label=_("Document type"))
    deleted_by_name = django_filters.CharFilter(lookup_expr="iexact", label=_("User"))
    number = django_filters.CharFilter(lookup_expr="icontains", label=_("Document"))
    since = django_filters.DateFilter(field_name="deleted_at", lookup_expr="date__gte", label=_("From"))
    until = django_filters.DateFilter(field_name="deleted_at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = DeletedDocument
        fields = ["store", "kind", "deleted_by_name", "number", "since", "until"]
        form = StyledForm

    def __init__(self, *args, user=None, **kwargs):
        from .services import deletables

        super().__init__(*args, **kwargs)
        self.filters["kind"].extra["choices"] = [(entry.model._meta.label_lower, entry.label) for entry in deletables()]
        user = user or getattr(self.request, "user", None)
        if user is not None:
            self.filters["store"].queryset = Store.objects.for_user(user, "deletion_log.view")
