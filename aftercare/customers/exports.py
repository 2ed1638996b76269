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
from aftercare.core.exports import export_response
from aftercare.core.masking import hidden_fields, mask_phone, mask_text
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm

from .choices import ContactChannel, CustomerKind, CustomerSource, Gender, PlateKind, Powertrain
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


def _labels(choices) -> dict:
    """Choice labels resolved once per export, not translated again per cell (get_FOO_display)."""
    return {value: str(label) for value, label in choices}


def customer_table(customers: QuerySet, *, reveal_store_ids: set[int], user=None) -> tuple[list[str], Iterator[list]]:
    """Headers and a lazy row iterator; contact details masked outside `reveal_store_ids`, and
    the fields `user`'s role may not see left empty (docs/DOMAIN.md §24.2)."""
    names = [
        "number", "name", "kind", "contact_person", "mobile", "gender", "birthday", "region", "address",
        "preferred_channel", "source", "wechat_id", "email", "tags",
    ]  # fmt: skip
    headers = [_header(CUSTOMER_COLUMNS, name) for name in names] + [STORE_HEADER, LAST_VISIT_HEADER]
    kinds, genders = _labels(CustomerKind.choices), _labels(Gender.choices)
    channels, sources = _labels(ContactChannel.choices), _labels(CustomerSource.choices)

    def rows():
        zone = timezone.get_current_timezone()
        values = customers.order_by("pk").values_list(*names, "store_id", "store__name", "last_visit_at")
        for (
            number,
            name,
            kind,
            contact,
            mobile,
            gender,
            birthday,
            region,
            address,
            channel,
            source,
            wechat,
            email,
            tags,
            store_id,
            store_name,
            last_visit,
        ) in values.iterator(chunk_size=CHUNK_SIZE):
            reveal = store_id in reveal_store_ids
            hidden = hidden_fields(user, store_id, "customers.customer")
            if hidden:
                birthday = None if "birthday" in hidden else birthday
                region = "" if "region" in hidden else region
                address = "" if "address" in hidden else address
                wechat = "" if "wechat_id" in hidden else wechat
                email = "" if "email" in hidden else email
            yield [
                number, name, kinds.get(kind, kind), contact, mobile if reveal else mask_phone(mobile),
                genders.get(gender, gender), birthday, region, address if reveal else mask_text(address),
                channels.get(channel, channel), sources.get(source, source),
                wechat if reveal else mask_text(wechat), email if reveal else mask_text(email),
                "、".join(tags or ()), store_name, last_visit.astimezone(zone).date() if last_visit else None,
            ]  # fmt: skip

    return headers, rows()


def vehicle_table(vehicles: QuerySet, *, reveal_store_ids: set[int]) -> tuple[list[str], Iterator[list]]:
    names = [
        "owner_number", "owner_mobile", "plate", "plate_kind", "vin", "vin_check_digit_waived", "brand", "model",
        "trim", "powertrain", "engine_no", "color", "purchase_date", "odometer_km", "insurance_expiry",
        "inspection_due", "warranty_start", "warranty_end",
    ]  # fmt: skip
    headers = [OWNER_NAME_HEADER] + [_header(VEHICLE_COLUMNS, name) for name in names] + [ACTIVE_HEADER, STORE_HEADER]
    plate_kinds, powertrains = _labels(PlateKind.choices), _labels(Powertrain.choices)
    fields = [
        "owner__name", "owner__number", "owner__mobile", "plate", "plate_kind", "vin", "vin_check_digit_waived",
        "brand", "model", "trim", "powertrain", "engine_no", "color", "purchase_date", "odometer_km",
        "insurance_expiry", "inspection_due", "warranty_start", "warranty_end", "is_active", "store__name", "store_id",
    ]  # fmt: skip

    def rows():
        for (
            owner_name,
            owner_number,
            owner_mobile,
            plate,
            plate_kind,
            vin,
            waived,
            brand,
            model,
            trim,
            powertrain,
            engine_no,
            color,
            purchased,
            km,
            insurance,
            inspection,
            warranty_start,
            warranty_end,
            active,
            store_name,
            store_id,
        ) in vehicles.order_by("pk").values_list(*fields).iterator(chunk_size=CHUNK_SIZE):
            yield [
                owner_name, owner_number,
                owner_mobile if store_id in reveal_store_ids else mask_phone(owner_mobile),
                plate, plate_kinds.get(plate_kind, plate_kind), vin, _yes_no(waived), brand, model, trim,
                powertrains.get(powertrain, powertrain), engine_no, color, purchased, km, insurance, inspection,
                warranty_start, warranty_end, _yes_no(active), store_name,
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

    headers, rows = (
        customer_table(rows_qs, reveal_store_ids=reveal_store_ids, user=user)
        if kind == CUSTOMERS
        else vehicle_table(rows_qs, reveal_store_ids=reveal_store_ids)
    )
    return export_response(fmt, filename, headers, rows)


__all__ = ["CUSTOMERS", "FORMATS", "VEHICLES", "export_list", "exportable"]
