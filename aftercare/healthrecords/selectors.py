"""Reads of health records shared by pages, the API, the export and the portal (docs/DOMAIN.md §23)."""

from datetime import date

from django.utils.translation import gettext_lazy as _

from aftercare.core.permissions import Perm

from .models import HealthRecord


def records_for_user(user, *, start: date | None = None, end: date | None = None, state: str = "", store=None):
    """The records the user may see, newest settlement first, filtered by period and state."""
    records = HealthRecord.objects.for_user(user, Perm.REPAIR_ORDER_VIEW)
    if store is not None:
        records = records.filter(store=store)
    if start:
        records = records.filter(settle_date__gte=start)
    if end:
        records = records.filter(settle_date__lte=end)
    if state:
        records = records.filter(status=state)
    return records.order_by("-settle_date", "-id")


def records_for_vehicle(vehicle):
    """The vehicle's health records, newest first: what the customer's vehicle
    history shows (the portal reads it for a vehicle it has already scoped to
    its customer; no user scoping here)."""
    return records_for_vehicles([vehicle])


def records_for_vehicles(vehicles):
    """The health records of several vehicles, newest first, in one query."""
    return HealthRecord.objects.filter(vehicle__in=vehicles).order_by("-settle_date", "-id")


# The export's columns: the 13 elements in the order of the national interface (docs/DOMAIN.md §23.3),
# one row per record; the lists are joined as the platform's import template writes them.
EXPORT_COLUMNS = (
    ("companyname", _("Repair business name")),
    ("vin", _("VIN")),
    ("vehicleplatenumber", _("Plate number")),
    ("repairdate", _("Date brought in")),
    ("repairmileage", _("Odometer when brought in (km)")),
    ("settledate", _("Settlement date")),
    ("costlistcode", _("Settlement document number")),
    ("faultdescription", _("Fault description")),
    ("repairproject", _("Repair items")),
    ("workinghours", _("Labour hours")),
    ("partsname", _("Part names")),
    ("partscode", _("Part codes")),
    ("partsquantity", _("Part quantities")),
)

LIST_SEPARATOR = ";"


def export_headers() -> list[str]:
    return [f"{label}({key})" for key, label in EXPORT_COLUMNS]


def _day(value) -> str:
    return value.strftime("%Y%m%d")


def export_rows(records):
    """One row per record in the interface's column order (docs/DOMAIN.md §23.3)."""
    columns = (
        "company_name", "vin", "plate", "repair_date", "repair_mileage", "settle_date", "settle_number",
        "fault_description", "repair_items", "labour_hours", "parts",
    )  # fmt: skip
    for row in records.values_list(*columns).iterator(chunk_size=1000):
        (company, vin, plate, repair_date, mileage, settle_date, number, fault, items, hours, parts) = row
        yield [
            company, vin, plate, _day(repair_date), "" if mileage is None else mileage, _day(settle_date), number,
            fault,
            LIST_SEPARATOR.join(item["name"] for item in items),
            str(hours),
            LIST_SEPARATOR.join(part["name"] for part in parts),
            LIST_SEPARATOR.join(part["code"] for part in parts),
            LIST_SEPARATOR.join(part["quantity"] for part in parts),
        ]  # fmt: skip


def state_counts(records) -> list[tuple[str, int]]:
    """(state label, how many) for every upload state, in one query."""
    from django.db.models import Count

    from .choices import UploadState

    found = dict(records.order_by().values_list("status").annotate(n=Count("id")))
    return [(label, found.get(value, 0)) for value, label in UploadState.choices]
