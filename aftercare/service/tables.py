import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from .models import RepairOrder


class RepairOrderTable(tables.Table):
    number = tables.Column(verbose_name=_("RO number"))
    opened_at = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name=_("Opened"))
    status = tables.Column(verbose_name=_("Status"))
    vehicle = tables.Column(verbose_name=_("Vehicle"), accessor="vehicle__plate")
    customer = tables.Column(verbose_name=_("Customer"), accessor="customer__name")
    advisor = tables.Column(verbose_name=_("Service advisor"))
    promised_at = tables.DateTimeColumn(format="m-d H:i", verbose_name=_("Promised"))
    total = tables.Column(verbose_name=_("Total"), attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})

    class Meta:
        model = RepairOrder
        fields = ["number", "opened_at", "status", "vehicle", "customer", "advisor", "promised_at", "total"]
        attrs = {"class": "table table-hover align-middle", "data-testid": "ro-table"}
        orderable = False

    def render_number(self, record, value):
        return format_html(
            '<a class="fw-semibold" href="{}">{}</a>', reverse("service:repair_order_detail", args=[record.pk]), value
        )

    def render_status(self, record):
        return format_html(
            '<span class="badge text-bg-{} ro-status">{}</span>', record.status_colour, record.get_status_display()
        )

    def render_vehicle(self, record, value):
        return format_html('<span class="plate">{}</span> <small class="text-secondary">{}</small>', value or "—",
                           record.vehicle.model)  # fmt: skip

    def render_promised_at(self, record, value):
        css = "text-danger fw-semibold" if record.is_overdue() else ""
        return format_html(
            '<span class="{}">{}</span>', css, localtime(value).strftime("%m-%d %H:%M") if value else "—"
        )

    def render_total(self, value):
        return f"¥{value:,.2f}"
