"""Demo health records (docs/DOMAIN.md §23): every settled demo order's record,
dated by its settlement, uploaded to the sandbox platform of the showcase store,
which rejects one record (a fault description too thin) deterministically and
never reaches the network."""

from django.db.models import Max
from django.utils import timezone

from aftercare.core.models import Store
from aftercare.healthrecords.choices import UploadState
from aftercare.healthrecords.models import HealthRecord, HealthRecordSettings, HealthRecordStatusChange
from aftercare.healthrecords.services import health_record_upload, order_elements
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder, StatusChange

# The record the sandbox rejects: the customer's own words were too short to describe the fault.
THIN_FAULT = "异响"


def seed_health_records(store: Store, *, showcase: bool) -> int:
    if showcase:
        HealthRecordSettings.objects.update_or_create(
            store=store,
            defaults={"check_on_settlement": True, "upload_enabled": True, "sandbox": True,
                      "company_code": f"DEMO{store.pk:06d}", "app_key": "demo"},
        )  # fmt: skip
    orders = list(
        RepairOrder.objects.filter(
            store=store, status__in=[Status.SETTLED, Status.DELIVERED], health_record__isnull=True
        )
        .select_related("store", "vehicle")
        .order_by("id")
    )
    if not orders:
        return 0
    settled_at = dict(
        StatusChange.objects.filter(repair_order__in=orders, to_status=Status.SETTLED)
        .values_list("repair_order_id")
        .annotate(at=Max("changed_at"))
    )
    if showcase:
        first = orders[0]
        RepairOrder.objects.filter(pk=first.pk).update(customer_statement=THIN_FAULT, findings="")
        first.customer_statement, first.findings = THIN_FAULT, ""
    records = []
    for order in orders:
        at = settled_at.get(order.pk) or order.closed_at or order.updated_at
        records.append(
            HealthRecord(
                store=store, repair_order=order, vehicle=order.vehicle, created_at=at,
                **order_elements(order, settled_on=timezone.localdate(at)),
            )  # fmt: skip
        )
    HealthRecord.objects.bulk_create(records)
    HealthRecordStatusChange.objects.bulk_create(
        HealthRecordStatusChange(record=record, to_status=UploadState.PENDING, changed_at=record.created_at)
        for record in records
    )
    if showcase:
        for record in records:
            health_record_upload(record_id=record.pk)
    return len(records)
