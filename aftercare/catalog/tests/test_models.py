"""Catalogue rules on the models: prices in Decimal, store overrides, scoping, seeding."""

from decimal import Decimal

import pytest

from aftercare.catalog.defaults import seed_group_defaults, seed_store_bays
from aftercare.catalog.models import (
    Bay,
    DiscountLevel,
    LabourOperation,
    LabourRate,
    PackageJob,
    PackageJobLine,
    Part,
    RepairType,
)

pytestmark = pytest.mark.django_db


def test_an_operation_is_priced_as_frt_hours_times_rate_rounded_half_up_to_the_cent():
    operation = LabourOperation(code="X", name="x", frt_hours=Decimal("0.35"))
    assert operation.price(Decimal("415.50")) == Decimal("145.43")  # 145.425
    assert operation.price(Decimal("380"), quantity=Decimal("2")) == Decimal("266.00")


def test_a_package_is_priced_with_the_stores_labour_rate_and_part_prices(catalog, store):
    lines = PackageJob.objects.get(code="PKG-10K").expand(store)
    labour = [line.amount for line in lines if line.kind == "labour"]
    # 0.5 h, 0.3 h, 0.3 h, 0.5 h at ¥380/h
    assert labour == [Decimal("190.00"), Decimal("114.00"), Decimal("114.00"), Decimal("190.00")]
    assert PackageJob.total(lines) == Decimal("1250.00")  # 608 labour + 642 parts
    assert all(isinstance(line.amount, Decimal) for line in lines)


def test_a_package_uses_the_stores_overrides_of_rate_operation_and_part(catalog, store):
    group_type = RepairType.objects.get(code="periodic", store=None)
    LabourRate.objects.create(group=store.group, store=store, repair_type=group_type, hourly_rate=Decimal("400"))
    LabourOperation.objects.create(
        group=store.group, store=store, code="M001", name="更换机油机滤（本店）", frt_hours=Decimal("0.6")
    )
    Part.objects.create(
        group=store.group, store=store, part_no="15400-RTA-003", name="机滤", unit_price=Decimal("33.33")
    )
    lines = {line.code: line for line in PackageJob.objects.get(code="PKG-5K").expand(store)}
    assert lines["M001"].amount == Decimal("240.00")
    assert lines["M009"].amount == Decimal("200.00")
    assert lines["15400-RTA-003"].amount == Decimal("33.33")


def test_each_package_line_is_rounded_once_to_the_cent(catalog, store):
    package = PackageJob.objects.get(code="PKG-5K")
    part = Part.objects.create(group=store.group, part_no="P-1", name="螺丝", unit_price=Decimal("33.33"))
    PackageJobLine.objects.create(package=package, part=part, quantity=Decimal("1.5"))
    line = next(line for line in package.expand(store) if line.code == "P-1")
    assert line.amount == Decimal("50.00")  # 49.995


def test_a_store_row_hides_the_group_default_of_the_same_code_in_that_store_only(catalog, store, other_store):
    LabourOperation.objects.create(group=store.group, store=store, code="T001", name="四轮定位（本店）", frt_hours=1)
    own = LabourOperation.objects.effective_for_store(store).filter(code="T001")
    assert [op.name for op in own] == ["四轮定位（本店）"]
    other = LabourOperation.objects.effective_for_store(other_store).filter(code="T001")
    assert [op.name for op in other] == ["四轮定位"]


def test_an_inactive_store_row_still_hides_the_group_default(catalog, store):
    LabourOperation.objects.create(group=store.group, store=store, code="T001", name="x", frt_hours=1, is_active=False)
    assert not LabourOperation.objects.effective_for_store(store).active().filter(code="T001").exists()


def test_for_user_returns_group_defaults_and_the_users_own_store_rows(catalog, staff, store, other_store):
    mine = Part.objects.create(group=store.group, store=store, part_no="MINE", name="a", unit_price=1)
    theirs = Part.objects.create(group=store.group, store=other_store, part_no="THEIRS", name="b", unit_price=1)
    visible = set(Part.objects.for_user(staff["technician"], "repair_order.view"))
    assert mine in visible and theirs not in visible
    assert Part.objects.get(part_no="15400-RTA-003") in visible


def test_the_labour_rate_of_a_store_falls_back_to_the_group_default(catalog, store):
    assert LabourRate.rate_for(store, "body_paint") == Decimal("450.00")


