"""Demo EV history (docs/DOMAIN.md §17): 40 electric and plug-in cars of a store with 2-4 years
of battery readings (one, 粤AD12345, degrading fast), charging habits, open fault codes and
software versions, then the nightly forecast."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from aftercare.catalog.choices import Powertrain
from aftercare.customers.models import Vehicle

from . import services
from .choices import Controller, DtcStatus, ReadingSource, UpdateChannel
from .models import BatteryReading

FAST = "粤AD12345"
CODES = [
    ("P0AA6", "高压系统绝缘电阻过低"),
    ("P1A10", "动力电池单体压差过大"),
    ("U0111", "与电池管理系统(BMS)通信丢失"),
    ("P0C78", "驱动电机逆变器温度过高"),
    ("P1B77", "车载充电机输入过压"),
]
VERSIONS = {
    Controller.BMS: ["2.1.0", "2.3.4", "3.0.1"],
    Controller.VCU: ["1.8.2", "2.0.0"],
    Controller.MCU: ["4.2", "4.5"],
    Controller.INFOTAINMENT: ["5.0.3", "5.2.0", "6.0.1"],
}


def _moment(day, hour=9):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def history(rng: random.Random, *, today, years: float, fast: bool):
    """(day, SOH, habits) readings every 1-2 months over `years`, ending a few days ago."""
    start = today - timedelta(days=int(years * 365))
    start_soh = rng.uniform(99.0, 100.0)
    rate = rng.uniform(1.2, 3.2)  # SOH points a year
    dc = Decimal(str(round(rng.uniform(75, 90) if fast else rng.uniform(5, 70), 0)))
    rows, day = [], start
    while day < today - timedelta(days=3):
        age = (day - start).days / 365
        if fast:
            soh = start_soh - 2.0 * min(age, years - 1.5) - 10.0 * max(0.0, age - (years - 1.5))
        else:
            soh = start_soh - rate * age
        rows.append((day, round(soh + rng.uniform(-0.6, 0.6), 1), dc, age))
        day += timedelta(days=rng.randint(28, 62))
    return rows


def seed_ev(store, rng: random.Random, today) -> int:
    vehicles = list(
        Vehicle.objects.filter(store=store, powertrain__in=[Powertrain.BEV, Powertrain.PHEV], is_active=True)
        .order_by("id")[:60]
    )  # fmt: skip
    vehicles.sort(key=lambda v: (v.plate != FAST, v.pk))
    vehicles = vehicles[:40]
    readings = []
    for index, vehicle in enumerate(vehicles):
        fast = vehicle.plate == FAST
        years = 3.0 if fast else rng.uniform(2.0, 4.0)
        cycles_per_year = rng.randint(60, 180)
        for day, soh, dc, age in history(rng, today=today, years=years, fast=fast):
            readings.append(BatteryReading(
                store=store, vehicle=vehicle, read_at=_moment(day, rng.randint(8, 20)), soh=Decimal(str(soh)),
                soc=Decimal(rng.randint(20, 95)), cycle_count=int(age * cycles_per_year),
                cell_spread_mv=rng.randint(8, 30) + (int(age * 40) if fast else 0),
                max_cell_temp=Decimal(str(round(rng.uniform(28, 42) + (8 if fast else 0), 1))), dc_share=dc,
                depth_of_discharge=Decimal(rng.randint(40, 90)),
                sessions_per_week=Decimal(str(round(rng.uniform(1.5, 6.0), 1))), source=ReadingSource.IMPORT,
            ))  # fmt: skip
        _versions(vehicle, rng, today)
        if fast or index % 5 == 1:
            _codes(vehicle, rng, today, fast)
    BatteryReading.objects.bulk_create(readings, batch_size=1000, ignore_conflicts=True)
    services.forecasts_refresh(store=store, today=today)
    return len(readings)


def _versions(vehicle, rng, today):
    for controller, versions in VERSIONS.items():
        count = rng.randint(1, len(versions))
        for step, version in enumerate(versions[:count]):
            day = today - timedelta(days=rng.randint(30, 240) + 300 * (count - 1 - step))
            channel = UpdateChannel.STORE if step == 0 and rng.random() < 0.3 else UpdateChannel.OTA
            services.version_save(actor=None, vehicle=vehicle, controller=controller, version=version,
                                  installed_at=_moment(day, 2), channel=channel)  # fmt: skip


def _codes(vehicle, rng, today, fast):
    picks = [CODES[1], CODES[0]] if fast else rng.sample(CODES, rng.randint(1, 2))
    for code, description in picks:
        first, last = today - timedelta(days=rng.randint(10, 90)), today - timedelta(days=rng.randint(1, 9))
        services.trouble_code_save(actor=None, vehicle=vehicle, code=code, description=description,
                                   first_seen=_moment(first), last_seen=_moment(last),
                                   status=DtcStatus.OPEN)  # fmt: skip
    if not fast:
        old = today - timedelta(days=400)
        services.trouble_code_save(actor=None, vehicle=vehicle, code=CODES[4][0], description=CODES[4][1],
                                   first_seen=_moment(old), last_seen=_moment(old + timedelta(days=2)),
                                   status=DtcStatus.CLEARED)  # fmt: skip
