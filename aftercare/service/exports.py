"""Exporting the repair orders of a date range to CSV or xlsx: what a service
manager takes to Excel at month end.

The rules of the customer export (customers/exports.py) hold here too: only
stores where the user holds DATA_EXPORT and may see repair orders, the
customer's mobile masked where the user may not reveal contacts, one audit row
per store written before the first byte leaves, Chinese column names.

Rows are read store by store, one query per store streamed with
`QuerySet.iterator(chunk_size=CHUNK_SIZE)` (a server-side cursor on
PostgreSQL): memory stays that of one chunk however long the range, and the
number of queries does not grow with the rows. One store at a time
(`store_id = x`, no join to the store) lets the ro_store_recent index
(store, -opened_at) deliver the rows in order. The range is capped at MAX_DAYS
so an export is a month or a year, never the store's whole history.
"""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django import forms
from django.db.models import Count, Func, IntegerField, OuterRef, QuerySet, Subquery
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.core import exports
from aftercare.core.audit import audit_record
from aftercare.core.exports import export_response
from aftercare.core.forms import StyledForm
from aftercare.core.masking import mask_phone
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm

from .choices import LineStatus, Status
from .filters import RepairOrderFilterSet
from .models import RepairOrder, RepairOrderLine

FORMATS = ("csv", "xlsx")
EXPORT_LIST = "repair_orders"
CHUNK_SIZE = 1000
MAX_DAYS = 366
# Column names for spreadsheets, in Chinese like the customer export's.
HEADERS = (
    "门店", "作业单号", "开单时间", "关闭时间", "状态", "修理种类", "服务顾问", "车牌", "VIN", "客户姓名", "手机",
    "里程（km）", "工时费", "零件费", "其它费用", "折扣", "合计", "客户自付", "项目数",
)  # fmt: skip
# Read as they are, before the times, the mileage, the amounts and the line count
# (the store's name comes from the per-store count).
TEXT_FIELDS = (
    "number", "status", "repair_type__name", "advisor__full_name", "advisor__username", "vehicle__plate",
    "vehicle__vin", "customer__name", "customer__mobile",
)  # fmt: skip
AMOUNTS = ("labour_total", "parts_total", "other_total", "discount_total", "total", "customer_total")
RANGE_FIELDS = ("since", "until")  # the list filter's opened-date range, taken over by the export form


def exportable(user, queryset: QuerySet | None = None) -> QuerySet:
    """Orders (of `queryset`, default all) the user may export: visible to them, in stores where they may export."""
    orders = queryset if queryset is not None else RepairOrder.objects.all()
    return orders.for_user(user, Perm.REPAIR_ORDER_VIEW).filter(store_id__in=user.store_ids(Perm.DATA_EXPORT))


