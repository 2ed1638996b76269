"""Changes of the EV history: readings, trouble codes, software versions (one row each,
idempotent: the same row again changes nothing), and the nightly battery forecast
(docs/DOMAIN.md §17). The import, the reception form, the API and the demo all come here."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.catalog.choices import Powertrain
from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry, Store
from aftercare.core.permissions import Perm, require

from .choices import SERVICE_THRESHOLD, DtcStatus, ForecastStatus, ReadingSource, UpdateChannel
from .forecast import forecast
from .models import BatteryForecast, BatteryReading, SoftwareVersion, TroubleCode, version_key
from .selectors import warranty_threshold

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
READING_FIELDS = (
    "soh", "soc", "cycle_count", "cell_spread_mv", "max_cell_temp", "dc_share", "depth_of_discharge",
    "sessions_per_week",
)  # fmt: skip


def _check_vehicle(vehicle) -> None:
    if vehicle.powertrain == Powertrain.ICE:
        raise ValidationError({"vin": _("This vehicle is petrol/diesel only: it has no traction battery.")})


def _audit_reception(actor, obj, source, values):
    if source == ReadingSource.RECEPTION:
        audit_record(
            actor=actor, action=AuditEntry.Action.CREATE, obj=obj,
            changes={name: [None, str(value)] for name, value in values.items() if value not in (None, "")},
        )  # fmt: skip


UNREAD = object()  # reading_save reads the stored reading itself


def _check_reading(actor, vehicle, read_at, values) -> None:
    require(actor, Perm.CUSTOMER_EDIT, vehicle.store)
    _check_vehicle(vehicle)
    if read_at > timezone.now() + timedelta(days=1):
        raise ValidationError({"read_at": _("The reading is in the future.")})
    unknown = set(values) - set(READING_FIELDS)
    if unknown:
        raise ValueError(unknown)


def reading_new(*, actor, vehicle, read_at, source=ReadingSource.IMPORT, **values) -> BatteryReading:
    """A new reading checked by reading_save's rules, not saved: the import writes a chunk of them
    at once with readings_write (no audit row: only reception readings have one)."""
    _check_reading(actor, vehicle, read_at, values)
    reading = BatteryReading(store_id=vehicle.store_id, vehicle=vehicle, read_at=read_at, source=source, **values)
    reading.recorded_by = actor if getattr(actor, "pk", None) else None
    reading.clean_fields(exclude=["store", "vehicle", "order", "recorded_by"])
    return reading


def readings_write(readings: list[BatteryReading]) -> None:
    """Insert new readings in bulk; one of a moment saved meanwhile by someone else is left as it is."""
    BatteryReading.objects.bulk_create(readings, batch_size=500, ignore_conflicts=True)


def reading_save(*, actor, vehicle, read_at, source=ReadingSource.IMPORT, order=None, existing=UNREAD, **values) -> str:
    """Record one battery reading; the same vehicle and moment again updates it, unchanged values change nothing.
    `existing`: the stored reading of that moment (or None), when the caller read them all at once (the import)."""
    _check_reading(actor, vehicle, read_at, values)
    if existing is UNREAD:
        existing = BatteryReading.objects.filter(vehicle=vehicle, read_at=read_at).first()
    reading = existing or BatteryReading(store_id=vehicle.store_id, vehicle=vehicle, read_at=read_at, source=source)
    changed = [name for name in READING_FIELDS if name in values and getattr(reading, name) != values[name]]
    if existing and not changed:
        return UNCHANGED
    for name in changed:
        setattr(reading, name, values[name])
    reading.order = order or reading.order
    reading.recorded_by = actor if getattr(actor, "pk", None) else None
    reading.clean_fields(exclude=["store", "vehicle", "order", "recorded_by"])
    reading.save()
    _audit_reception(actor, reading, source, {name: values[name] for name in changed})
    return UPDATED if existing else CREATED


def _check_code(actor, vehicle, code, first_seen, last_seen) -> tuple[str, object]:
    require(actor, Perm.CUSTOMER_EDIT, vehicle.store)
    _check_vehicle(vehicle)
    code = code.strip().upper()
    if not code:
        raise ValidationError({"code": _("Enter the fault code.")})
    last_seen = last_seen or first_seen
    if last_seen < first_seen:
        raise ValidationError({"last_seen": _("Last seen is before first seen.")})
    return code, last_seen


def trouble_code_new(
    *, actor, vehicle, code, first_seen, last_seen=None, description="", status=DtcStatus.OPEN,
    source=ReadingSource.IMPORT,
) -> TroubleCode:  # fmt: skip
    """A new occurrence checked by trouble_code_save's rules, not saved: the import writes a chunk
    of them at once with trouble_codes_write (no audit row: only reception codes have one)."""
    code, last_seen = _check_code(actor, vehicle, code, first_seen, last_seen)
    dtc = TroubleCode(
        store_id=vehicle.store_id, vehicle=vehicle, code=code, description=description, first_seen=first_seen,
        last_seen=last_seen, status=status, source=source,
    )  # fmt: skip
    dtc.clean_fields(exclude=["store", "vehicle"])
    return dtc


def trouble_code_changes(existing: TroubleCode, *, last_seen, status, description) -> bool:
    """Whether a report of a known occurrence changes it: an older report does not, nor the
    same last-seen with the same status and no new description."""
    return not (
        last_seen < existing.last_seen
        or (last_seen == existing.last_seen and status == existing.status and description in ("", existing.description))
    )


def trouble_code_merge(existing: TroubleCode, *, last_seen, status, description) -> None:
    """Give a known occurrence a newer report's last-seen, status and description (in memory)."""
    existing.last_seen, existing.status = last_seen, status
    existing.description = description or existing.description


