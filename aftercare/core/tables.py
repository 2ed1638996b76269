import django_tables2 as tables
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry


class AuditEntryTable(tables.Table):
    created_at = tables.DateTimeColumn(format="Y-m-d H:i:s", verbose_name=_("Time"))
    actor_name = tables.Column(verbose_name=_("User"))
    store = tables.Column(verbose_name=_("Store"))
    action = tables.Column(verbose_name=_("Action"))
    object_repr = tables.Column(verbose_name=_("Object"))
    changes = tables.Column(verbose_name=_("Changes"), orderable=False)
    reason = tables.Column(verbose_name=_("Reason"))

    class Meta:
        model = AuditEntry
        fields = ["created_at", "actor_name", "store", "action", "object_repr", "changes", "reason"]
        attrs = {"class": "table table-sm table-hover align-middle small"}
        orderable = False

    def render_object_repr(self, record, value):
        return f"{record.object_type} #{record.object_id} {value}".strip() if record.object_type else value

    def render_changes(self, value):
        return format_html_join("", "<div><code>{}</code>: {} → {}</div>", ((k, v[0], v[1]) for k, v in value.items()))
