import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from aftercare.core.masking import mask_phone

from .models import Customer


class CustomerTable(tables.Table):
    number = tables.LinkColumn("customers:customer_detail", args=[tables.A("pk")], verbose_name=_("Customer number"))
    name = tables.LinkColumn("customers:customer_detail", args=[tables.A("pk")], verbose_name=_("Name"))
    mobile = tables.Column(verbose_name=_("Mobile"))
    kind = tables.Column(verbose_name=_("Type"))
    abc_class = tables.Column(verbose_name=_("ABC class"))
    assigned_advisor = tables.Column(verbose_name=_("Assigned advisor"))
    last_visit_at = tables.DateTimeColumn(format="Y-m-d", verbose_name=_("Last visit"))

    class Meta:
        model = Customer
        fields = ["number", "name", "mobile", "kind", "abc_class", "assigned_advisor", "last_visit_at"]
        attrs = {"class": "table table-sm table-hover align-middle"}
        orderable = False

    def __init__(self, *args, reveal_store_ids=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.reveal_store_ids = reveal_store_ids

    def render_mobile(self, record, value):
        # Lists mask numbers for roles without "see full contact" in that store.
        return value if record.store_id in self.reveal_store_ids else mask_phone(value)
