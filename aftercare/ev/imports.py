"""The carmaker's telematics and the diagnostic tool's exports into the EV history, through
the one import pipeline (core.imports). One file holds many vehicles, matched by VIN within
the store; a row already imported is UNCHANGED, so a file imported twice adds nothing.
The layouts (CSV, xlsx or JSON) are in docs/DOMAIN.md §17.2."""

import io
from datetime import datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.core import imports as pipeline
from aftercare.core.imports import Importer, column_map_for
from aftercare.core.spreadsheets import CellError, ChoiceReader, cell_text, parse_decimal, read_table
from aftercare.customers.models import Vehicle

from . import services
from .choices import Controller, DtcStatus, UpdateChannel
from .models import BatteryReading, SoftwareVersion, TroubleCode

READINGS, CODES, VERSIONS = "readings", "codes", "versions"

READING_COLUMNS = {
    "vin": ["VIN", "车架号"],
    "read_at": ["读取时间", "read at", "time"],
    "soh": ["SOH", "健康度"],
    "soc": ["SOC", "电量"],
    "cycle_count": ["循环次数", "cycles"],
    "cell_spread_mv": ["压差mV", "cell spread mV", "cell spread"],
    "max_cell_temp": ["最高温度", "max cell temp"],
    "dc_share": ["快充占比", "DC share"],
    "depth_of_discharge": ["放电深度", "depth of discharge", "DoD"],
    "sessions_per_week": ["每周充电次数", "sessions per week"],
}
CODE_COLUMNS = {
    "vin": ["VIN", "车架号"],
    "code": ["故障码", "code", "DTC"],
    "description": ["描述", "description"],
    "first_seen": ["首次出现", "first seen"],
    "last_seen": ["最近出现", "last seen"],
    "status": ["状态", "status"],
}
VERSION_COLUMNS = {
    "vin": ["VIN", "车架号"],
    "controller": ["控制器", "controller"],
    "version": ["版本", "version"],
    "installed_at": ["升级时间", "installed at"],
    "channel": ["方式", "channel"],
}
_CONTROLLER = ChoiceReader(Controller, {Controller.INFOTAINMENT: ["infotainment", "车机", "IVI"],
                                        Controller.BMS: ["电池管理"], Controller.VCU: ["整车控制器"],
                                        Controller.MCU: ["电机控制器"]})  # fmt: skip
_CHANNEL = ChoiceReader(UpdateChannel, {UpdateChannel.OTA: ["OTA", "远程"], UpdateChannel.STORE: ["店内", "门店"]})
_STATUS = ChoiceReader(DtcStatus, {DtcStatus.OPEN: ["当前", "active", "历史未清除"], DtcStatus.CLEARED: ["已清除"]})


def parse_moment(raw):
    """A cell as an aware datetime: an Excel date/time, 2026-03-01 or 2026-03-01 08:30[:00], local time."""
    if isinstance(raw, datetime):
        value = raw
    elif hasattr(raw, "year") and hasattr(raw, "month"):
        value = datetime.combine(raw, time(0, 0))
    else:
        text = cell_text(raw).replace("/", "-").replace("T", " ")
        if not text:
            return None
        try:
            value = datetime.fromisoformat(text[:19])
        except ValueError:
            raise CellError(_("Enter a date and time such as 2026-03-01 08:30.")) from None
    if value.year < 2000 or value.year > 2100:
        raise CellError(_("Enter a date and time such as 2026-03-01 08:30."))
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class EvImporter(Importer):
    """Rows of one store's vehicles, matched by VIN (the vehicles are fetched once per file)."""

    def __init__(self, *, actor, column_map, store):
        super().__init__(actor=actor, column_map=column_map)
        self.store, self.vehicles = store, {}

    def prepare(self, rows):
        vins = {cell_text(values.get("vin")).upper() for _n, values in rows}
        self.vehicles = {
            v.vin: v for v in Vehicle.objects.filter(store=self.store, vin__in=vins).select_related("store")
        }

    def vehicle(self, values, errors):
        vin = cell_text(values.get("vin")).upper()
        vehicle = self.vehicles.get(vin)
        if not vin:
            errors["vin"] = _("Enter the VIN.")
        elif vehicle is None:
            errors["vin"] = _("No vehicle with VIN %(vin)s in this store.") % {"vin": vin}
        return vehicle

    def read(self, values, errors, name, parser, required=False):
        try:
            value = parser(values.get(name))
        except CellError as error:
            errors[name] = str(error)
            return None
        if value is None and required:
            errors[name] = _("This cell is required.")
        return value


