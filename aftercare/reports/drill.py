"""The orders or customers behind a report's number (reports/framework.py `Column.drill`): one
listing per kind of row, so every report's drill-down page and export look the same."""

from dataclasses import dataclass
from itertools import islice

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from aftercare.core.exports import WRITE_CHUNK_ROWS
from aftercare.core.permissions import Perm
from aftercare.customers.models import Customer
from aftercare.service.models import RepairOrder


@dataclass
class Listing:
    kind: str  # "orders" | "customers"
    queryset: QuerySet
    headers: list

    @property
    def count(self) -> int:
        return self.queryset.count()

    @property
    def amount(self):
        if self.kind != "orders":
            return None
        return self.queryset.aggregate(s=Sum("customer_total"))["s"]

    def page(self, limit: int) -> list:
        return list(islice(self.queryset.iterator(chunk_size=limit), limit))

    def export_rows(self):
        for obj in self.queryset.iterator(chunk_size=WRITE_CHUNK_ROWS):
            yield self.export_row(obj)

    def export_row(self, obj) -> list:
        if self.kind == "orders":
            return [
                obj.number,
                obj.store.name,
                obj.opened_at,
                obj.closed_at,
                str(obj.get_status_display()),
                obj.advisor.get_full_name() if obj.advisor_id else "",
                obj.labour_total,
                obj.parts_total,
                obj.other_total,
                obj.customer_total,
            ]
        return [obj.number, obj.store.name, obj.masked_mobile]


def drill_listing(queryset: QuerySet, user) -> Listing:
    """The listing of a drill-down queryset, scoped again to what `user` may see (the report's
    own scoping already did; this is the second lock)."""
    if queryset.model is RepairOrder:
        qs = (
            queryset.filter(pk__in=RepairOrder.objects.for_user(user, Perm.REPORT_VIEW).values("pk"))
            .select_related("store", "advisor", "customer", "vehicle")
            .order_by("opened_at", "pk")
        )
        headers = [
            _("RO number"),
            _("Store"),
            _("Opened at"),
            _("Closed at"),
            _("Status"),
            _("Service advisor"),
            _("Labour"),
            _("Parts"),
            _("Other charges"),
            _("Customer pays"),
        ]
        return Listing("orders", qs, headers)
    if queryset.model is Customer:
        qs = (
            queryset.filter(pk__in=Customer.objects.for_user(user, Perm.REPORT_VIEW).values("pk"))
            .select_related("store")
            .order_by("name", "pk")
        )
        return Listing("customers", qs, [_("Customer number"), _("Store"), _("Mobile")])
    raise ValueError(queryset.model)
