# ruff: noqa: S608
# SQL is assembled from table names (Model._meta) and placeholders; every value is a bound parameter.
"""Electric vehicles (docs/DOMAIN.md §17): importing battery readings through the one import
pipeline, the EV panel of the vehicle page, and the nightly battery forecast of a store.

Floors: for the import, the same rows bulk-inserted by hand (COPY on PostgreSQL, executemany on
SQLite) with the VINs already resolved; for the panel, its reads by hand behind a no-op page; for
the forecast, the store's SOH history read by hand (the fit itself is the app's, and costs the
same on both sides)."""

import itertools
import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from aftercare.core.imports import VALID_ROWS
from aftercare.customers.models import Vehicle
from aftercare.ev import imports, services
from aftercare.ev.models import BatteryForecast, BatteryReading, SoftwareVersion, TroubleCode

from ..harness import NIGHTLY, PAGE, WRITE, Case, Context, operation
from ..history import columns_of, insert
from .customers import raw, samples

# The size at store scale: 100,000 readings of 10,000 vehicles (10 each); tiny scales shrink it.
READINGS_PER_VEHICLE = 10
IMPORT_VEHICLES = {"store": 10_000, "group": 10_000}
HISTORY_READINGS = 24  # readings per vehicle for the panel and the forecast
T = {m.__name__: m._meta.db_table for m in (BatteryReading, TroubleCode, SoftwareVersion, BatteryForecast, Vehicle)}


def _dataset(ctx: Context) -> dict:
    data = ctx.cache.get("ev")
    if data:
        return data
    store = samples(ctx)["store"]
    wanted = IMPORT_VEHICLES.get(ctx.scale.split("-")[0], 200)
    vehicles = list(Vehicle.objects.filter(store=store).order_by("id").values_list("id", "vin", "powertrain")[:wanted])
    ice = [pk for pk, _vin, pt in vehicles if pt == "ICE"]
    # The import matches plug-in cars only: the benchmark's cars become BEVs (their other data stay).
    Vehicle.objects.filter(pk__in=ice).update(powertrain="BEV")
    rng = random.Random(2026)
    # History for the panel and the forecast: the first 2,000 cars (all on tiny), 24 readings each.
    start = timezone.now() - timedelta(days=3 * 365)
    history = [
        (store.pk, pk, start + timedelta(days=45 * i, hours=rng.randint(0, 12)),
         Decimal(str(round(100 - 2.5 * i * 45 / 365 + rng.uniform(-0.8, 0.8), 2))), "import",
         timezone.now())
        for pk, _vin, _pt in vehicles[:2000] for i in range(HISTORY_READINGS)
    ]  # fmt: skip
    BatteryReading.objects.filter(store=store).delete()
    insert(BatteryReading, columns_of(BatteryReading, ["store", "vehicle", "read_at", "soh", "source", "created_at"]),
           history)  # fmt: skip
    panel_vehicle = Vehicle.objects.get(pk=vehicles[0][0])
    for controller, version in (("BMS", "3.0.1"), ("VCU", "2.0.0"), ("MCU", "4.5"), ("IVI", "6.0.1")):
        services.version_save(actor=None, vehicle=panel_vehicle, controller=controller, version=version,
                              installed_at=timezone.now() - timedelta(days=30))  # fmt: skip
    services.trouble_code_save(actor=None, vehicle=panel_vehicle, code="P0AA6", description="高压系统绝缘电阻过低",
                               first_seen=timezone.now() - timedelta(days=5))  # fmt: skip
    data = {"store": store, "vehicles": [(pk, vin) for pk, vin, _pt in vehicles], "panel": panel_vehicle,
            "batch": itertools.count(1)}  # fmt: skip
    ctx.cache["ev"] = data
    return data


def _moments(batch: int):
    """Ten reading moments no earlier batch used (a new day per batch): every run creates its rows."""
    base = datetime(2020, 1, 1, 8, 0) + timedelta(days=batch * READINGS_PER_VEHICLE)
    return [base + timedelta(days=i) for i in range(READINGS_PER_VEHICLE)]


def _csv(vehicles, moments) -> bytes:
    lines = ["VIN,读取时间,SOH,SOC,循环次数,压差mV,最高温度,快充占比,放电深度,每周充电次数"]
    for _pk, vin in vehicles:
        for i, at in enumerate(moments):
            lines.append(f"{vin},{at:%Y-%m-%d %H:%M},{97 - i * 0.1:.1f},60,{100 + i},15,33.5,30,60,3.5")
    return ("\n".join(lines) + "\n").encode()


