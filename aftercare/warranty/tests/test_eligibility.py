"""Eligibility at reception at each boundary (docs/DOMAIN.md §14.2), with frozen days."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from aftercare.service import services as ro
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.warranty import guards, services
from aftercare.warranty.choices import Coverage, OverrideStatus
from aftercare.warranty.models import ExtendedWarranty
from aftercare.warranty.selectors import ELIGIBLE, EXPIRED, USED, eligibility, order_check

pytestmark = pytest.mark.django_db


def _verdict(vehicle, coverage, **kwargs):
    return next(v for v in eligibility(vehicle, **kwargs) if v.coverage == coverage)


def test_first_free_maintenance_is_eligible_on_its_last_day_and_expired_the_day_after(vehicle, policies):
    last = _verdict(vehicle, Coverage.FIRST_FREE, on=date(2026, 9, 1), km=100)
    assert (last.state, last.until) == (ELIGIBLE, date(2026, 9, 1))
    assert last.text == "Eligible until 2026-09-01 or 7,500 km"
    after = _verdict(vehicle, Coverage.FIRST_FREE, on=date(2026, 9, 2), km=100)
    assert after.state == EXPIRED and after.text == "Expired 2026-09-01"


def test_first_free_maintenance_is_eligible_at_the_km_limit_and_expired_one_km_beyond(vehicle, policies):
    assert _verdict(vehicle, Coverage.FIRST_FREE, on=date(2026, 4, 1), km=7500).state == ELIGIBLE
    over = _verdict(vehicle, Coverage.FIRST_FREE, on=date(2026, 4, 1), km=7501)
    assert over.state == EXPIRED and over.text == "Expired at 7,500 km"


def test_whichever_comes_first_ends_the_basic_warranty(vehicle, policies):
    assert _verdict(vehicle, Coverage.BASIC, on=date(2029, 3, 1), km=99_999).state == ELIGIBLE
    assert _verdict(vehicle, Coverage.BASIC, on=date(2029, 3, 2), km=10).state == EXPIRED
    assert _verdict(vehicle, Coverage.BASIC, on=date(2026, 4, 1), km=100_001).state == EXPIRED


def test_a_component_warranty_reads_as_time_and_km_left(vehicle, policies):
    powertrain = _verdict(vehicle, Coverage.POWERTRAIN, on=date(2026, 3, 2), km=52_000)
    assert powertrain.text == "4 years / 98,000 km left"


def test_battery_coverage_is_only_for_electric_cars(vehicle, policies):
    assert Coverage.BATTERY not in {v.coverage for v in eligibility(vehicle)}
    vehicle.powertrain = "BEV"
    battery = _verdict(vehicle, Coverage.BATTERY, on=date(2026, 3, 2), km=52_000)
    assert battery.text == "7 years / 98,000 km left"


def test_a_model_s_own_policy_wins_over_the_brand_s(vehicle, policies, store):
    policies[Coverage.BASIC].pk = None
    policies[Coverage.BASIC].model, policies[Coverage.BASIC].months = "雅阁", 48
    policies[Coverage.BASIC].save()
    assert _verdict(vehicle, Coverage.BASIC, on=date(2030, 3, 1), km=10).state == ELIGIBLE


def test_an_extended_warranty_prolongs_its_coverage(vehicle, policies, store):
    ExtendedWarranty.objects.create(
        store=store, vehicle=vehicle, contract_no="EW1", ends_on=date(2031, 3, 1), km=150_000
    )
    verdict = _verdict(vehicle, Coverage.BASIC, on=date(2031, 3, 1), km=120_000)
    assert verdict.state == ELIGIBLE and verdict.extended


def test_a_vehicle_of_a_brand_without_policies_has_no_verdicts(vehicle, policies):
    vehicle.brand = "其他"
    assert eligibility(vehicle) == []


def _first_free_order(staff, store, vehicle, odometer=3000):
    from aftercare.catalog.models import LabourOperation, RepairType

    order = ro.repair_order_open(
        actor=staff["advisor"], store=store, vehicle=vehicle,
        repair_type=RepairType.objects.effective_for_store(store).get(code="first_free"), odometer_km=odometer,
    )  # fmt: skip
    ro.line_add(
        actor=staff["advisor"], order=order, payer="warranty",
        operation=LabourOperation.objects.effective_for_store(store).get(code="M001"),
    )  # fmt: skip
    order.refresh_from_db()
    return order


@time_machine.travel("2026-05-01 10:00 +0800", tick=False)
def test_the_first_free_maintenance_is_used_once_per_vehicle(staff, store, vehicle, policies, catalogue):
    first = _first_free_order(staff, store, vehicle)
    assert order_check(first).covered
    assert _verdict(vehicle, Coverage.FIRST_FREE).state == USED
    second = _first_free_order(staff, store, vehicle)
    check = order_check(second)
    assert not check.covered and check.needs_override
    assert guards.override_missing(second)
    RepairOrder.objects.filter(pk=first.pk).update(status=Status.CANCELLED)
    assert order_check(second).covered


@time_machine.travel("2026-12-01 10:00 +0800", tick=False)
def test_an_ineligible_line_needs_an_override_approved_by_a_manager(staff, store, vehicle, policies, catalogue):
    order = _first_free_order(staff, store, vehicle)
    assert guards.override_missing(order)
    assert guards.line_marks(order, list(order.lines.values_list("id", flat=True)))
    override = services.override_request(
        actor=staff["advisor"], order=order, coverage=Coverage.FIRST_FREE, reason="客户生病延误"
    )
    assert guards.override_missing(order)  # pending is not enough
    with pytest.raises(PermissionDenied):
        services.override_decide(actor=staff["advisor"], override=override, approve=True)
    services.override_decide(actor=staff["service_manager"], override=override, approve=True)
    assert override.__class__.objects.get().status == OverrideStatus.APPROVED
    assert guards.override_missing(order) is None
    assert guards.line_marks(order, list(order.lines.values_list("id", flat=True))) == {}


def test_an_override_needs_a_reason(staff, settled_order):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.override_request(actor=staff["advisor"], order=settled_order, coverage="basic", reason=" ")


@time_machine.travel("2026-05-01 10:00 +0800", tick=False)
def test_a_wear_part_on_a_warranty_line_is_flagged(staff, store, vehicle, policies, catalogue, make_order):
    order = make_order(repair_type="warranty", payer="warranty", the_vehicle=vehicle, status=Status.RECEPTION)
    part = order.lines.get(kind="part")
    part.description = "前刹车片"
    part.save(update_fields=["description"])
    check = order_check(order)
    assert check.covered and check.excluded_line_ids == [part.pk]
    assert guards.line_marks(order, [part.pk]) == {part.pk: "Wear part excluded"}


def test_settlement_is_refused_without_the_override(staff, store, vehicle, policies, catalogue, make_order):
    vehicle.purchase_date = date(2020, 1, 1)
    vehicle.save(update_fields=["purchase_date"])
    order = make_order(repair_type="warranty", payer="warranty", the_vehicle=vehicle)
    assert "override" in ro.repair_order_refusal(order, Status.SETTLED)