def test_a_stores_own_labour_rate_wins_in_that_store_only_and_is_read_in_one_query(
    catalog, store, other_store, django_assert_num_queries
):
    periodic = RepairType.objects.get(code="periodic", store=None)
    LabourRate.objects.create(group=store.group, store=store, repair_type=periodic, hourly_rate=Decimal("400"))
    with django_assert_num_queries(1):
        assert LabourRate.rate_for(store, "periodic") == Decimal("400.00")
    assert LabourRate.rate_for(other_store, "periodic") == Decimal("380.00")


def test_a_stores_own_repair_type_of_the_same_code_carries_the_stores_rate(catalog, store):
    own_type = RepairType.objects.create(group=store.group, store=store, code="periodic", name="定期保养（本店）")
    LabourRate.objects.create(group=store.group, store=store, repair_type=own_type, hourly_rate=Decimal("395"))
    assert LabourRate.rate_for(store, "periodic") == Decimal("395.00")


def test_an_inactive_labour_rate_gives_no_rate_even_where_the_group_has_one(catalog, store, other_store):
    periodic = RepairType.objects.get(code="periodic", store=None)
    LabourRate.objects.create(
        group=store.group, store=store, repair_type=periodic, hourly_rate=Decimal("400"), is_active=False
    )
    assert LabourRate.rate_for(store, "periodic") is None  # the store's row still overrides
    LabourRate.objects.filter(store=None, repair_type=periodic).update(is_active=False)
    assert LabourRate.rate_for(other_store, "periodic") is None
    assert LabourRate.rate_for(store, "no_such_type") is None


def test_entries_by_key_are_what_the_store_sees_read_in_one_query(
    catalog, store, other_store, django_assert_num_queries
):
    LabourOperation.objects.create(group=store.group, store=store, code="T001", name="四轮定位（本店）", frt_hours=1)
    LabourOperation.objects.create(group=store.group, store=store, code="M001", name="x", frt_hours=1, is_active=False)
    LabourOperation.objects.create(group=store.group, store=store, code="OWN1", name="本店项目", frt_hours=1)
    codes = ["T001", "M001", "OWN1", "M009", "NONE"]
    with django_assert_num_queries(1):
        entries = LabourOperation.objects.effective_by_key(store, codes)
    expected = {op.code: op for op in LabourOperation.objects.effective_for_store(store).filter(code__in=codes)}
    assert entries == expected
    assert set(entries) == {"T001", "M001", "OWN1", "M009"}
    assert (entries["T001"].store_id, entries["M001"].is_active, entries["M009"].store_id) == (store.pk, False, None)
    assert LabourOperation.objects.effective_by_key(other_store, codes)["T001"].name == "四轮定位"
    assert "OWN1" not in LabourOperation.objects.effective_by_key(other_store, codes)


def test_an_entry_keyed_by_a_related_code_is_found_by_that_code(catalog, store):
    periodic = RepairType.objects.get(code="periodic", store=None)
    own = LabourRate.objects.create(group=store.group, store=store, repair_type=periodic, hourly_rate=Decimal("400"))
    assert LabourRate.objects.effective_get(store, "periodic") == own
    assert LabourRate.objects.effective_get(store, "body_paint").store_id is None
    assert DiscountLevel.objects.effective_get(store, "GOLD") == DiscountLevel.objects.get(code="GOLD")
    assert RepairType.objects.effective_get(store, "nothing") is None


def test_discounts_are_taken_off_in_decimal(catalog):
    gold = DiscountLevel.objects.get(code="GOLD")
    assert gold.discounted_labour(Decimal("999.99")) == Decimal("899.99")
    assert gold.discounted_parts(Decimal("100.05")) == Decimal("92.05")


def test_seeding_is_idempotent_and_gives_a_realistic_catalogue(catalog, store):
    counts = {model: model.objects.count() for model in (RepairType, LabourOperation, Part, PackageJobLine, Bay)}
    seed_group_defaults(store.group)
    seed_store_bays(store)
    assert counts == {model: model.objects.count() for model in counts}
    assert set(RepairType.objects.values_list("code", flat=True)) == {
        "periodic", "general", "body_paint", "warranty", "first_free", "internal", "rework",
    }  # fmt: skip
    assert RepairType.objects.get(code="first_free").bills_to == "warranty"
    assert counts[LabourOperation] >= 25
    assert LabourOperation.objects.get(code="V001").high_voltage
    bays = list(Bay.objects.filter(store=store))
    assert 6 <= len(bays) <= 10
    assert any(bay.has_capability("ev_hv") for bay in bays)
    assert any(bay.has_capability("alignment") for bay in bays)
    assert any(bay.has_capability("paint_booth") for bay in bays)