@operation("write.ev_readings_import", goal=WRITE, kind="write")
def readings_import(ctx: Context) -> Case:
    """100,000 readings of 10,000 vehicles through the import pipeline (a savepoint and the service
    per row) against the same rows bulk-inserted by hand."""
    data = _dataset(ctx)
    store, vehicles = data["store"], data["vehicles"]
    rows = len(vehicles) * READINGS_PER_VEHICLE
    columns = columns_of(BatteryReading, ["store", "vehicle", "read_at", "soh", "soc", "cycle_count", "cell_spread_mv",
                                          "max_cell_temp", "dc_share", "depth_of_discharge", "sessions_per_week",
                                          "source", "created_at"])  # fmt: skip

    def run():
        moments = _moments(next(data["batch"]))
        result = imports.import_bytes(actor=None, store=store, kind=imports.READINGS, data=_csv(vehicles, moments),
                                      filename="bench.csv", mode=VALID_ROWS, max_rows=rows)  # fmt: skip
        assert result.created == rows and not result.errors, (result.created, result.errors[:3])

    def floor():
        moments = [timezone.make_aware(m) for m in _moments(next(data["batch"]))]
        now = timezone.now()
        insert(BatteryReading, columns, [
            (store.pk, pk, at, Decimal(f"{97 - i * 0.1:.1f}"), Decimal(60), 100 + i, 15, Decimal("33.5"), Decimal(30),
             Decimal(60), Decimal("3.5"), "import", now)
            for pk, _vin in vehicles for i, at in enumerate(moments)
        ])  # fmt: skip

    return Case(run=run, floor=[floor], repeats=1)


@operation("page.ev_vehicle_panel", goal=PAGE, kind="page")
def vehicle_panel(ctx: Context) -> Case:
    """The EV panel (htmx) of a car with 24 readings, four versions and an open code."""
    data, sql, client = _dataset(ctx), raw(ctx), ctx.clients["advisor"]
    vehicle = data["panel"]

    def ok(response):
        assert response.status_code == 200, response.status_code
        return response

    def reads():
        sql.rows(f"SELECT read_at, soh, soc, cycle_count, dc_share FROM {T['BatteryReading']} WHERE vehicle_id = %s "
                 f"ORDER BY read_at", [vehicle.pk])  # fmt: skip
        sql.rows(f"SELECT code, description FROM {T['TroubleCode']} WHERE vehicle_id = %s AND status = 'open'",
                 [vehicle.pk])  # fmt: skip
        sql.rows(f"SELECT controller, version FROM {T['SoftwareVersion']} WHERE vehicle_id = %s "
                 f"ORDER BY installed_at DESC", [vehicle.pk])  # fmt: skip

    return Case(
        run=lambda: ok(client.get(f"/ev/vehicles/{vehicle.pk}/panel/", headers={"HX-Request": "true"})),
        floor=[lambda: ok(client.get("/bench/noop/", headers={"HX-Request": "true"})), reads],
    )


def _day(value):
    return (value if isinstance(value, datetime) else datetime.fromisoformat(str(value)[:19])).date()


@operation("nightly.ev_battery_forecast_store", goal=NIGHTLY, kind="nightly")
def forecast_store(ctx: Context) -> Case:
    """The nightly forecast of a store (2,000 cars × 24 readings at store scale) against reading
    the same history by hand and fitting it with the same function, without the upsert."""
    data, sql = _dataset(ctx), raw(ctx)
    store = data["store"]

    def floor():
        from aftercare.ev.choices import SERVICE_THRESHOLD, WARRANTY_THRESHOLD
        from aftercare.ev.forecast import forecast

        rows = sql.rows(f"SELECT vehicle_id, read_at, soh FROM {T['BatteryReading']} WHERE store_id = %s "
                        f"ORDER BY vehicle_id, read_at", [store.pk])  # fmt: skip
        for _vehicle, group in itertools.groupby(rows, key=lambda r: r[0]):
            forecast([(_day(r[1]), Decimal(str(r[2]))) for r in group],
                     (SERVICE_THRESHOLD, WARRANTY_THRESHOLD))  # fmt: skip

    return Case(run=lambda: services.forecasts_refresh(store=store), floor=[floor], repeats=3)
