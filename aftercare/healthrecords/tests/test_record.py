"""The record taken at settlement: its 13 elements, the snapshot, and the settlement check (docs/DOMAIN.md §23)."""

from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from aftercare.billing.services import repair_order_settle
from aftercare.core.workflow import TransitionRefused
from aftercare.healthrecords.choices import UploadState
from aftercare.healthrecords.models import HealthRecord, HealthRecordSettings
from aftercare.healthrecords.services import health_record_take
from aftercare.service.choices import LineKind, Status
from aftercare.service.models import RepairOrder, RepairOrderLine

pytestmark = pytest.mark.django_db


@time_machine.travel("2026-11-20 10:00 +0800", tick=False)
def test_a_settled_order_with_labour_and_parts_gives_the_thirteen_elements(ready_order, settle, store, vehicle):
    labour = RepairOrderLine.objects.get(repair_order=ready_order, kind=LineKind.LABOUR)
    part = RepairOrderLine.objects.get(repair_order=ready_order, kind=LineKind.PART)

    record = settle(ready_order)

    assert record.company_name == store.name == "天河店"
    assert record.vin == vehicle.vin
    assert record.plate == "粤A12345"
    assert record.repair_date == timezone.localdate(ready_order.opened_at)
    assert record.repair_mileage == 20000
    assert str(record.settle_date) == "2026-11-20"
    assert record.settle_number == ready_order.number
    assert record.fault_description == "发动机异响；正时皮带松动"
    assert record.repair_items == [{"name": labour.description, "code": labour.code, "hours": str(labour.hours)}]
    assert record.labour_hours == labour.hours > 0
    assert record.parts == [{"name": part.description, "code": part.code, "quantity": "1"}]
    assert record.status == UploadState.PENDING
    assert list(record.status_changes.values_list("to_status", flat=True)) == [UploadState.PENDING]


def test_the_record_is_a_snapshot_a_later_change_to_the_order_leaves_alone(ready_order, settle):
    record = settle(ready_order)
    RepairOrder.objects.filter(pk=ready_order.pk).update(odometer_km=99999, customer_statement="改了")
    RepairOrderLine.objects.filter(repair_order=ready_order).update(hours=Decimal("9"))

    record.refresh_from_db()
    assert record.repair_mileage == 20000
    assert record.fault_description.startswith("发动机异响")
    assert record.labour_hours != Decimal("9")
    assert health_record_take(repair_order_id=ready_order.pk).pk == record.pk
    assert HealthRecord.objects.count() == 1


def test_declined_lines_are_not_in_the_record(ready_order, settle):
    RepairOrderLine.objects.filter(repair_order=ready_order, kind=LineKind.PART).update(status="declined")
    assert settle(ready_order).parts == []


def test_settlement_is_blocked_naming_each_missing_element(ready_order, store, staff):
    HealthRecordSettings.objects.create(store=store)
    RepairOrder.objects.filter(pk=ready_order.pk).update(odometer_km=None, customer_statement="", findings="")

    with pytest.raises(TransitionRefused) as refused:
        repair_order_settle(actor=staff["cashier"], order=RepairOrder.objects.get(pk=ready_order.pk))

    assert "odometer when brought in" in str(refused.value.message)
    assert "fault description" in str(refused.value.message)
    assert RepairOrder.objects.get(pk=ready_order.pk).status == Status.READY


def test_an_order_without_labour_has_no_repair_items_and_is_blocked(ready_order, store, staff):
    HealthRecordSettings.objects.create(store=store)
    RepairOrderLine.objects.filter(repair_order=ready_order, kind=LineKind.LABOUR).delete()

    with pytest.raises(TransitionRefused, match="repair items"):
        repair_order_settle(actor=staff["cashier"], order=ready_order)


def test_settlement_with_a_missing_element_goes_through_when_the_store_switches_the_check_off(
    ready_order, store, settle
):
    HealthRecordSettings.objects.create(store=store, check_on_settlement=False)
    RepairOrder.objects.filter(pk=ready_order.pk).update(odometer_km=None)

    record = settle(RepairOrder.objects.get(pk=ready_order.pk))

    assert record.repair_mileage is None
    assert RepairOrder.objects.get(pk=ready_order.pk).status == Status.SETTLED


def test_a_complete_order_settles_in_a_store_that_checks(ready_order, store, settle):
    HealthRecordSettings.objects.create(store=store)
    assert settle(ready_order).status == UploadState.PENDING