def _number(raw):
    return parse_decimal(raw)


def _whole(raw):
    number = parse_decimal(raw)
    if number is None:
        return None
    if number != int(number):
        raise CellError(_("Enter a whole number."))
    return int(number)


class BatchedEvImporter(EvImporter):
    """A kind whose new records are checked row by row and written a chunk at a time
    (core.imports' batch hook); the file's vehicles' stored records are read once."""

    batch_size = 2000

    def prepare(self, rows):
        super().prepare(rows)
        stored = self.model.objects.filter(vehicle__in=list(self.vehicles.values()))
        self.stored = {self.key(record): record for record in stored.iterator(chunk_size=5000)}


class ReadingImporter(BatchedEvImporter):
    kind = READINGS
    label = gettext_lazy("Battery and charging readings")
    model = BatteryReading
    columns = READING_COLUMNS
    required = ("vin", "read_at", "soh")
    example = {"vin": "LGXCE4CB0N0000001", "read_at": "2026-03-01 08:30", "soh": "96.5", "soc": "72",
               "cycle_count": "180", "cell_spread_mv": "18", "max_cell_temp": "34.5", "dc_share": "35",
               "depth_of_discharge": "60", "sessions_per_week": "3.5"}  # fmt: skip

    def key(self, record):
        return (record.vehicle_id, record.read_at)

    def _fields(self):
        return [name for name in services.READING_FIELDS if name == "soh" or name in self.column_map.columns]

    def changes(self, found, record):
        return any(getattr(found, name) != getattr(record, name) for name in self._fields())

    def merge(self, found, record):
        for name in self._fields():
            setattr(found, name, getattr(record, name))

    def update(self, found, record):
        return services.reading_save(
            actor=self.actor, vehicle=record.vehicle, read_at=record.read_at,
            existing=services.UNREAD if found is None else found,
            **{name: getattr(record, name) for name in self._fields()},
        )  # fmt: skip

    def write(self, records):
        services.readings_write(records)

    def row(self, number, values):
        errors = {}
        vehicle = self.vehicle(values, errors)
        read_at = self.read(values, errors, "read_at", parse_moment, required=True)
        data = {"soh": self.read(values, errors, "soh", _number, required=True)}
        for name in ("soc", "max_cell_temp", "dc_share", "depth_of_discharge", "sessions_per_week"):
            if name in self.column_map.columns:
                data[name] = self.read(values, errors, name, _number)
        for name in ("cycle_count", "cell_spread_mv"):
            if name in self.column_map.columns:
                data[name] = self.read(values, errors, name, _whole)
        if vehicle is None or read_at is None or data["soh"] is None:
            return errors, None

        def save() -> str:
            # Every rule of reading_save, and nothing written until the chunk is.
            return self.keep(services.reading_new(actor=self.actor, vehicle=vehicle, read_at=read_at, **data))

        return errors, save


