"""Maintenance schedules by powertrain (docs/DOMAIN.md §17.1): a BEV is never offered an oil
service, the estimate marks a line that does not fit, and reminders name the car's own schedule."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from aftercare.catalog.models import LabourOperation, PackageJob
from aftercare.crm.models import RetentionRule, VehicleForecast
from aftercare.crm.rules import due_maintenance
from aftercare.ev.selectors import ScheduleCache, powertrain_line_marks, schedule_for
from aftercare.service import services as ro
from aftercare.service.selectors import catalogue_matches

pytestmark = pytest.mark.django_db

OIL = ("机油", "PKG-5K", "PKG-10K", "PKG-20K", "M001")


def _has_oil(jobs) -> bool:
    return any(word in f"{job.code} {job.name}" for job in jobs for word in OIL)


def test_a_bev_is_never_offered_an_oil_service(store, catalogue, bev):
    order = SimpleNamespace(store=store, vehicle=bev)
    packages = catalogue_matches(order, "package", "")
    operations = catalogue_matches(order, "operation", "", limit=100)
    assert packages and not _has_oil(packages)
    assert not [op for op in operations if op.code == "M001"]
    assert not _has_oil(schedule_for(store, "BEV"))
    assert {job.code for job in schedule_for(store, "BEV")} == {"PKG-EV", "PKG-EV-2Y"}


def test_the_bev_schedule_checks_battery_coolant_brake_fluid_cabin_filter_and_tyres(store, catalogue):
    codes = set()
    for job in schedule_for(store, "BEV"):
        codes |= {line.operation.code for line in job.lines.select_related("operation") if line.operation_id}
    assert {"V001", "V003", "M005", "M003", "T002"} <= codes


def test_a_phev_gets_both_schedules_and_a_petrol_car_only_the_combustion_one(store, catalogue):
    phev = {job.code for job in schedule_for(store, "PHEV")}
    assert {"PKG-5K", "PKG-EV"} <= phev
    assert {job.code for job in schedule_for(store, "ICE")} == {"PKG-5K", "PKG-10K", "PKG-20K"}


def test_the_estimate_marks_an_oil_change_on_a_bev(store, catalogue, staff, bev):
    from aftercare.catalog.models import RepairType

    order = ro.repair_order_open(
        actor=staff["service_manager"], store=store, vehicle=bev,
        repair_type=RepairType.objects.effective_for_store(store).get(code="general"),
    )  # fmt: skip
    oil = LabourOperation.objects.effective_for_store(store).get(code="M001")
    check = LabourOperation.objects.effective_for_store(store).get(code="V001")
    lines = [ro.line_add(actor=staff["service_manager"], order=order, operation=op)[0] for op in (oil, check)]
    marks = powertrain_line_marks(order, [line.pk for line in lines])
    assert marks == {lines[0].pk: "Does not fit this vehicle's powertrain"}


def test_the_bev_maintenance_reminder_names_its_ev_schedule_not_an_oil_service(store, catalogue, bev, ice):
    today = timezone.localdate()
    for vehicle in (bev, ice):
        VehicleForecast.objects.create(vehicle=vehicle, store=store, km_per_day=40, basis="calendar",
                                       due_km=20000, due_on=today + timedelta(days=3))  # fmt: skip
    rule = RetentionRule(store=store, trigger="maintenance_due", days=7)
    due = {d.vehicle.pk: d.context["services"] for d in due_maintenance(store, rule, timezone.now())}
    assert "新能源车年度检查" in due[bev.pk] and "机油" not in due[bev.pk] and "公里保养" not in due[bev.pk]
    assert "公里保养" in due[ice.pk]


def test_the_two_year_ev_service_is_due_at_forty_thousand_km(store, catalogue, bev):
    names = [job.code for job in ScheduleCache().services_due(bev, 40000)]
    assert names == ["PKG-EV", "PKG-EV-2Y"]


def test_a_package_job_refuses_an_unknown_powertrain(store, catalogue):
    from django.core.exceptions import ValidationError

    job = PackageJob.objects.effective_for_store(store).get(code="PKG-EV")
    job.powertrains = ["DIESEL"]
    with pytest.raises(ValidationError):
        job.clean()
