import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import User


class UserTable(tables.Table):
    username = tables.LinkColumn("accounts:user_detail", args=[tables.A("pk")], verbose_name=_("Login name"))
    full_name = tables.Column(verbose_name=_("Full name"))
    roles = tables.Column(empty_values=(), orderable=False, verbose_name=_("Roles"))
    is_active = tables.BooleanColumn(verbose_name=_("Active"))
    last_login = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name=_("Last login"))

    class Meta:
        model = User
        fields = ["username", "full_name", "roles", "is_active", "last_login"]
        attrs = {"class": "table table-sm table-hover align-middle"}

    def render_roles(self, record):
        return "、".join(
            f"{m.get_role_display()}（{m.store.name if m.store else m.group.name}）"
            for m in record.memberships.all()
            if m.is_active
        )