class CodeImporter(BatchedEvImporter):
    kind = CODES
    label = gettext_lazy("Diagnostic trouble codes")
    model = TroubleCode
    columns = CODE_COLUMNS
    required = ("vin", "code", "first_seen")
    example = {"vin": "LGXCE4CB0N0000001", "code": "P0AA6", "description": "高压绝缘故障",
               "first_seen": "2026-02-20 10:00", "last_seen": "2026-03-01 08:30", "status": "当前"}  # fmt: skip

    def key(self, record):
        return (record.vehicle_id, record.code, record.first_seen)

    @staticmethod
    def _report(record):
        return {"last_seen": record.last_seen, "status": record.status, "description": record.description}

    def changes(self, found, record):
        return services.trouble_code_changes(found, **self._report(record))

    def merge(self, found, record):
        services.trouble_code_merge(found, **self._report(record))

    def update(self, found, record):
        return services.trouble_code_save(
            actor=self.actor, vehicle=record.vehicle, code=record.code, first_seen=record.first_seen,
            existing=services.UNREAD if found is None else found, **self._report(record),
        )  # fmt: skip

    def write(self, records):
        services.trouble_codes_write(records)

    def row(self, number, values):
        errors = {}
        vehicle = self.vehicle(values, errors)
        code = cell_text(values.get("code"))
        if not code:
            errors["code"] = _("Enter the fault code.")
        first = self.read(values, errors, "first_seen", parse_moment, required=True)
        last = self.read(values, errors, "last_seen", parse_moment)
        status = self.read(values, errors, "status", lambda raw: _STATUS(raw) if cell_text(raw) else DtcStatus.OPEN)
        if vehicle is None or first is None or not code:
            return errors, None

        def save() -> str:
            return self.keep(services.trouble_code_new(
                actor=self.actor, vehicle=vehicle, code=code, description=cell_text(values.get("description")),
                first_seen=first, last_seen=last, status=status or DtcStatus.OPEN,
            ))  # fmt: skip

        return errors, save


class VersionImporter(BatchedEvImporter):
    kind = VERSIONS
    label = gettext_lazy("Software versions")
    model = SoftwareVersion
    columns = VERSION_COLUMNS
    required = ("vin", "controller", "version", "installed_at")
    example = {"vin": "LGXCE4CB0N0000001", "controller": "BMS", "version": "3.2.1",
               "installed_at": "2026-01-15 02:00", "channel": "OTA"}  # fmt: skip

    def key(self, record):
        return (record.vehicle_id, record.controller, record.installed_at)

    def changes(self, found, record):
        return (found.version, found.channel) != (record.version, record.channel)

    def merge(self, found, record):
        found.version, found.version_key, found.channel = record.version, record.version_key, record.channel

    def update(self, found, record):
        return services.version_save(
            actor=self.actor, vehicle=record.vehicle, controller=record.controller, version=record.version,
            installed_at=record.installed_at, channel=record.channel,
            existing=services.UNREAD if found is None else found,
        )  # fmt: skip

    def write(self, records):
        services.versions_write(records)

    def row(self, number, values):
        errors = {}
        vehicle = self.vehicle(values, errors)
        controller = self.read(values, errors, "controller", _CONTROLLER, required=True)
        version = cell_text(values.get("version"))
        if not version:
            errors["version"] = _("Enter the version.")
        installed = self.read(values, errors, "installed_at", parse_moment, required=True)
        channel = self.read(values, errors, "channel", lambda raw: _CHANNEL(raw) if cell_text(raw) else None)
        if vehicle is None or controller is None or installed is None or not version:
            return errors, None

        def save() -> str:
            return self.keep(services.version_new(
                actor=self.actor, vehicle=vehicle, controller=controller, version=version, installed_at=installed,
                channel=channel or UpdateChannel.OTA,
            ))  # fmt: skip

        return errors, save


IMPORT_KINDS = {READINGS: ReadingImporter, CODES: CodeImporter, VERSIONS: VersionImporter}


def importer_factory(*, actor, store, kind: str):
    spec = IMPORT_KINDS[kind]

    def make(headers):
        return spec(actor=actor, column_map=column_map_for(spec, headers), store=store)

    return make


def import_bytes(*, actor, store, kind: str, data: bytes, filename: str, mode: str, max_rows=None):
    """Import a whole file at once (the API, the tests, the demo, the benchmark)."""
    upload = io.BytesIO(data)
    upload.name = filename
    headers, rows = read_table(upload, json_records=True, max_rows=max_rows)
    return pipeline.run(importer_factory(actor=actor, store=store, kind=kind), headers, rows, mode=mode,
                        filename=filename, audit_store=store)  # fmt: skip