def trouble_codes_write(codes: list[TroubleCode]) -> None:
    """Insert new occurrences in bulk; one saved meanwhile by someone else is left as it is."""
    TroubleCode.objects.bulk_create(codes, batch_size=500, ignore_conflicts=True)


def trouble_code_save(
    *, actor, vehicle, code, first_seen, last_seen=None, description="", status=DtcStatus.OPEN,
    source=ReadingSource.IMPORT, existing=UNREAD,
) -> str:  # fmt: skip
    """Record one occurrence of a fault code (vehicle, code, first seen); seen again, its last-seen
    moves forward and its status follows the newer report. `existing`: the stored occurrence
    (or None), when the caller read them all at once (the import)."""
    code, last_seen = _check_code(actor, vehicle, code, first_seen, last_seen)
    if existing is UNREAD:
        existing = TroubleCode.objects.filter(vehicle=vehicle, code=code, first_seen=first_seen).first()
    if existing:
        report = {"last_seen": last_seen, "status": status, "description": description}
        if not trouble_code_changes(existing, **report):
            return UNCHANGED  # an older report of the same occurrence
        trouble_code_merge(existing, **report)
        existing.clean_fields(exclude=["store", "vehicle"])
        existing.save(update_fields=["last_seen", "status", "description"])
        return UPDATED
    dtc = TroubleCode(
        store_id=vehicle.store_id, vehicle=vehicle, code=code, description=description, first_seen=first_seen,
        last_seen=last_seen, status=status, source=source,
    )  # fmt: skip
    dtc.clean_fields(exclude=["store", "vehicle"])
    dtc.save()
    _audit_reception(actor, dtc, source, {"code": code, "status": status})
    return CREATED


def _check_version(actor, vehicle, version, channel, order) -> str:
    require(actor, Perm.CUSTOMER_EDIT, vehicle.store)
    _check_vehicle(vehicle)
    version = version.strip()
    if not version:
        raise ValidationError({"version": _("Enter the version.")})
    if channel == UpdateChannel.STORE and order is not None and order.vehicle_id != vehicle.pk:
        raise ValidationError({"order": _("The repair order is another vehicle's.")})
    return version


def version_new(*, actor, vehicle, controller, version, installed_at, channel=UpdateChannel.OTA) -> SoftwareVersion:
    """A new version checked by version_save's rules, not saved: the import writes a chunk of them
    at once with versions_write, which marks each controller's latest current."""
    version = _check_version(actor, vehicle, version, channel, None)
    row = SoftwareVersion(store_id=vehicle.store_id, vehicle=vehicle, controller=controller, version=version,
                          version_key=version_key(version), installed_at=installed_at, channel=channel)  # fmt: skip
    row.clean_fields(exclude=["store", "vehicle", "order", "version_key"])
    return row


def versions_write(rows: list[SoftwareVersion]) -> None:
    """Insert new versions in bulk (one saved meanwhile by someone else is left as it is), then
    mark the latest of each controller they touch current."""
    SoftwareVersion.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    _mark_current({(row.vehicle_id, row.controller) for row in rows})


