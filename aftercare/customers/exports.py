"""Exporting the customer and vehicle lists to CSV or xlsx.

An export is personal data leaving the system, so: only stores where the user
holds DATA_EXPORT, contact details masked where they may not see them in
full, one audit row per store saying who took how many rows, and the columns
named as the import expects them, so an edited export imports back.
"""

from collections.abc import Iterator

from django.db.models import Count, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.core.audit import audit_record
from aftercare.core.masking import mask_phone, mask_text
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm
from aftercare.core.spreadsheets import csv_response, xlsx_response

from .imports import CUSTOMER_COLUMNS, CUSTOMERS, KINDS, VEHICLE_COLUMNS, VEHICLES
from .models import Customer, Vehicle

FORMATS = ("csv", "xlsx")
CHUNK_SIZE = 2000
STORE_HEADER = "门店"
LAST_VISIT_HEADER = "最近到店"
ACTIVE_HEADER = "在用"
OWNER_NAME_HEADER = "车主姓名"


def exportable(model, user) -> QuerySet:
    """Rows the user may export: visible to them, in stores where they may export."""
    return model.objects.for_user(user, Perm.CUSTOMER_VIEW).filter(store_id__in=user.store_ids(Perm.DATA_EXPORT))


def _header(columns: dict, name: str) -> str:
    return columns[name][0]


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def customer_table(customers: QuerySet, *, reveal_store_ids: set[int]) -> tuple[list[str], Iterator[list]]:
    """Headers and a lazy row iterator; contact details masked outside `reveal_store_ids`."""
    names = [
        "number", "name", "kind", "contact_person", "mobile", "gender", "birthday", "region", "address",
        "preferred_channel", "source", "wechat_id", "email", "tags",
    ]  # fmt: skip
    headers = [_header(CUSTOMER_COLUMNS, name) for name in names] + [STORE_HEADER, LAST_VISIT_HEADER]

    def rows():
        for c in customers.select_related("store").order_by("pk").iterator(chunk_size=CHUNK_SIZE):
            reveal = c.store_id in reveal_store_ids
            yield [
                c.number, c.name, c.get_kind_display(), c.contact_person,
                c.mobile if reveal else mask_phone(c.mobile),
                c.get_gender_display(), c.birthday, c.region, c.address if reveal else mask_text(c.address),
                c.get_preferred_channel_display(), c.get_source_display(),
                c.wechat_id if reveal else mask_text(c.wechat_id), c.email if reveal else mask_text(c.email),
                "、".join(c.tags or []), c.store.name,
                timezone.localtime(c.last_visit_at).date() if c.last_visit_at else None,
            ]  # fmt: skip

    return headers, rows()


def vehicle_table(vehicles: QuerySet, *, reveal_store_ids: set[int]) -> tuple[list[str], Iterator[list]]:
    names = [
        "owner_number", "owner_mobile", "plate", "plate_kind", "vin", "vin_check_digit_waived", "brand", "model",
        "trim", "powertrain", "engine_no", "color", "purchase_date", "odometer_km", "insurance_expiry",
        "inspection_due", "warranty_start", "warranty_end",
    ]  # fmt: skip
    headers = [OWNER_NAME_HEADER] + [_header(VEHICLE_COLUMNS, name) for name in names] + [ACTIVE_HEADER, STORE_HEADER]

    def rows():
        for v in vehicles.select_related("owner", "store").order_by("pk").iterator(chunk_size=CHUNK_SIZE):
            reveal = v.store_id in reveal_store_ids
            yield [
                v.owner.name, v.owner.number, v.owner.mobile if reveal else mask_phone(v.owner.mobile),
                v.plate, v.get_plate_kind_display(), v.vin, _yes_no(v.vin_check_digit_waived), v.brand, v.model,
                v.trim, v.get_powertrain_display(), v.engine_no, v.color, v.purchase_date, v.odometer_km,
                v.insurance_expiry, v.inspection_due, v.warranty_start, v.warranty_end, _yes_no(v.is_active),
                v.store.name,
            ]  # fmt: skip

    return headers, rows()


def export_list(*, user, kind: str, fmt: str, queryset: QuerySet | None = None) -> HttpResponse:
    """The customer or vehicle list as a CSV or xlsx download, audited.

    `queryset` narrows the list (the list page's filters); it is always
    intersected with what the user may export. The audit rows are written
    before the first byte is sent: a download cut off halfway still counts.
    """
    if fmt not in FORMATS:
        raise ValueError(fmt)
    model = Customer if kind == CUSTOMERS else Vehicle
    rows_qs = exportable(model, user)
    if kind == CUSTOMERS:
        rows_qs = rows_qs.active()
    if queryset is not None:
        rows_qs = rows_qs.filter(pk__in=queryset.values("pk"))
    reveal_store_ids = set(user.store_ids(Perm.CONTACT_REVEAL))
    filename = f"{KINDS[kind]}-{timezone.localdate():%Y%m%d}.{fmt}"

    per_store = dict(rows_qs.order_by().values_list("store_id").annotate(rows=Count("pk")))
    for store_id, count in per_store.items() or [(None, 0)]:
        audit_record(
            actor=user,
            action=AuditEntry.Action.EXPORT,
            store=store_id,
            object_repr=filename,
            reason=_("Export of %(kind)s") % {"kind": KINDS[kind]},
            changes={
                "export_list": [None, kind],
                "export_format": [None, fmt],
                "rows": [None, count],
                "rows_in_export": [None, sum(per_store.values())],
                "contacts_masked": [None, store_id not in reveal_store_ids],
            },
        )

    table = customer_table if kind == CUSTOMERS else vehicle_table
    headers, rows = table(rows_qs, reveal_store_ids=reveal_store_ids)
    writer = csv_response if fmt == "csv" else xlsx_response
    return writer(filename, headers, rows)


__all__ = ["CUSTOMERS", "FORMATS", "VEHICLES", "export_list", "exportable"]
