"""Catalogue services: who may change what, the audit trail, model rules as field errors."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aftercare.catalog import services
from aftercare.catalog.models import Bay, LabourOperation, PackageJob, RepairType
from aftercare.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _operation(catalog, code="M001"):
    return LabourOperation.objects.get(code=code, store=None)


def test_a_manager_edit_writes_an_audit_row_with_before_and_after(group_manager, catalog, staff, store):
    operation = _operation(catalog)
    services.catalog_item_update(actor=group_manager, instance=operation, data={"frt_hours": Decimal("0.6")})
    entry = AuditEntry.objects.get(object_type="catalog.labouroperation", object_id=str(operation.pk))
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.changes == {"frt_hours": ["0.50", "0.60"]}
    # A group default's change is filed under the group's first store.
    assert entry.store_id == store.pk
    assert entry.actor == group_manager


def test_creating_a_store_row_is_audited_under_that_store(catalog, staff, store):
    bay = services.catalog_item_create(
        actor=staff["admin"], model=Bay, data={"code": "B09", "name": "洗车工位", "capabilities": []}, store=store
    )
    entry = AuditEntry.objects.get(object_type="catalog.bay", object_id=str(bay.pk))
    assert entry.action == AuditEntry.Action.CREATE and entry.store_id == store.pk
    assert entry.changes["code"] == [None, "B09"]


def test_a_technician_may_not_change_the_catalogue(catalog, staff):
    with pytest.raises(PermissionDenied):
        services.catalog_item_update(actor=staff["technician"], instance=_operation(catalog), data={"name": "x"})


def test_a_manager_may_not_change_another_stores_row(catalog, staff, other_store):
    theirs = LabourOperation.objects.create(group=other_store.group, store=other_store, code="Z", name="z", frt_hours=1)
    with pytest.raises(PermissionDenied):
        services.catalog_item_update(actor=staff["service_manager"], instance=theirs, data={"name": "x"})


def test_a_duplicate_code_at_the_same_level_is_a_field_error(group_manager, catalog, staff, store):
    with pytest.raises(ValidationError) as error:
        services.catalog_item_create(
            actor=group_manager,
            model=LabourOperation,
            data={"code": "M001", "name": "dup", "frt_hours": 1},
            group=store.group,
        )
    assert "code" in error.value.message_dict


def test_the_same_code_in_a_store_overrides_instead_of_clashing(catalog, staff, store):
    item = services.catalog_item_create(
        actor=staff["service_manager"],
        model=LabourOperation,
        data={"code": "M001", "name": "本店机油", "frt_hours": Decimal("0.4")},
        store=store,
    )
    assert item.store == store and item.group == store.group


def test_a_system_repair_type_keeps_its_code_and_stays_active(group_manager, catalog, staff):
    warranty = RepairType.objects.get(code="warranty", store=None)
    with pytest.raises(ValidationError):
        services.catalog_item_deactivate(actor=group_manager, instance=warranty)
    with pytest.raises(ValidationError):
        services.catalog_item_update(actor=group_manager, instance=warranty, data={"code": "wty"})


def test_deactivating_keeps_the_row(group_manager, catalog, staff):
    operation = services.catalog_item_deactivate(actor=group_manager, instance=_operation(catalog))
    assert LabourOperation.objects.filter(pk=operation.pk, is_active=False).exists()


def test_an_unknown_bay_capability_is_a_field_error(catalog, staff, store):
    with pytest.raises(ValidationError) as error:
        services.catalog_item_create(
            actor=staff["admin"], model=Bay, data={"code": "B10", "name": "x", "capabilities": ["hoist"]}, store=store
        )
    assert "capabilities" in error.value.message_dict


def test_package_lines_are_replaced_and_audited(group_manager, catalog, staff, store):
    package = PackageJob.objects.get(code="PKG-5K")
    services.package_job_lines_set(
        actor=group_manager,
        package=package,
        lines=[{"operation": _operation(catalog), "quantity": Decimal("1")}],
    )
    assert package.lines.count() == 1
    entry = AuditEntry.objects.filter(object_type="catalog.packagejob").get()
    assert entry.changes["lines"][1] == ["M001×1"]


def test_a_group_package_cannot_use_a_stores_own_operation(group_manager, catalog, staff, store):
    own = LabourOperation.objects.create(group=store.group, store=store, code="OWN", name="own", frt_hours=1)
    with pytest.raises(ValidationError):
        services.package_job_lines_set(
            actor=group_manager,
            package=PackageJob.objects.get(code="PKG-5K"),
            lines=[{"operation": own, "quantity": Decimal("1")}],
        )
