"""Demo health records (docs/DOMAIN.md §23): every settled demo order's record,
dated by its settlement, uploaded to the sandbox platform of the showcase store,
which rejects one record (a fault description too thin) deterministically and
never reaches the network."""

from aftercare.core.models import Store
from aftercare.healthrecords.models import HealthRecordSettings
from aftercare.healthrecords.services import health_record_upload, records_backfill
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder

# The record the sandbox rejects: the customer's own words were too short to describe the fault.
THIN_FAULT = "异响"


def seed_health_records(store: Store, *, showcase: bool) -> int:
    if showcase:
        HealthRecordSettings.objects.update_or_create(
            store=store,
            defaults={"check_on_settlement": True, "upload_enabled": True, "sandbox": True,
                      "company_code": f"DEMO{store.pk:06d}", "app_key": "demo"},
        )  # fmt: skip
    orders = RepairOrder.objects.filter(store=store)
    if showcase:
        # The customer's words on the first settled order are too thin for the platform.
        first = orders.filter(status__in=[Status.SETTLED, Status.DELIVERED]).order_by("id").first()
        if first is not None:
            RepairOrder.objects.filter(pk=first.pk).update(customer_statement=THIN_FAULT, findings="")
    records = records_backfill(orders)
    if showcase:
        for record in records:
            health_record_upload(record_id=record.pk)
    return len(records)