def version_save(
    *, actor, vehicle, controller, version, installed_at, channel=UpdateChannel.OTA, order=None, existing=UNREAD
) -> str:
    """Record the version a controller ran from `installed_at`; each controller's latest is marked current.
    `existing`: the stored version of that moment (or None), when the caller read them all at once (the import)."""
    version = _check_version(actor, vehicle, version, channel, order)
    if existing is UNREAD:
        existing = SoftwareVersion.objects.filter(
            vehicle=vehicle, controller=controller, installed_at=installed_at
        ).first()
    if existing and (existing.version, existing.channel) == (version, channel):
        return UNCHANGED
    row = existing or SoftwareVersion(store_id=vehicle.store_id, vehicle=vehicle, controller=controller,
                                      installed_at=installed_at)  # fmt: skip
    row.version, row.channel, row.order = version, channel, order or row.order
    row.clean_fields(exclude=["store", "vehicle", "order", "version_key"])
    row.save()
    _mark_current({(vehicle.pk, controller)})
    return UPDATED if existing else CREATED


def _mark_current(pairs: set[tuple[int, str]]) -> None:
    """Mark the latest version of each (vehicle, controller) current and its others not: one read
    of those vehicles' versions and at most two updates, however many pairs."""
    if not pairs:
        return
    rows = (
        SoftwareVersion.objects.filter(vehicle_id__in={vehicle_id for vehicle_id, _c in pairs})
        .order_by("vehicle_id", "controller", "-installed_at", "-id")
        .values_list("vehicle_id", "controller", "pk", "is_current")
    )  # fmt: skip
    latest, stale, fresh = set(), [], []
    for vehicle_id, controller, pk, is_current in rows.iterator(chunk_size=5000):
        pair = (vehicle_id, controller)
        if pair not in pairs:
            continue
        if pair not in latest:
            latest.add(pair)
            if not is_current:
                fresh.append(pk)
        elif is_current:
            stale.append(pk)
    if stale:
        SoftwareVersion.objects.filter(pk__in=stale).update(is_current=False)
    if fresh:
        SoftwareVersion.objects.filter(pk__in=fresh).update(is_current=True)


# --- the nightly forecast ------------------------------------------------------------------------


def forecasts_refresh(*, store: Store, today: date | None = None) -> int:
    """Forecast every vehicle of `store` that has readings: one read of the store's SOH history
    (ordered by vehicle), the fit in memory, one bulk upsert (docs/DOMAIN.md §17.4). Returns
    the number of forecasts written."""
    now = timezone.now()
    rows = (
        BatteryReading.objects.filter(store=store)
        .order_by("vehicle_id", "read_at")
        .values_list("vehicle_id", "read_at", "soh")
    )
    forecasts, current, points, threshold = [], None, [], warranty_threshold()

    def flush():
        if current is not None:
            forecasts.append(_forecast_row(store, current, points, threshold, now))

    for vehicle_id, read_at, soh in rows.iterator(chunk_size=5000):
        if vehicle_id != current:
            flush()
            current, points = vehicle_id, []
        points.append((timezone.localdate(read_at), soh))
    flush()
    with transaction.atomic():
        BatteryForecast.objects.bulk_create(
            forecasts, batch_size=1000, update_conflicts=True, unique_fields=["vehicle"],
            update_fields=[f.name for f in BatteryForecast._meta.concrete_fields if f.name not in ("id", "vehicle")],
        )  # fmt: skip
    return len(forecasts)


def _forecast_row(store, vehicle_id, points, threshold, now) -> BatteryForecast:
    result = forecast(points, (SERVICE_THRESHOLD, threshold))
    row = BatteryForecast(
        store=store, vehicle_id=vehicle_id, computed_at=now, status=result.status, readings=result.readings,
        last_soh=result.last_soh,
        slope_per_year=None if result.slope_per_year is None else round(result.slope_per_year, 2),
    )  # fmt: skip
    if result.status != ForecastStatus.NOT_ENOUGH:
        service, warranty = result.crossing(SERVICE_THRESHOLD), result.crossing(threshold)
        row.service_on, row.service_early, row.service_late = service.on, service.early, service.late
        row.warranty_on, row.warranty_early, row.warranty_late = warranty.on, warranty.early, warranty.late
    return row


def forecasts_refresh_all(*, today: date | None = None) -> int:
    return sum(forecasts_refresh(store=store, today=today) for store in Store.objects.filter(is_active=True))