def month_bounds(day: date) -> tuple[date, date]:
    """The first and last day of `day`'s month."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


class ExportForm(StyledForm):
    """The opened-date range of an export, and the list's other filters carried along as hidden fields.

    Empty dates mean this month; an empty To is today (the list shows orders up
    to now), an empty From the first day of To's month."""

    max_days = MAX_DAYS
    since = forms.DateField(label=gettext_lazy("From"), required=False)
    until = forms.DateField(label=gettext_lazy("To"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in RepairOrderFilterSet.base_filters:
            if name not in RANGE_FIELDS:
                self.fields[name] = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if self.errors:  # a date that did not parse already has its error
            return data
        today = timezone.localdate()
        if since is None and until is None:
            since, until = month_bounds(today)
        elif until is None:
            until = max(since, today)
        elif since is None:
            since = until.replace(day=1)
        if until < since:
            self.add_error("until", _("To must be on or after From."))
        elif (until - since).days + 1 > MAX_DAYS:
            self.add_error(
                None,
                _("An export covers at most %(days)s days; narrow From and To (a month at a time is typical).")
                % {"days": MAX_DAYS},
            )
        data["since"], data["until"] = since, until
        return data

    def filters(self) -> dict:
        """The list's filters other than the date range (empty ones left out)."""
        return {name: value for name, value in self.cleaned_data.items() if name not in RANGE_FIELDS and value}


def filtered(user, filters: dict) -> QuerySet:
    """The repair orders the list page would show with `filters` (without its date range)."""
    if not filters:
        return RepairOrder.objects.all()
    return RepairOrderFilterSet(filters, queryset=RepairOrder.objects.all(), user=user).qs


def _labels(choices) -> dict:
    """Choice labels resolved once per export, not per cell."""
    return {value: str(label) for value, label in choices}


def _line_count() -> Subquery:
    """The approved lines, counted by a correlated sub-select on the lines' foreign-key
    index without GROUP BY (COUNT over no rows is 0): a JOIN + GROUP BY would group
    every selected column of every order."""
    return Subquery(
        RepairOrderLine.objects.filter(repair_order=OuterRef("pk"), status=LineStatus.APPROVED)
        .order_by()
        .values(n=Func("pk", function="COUNT")),
        output_field=IntegerField(),
    )


def repair_order_table(
    orders: QuerySet, *, stores: dict[int, str], reveal_store_ids: set[int], as_text: bool = False
) -> tuple[list[str], Iterator[list]]:
    """Headers and a lazy row iterator over `orders` (already scoped and narrowed
    to a range) of the `stores` ({id: name}), store after store in that order.

    Cells are typed (local datetimes, ints, amounts); `as_text` gives the times
    as text for the CSV."""
    statuses = _labels(Status.choices)
    local_clock = exports.local_clock()
    if as_text:
        # '2026-03-31 16:55:00', midnight included (a bare date would read as a day, not a moment).
        def local_time(value):
            return None if value is None else str(local_clock(value))
    else:
        local_time = local_clock

    def rows():
        values = orders.order_by("opened_at", "id").values_list(
            *TEXT_FIELDS, "opened_at", "closed_at", "odometer_km", *AMOUNTS, _line_count()
        )
        for store_id, store_name in stores.items():
            reveal = store_id in reveal_store_ids
            for (
                number,
                status,
                repair_type,
                advisor_name,
                advisor_login,
                plate,
                vin,
                customer,
                mobile,
                opened,
                closed,
                km,
                labour,
                parts,
                other,
                discount,
                total,
                customer_total,
                lines,
            ) in values.filter(store_id=store_id).iterator(chunk_size=CHUNK_SIZE):
                yield [
                    store_name, number, local_time(opened), local_time(closed), statuses.get(status, status),
                    repair_type, advisor_name or advisor_login, plate, vin, customer,
                    mobile if reveal else mask_phone(mobile), km, labour, parts, other, discount, total,
                    customer_total, lines,
                ]  # fmt: skip

    return list(HEADERS), rows()


def export_repair_orders(*, user, fmt: str, since: date, until: date, queryset: QuerySet | None = None) -> HttpResponse:
    """The repair orders opened from `since` to `until` (local dates, both
    included) as a CSV or xlsx download, audited.

    `queryset` narrows the orders (the list page's filters, see `filtered`); it
    is always intersected with what the user may export. The audit rows are
    written before the first byte is sent: a download cut off halfway still counts.
    """
    if fmt not in FORMATS:
        raise ValueError(fmt)
    if (until - since).days + 1 > MAX_DAYS or until < since:
        raise ValueError(f"range {since}..{until}")
    tz = timezone.get_current_timezone()
    start = datetime.combine(since, time.min, tzinfo=tz)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz)
    orders = exportable(user, queryset).filter(opened_at__gte=start, opened_at__lt=end)
    reveal_store_ids = set(user.store_ids(Perm.CONTACT_REVEAL))
    filename = f"{_('Repair orders')}-{since:%Y%m%d}-{until:%Y%m%d}.{fmt}"

    counted = orders.order_by("store_id").values_list("store_id", "store__name").annotate(rows=Count("pk"))
    stores, per_store = {}, {}
    for store_id, store_name, count in counted:
        stores[store_id], per_store[store_id] = store_name, count
    for store_id, count in per_store.items() or [(None, 0)]:
        audit_record(
            actor=user,
            action=AuditEntry.Action.EXPORT,
            store=store_id,
            object_repr=filename,
            reason=_("Export of %(kind)s") % {"kind": _("Repair orders")},
            changes={
                "export_list": [None, EXPORT_LIST],
                "export_format": [None, fmt],
                "opened_from": [None, since.isoformat()],
                "opened_to": [None, until.isoformat()],
                "rows": [None, count],
                "rows_in_export": [None, sum(per_store.values())],
                "contacts_masked": [None, store_id not in reveal_store_ids],
            },
        )

    headers, rows = repair_order_table(orders, stores=stores, reveal_store_ids=reveal_store_ids, as_text=fmt == "csv")
    return export_response(fmt, filename, headers, rows)


__all__ = ["FORMATS", "MAX_DAYS", "ExportForm", "export_repair_orders", "exportable", "filtered", "month_bounds"]
