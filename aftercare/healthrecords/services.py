"""The electronic vehicle health record (docs/DOMAIN.md §23): the settlement
check, taking the record when an order settles, corrections, and the uploader.

The record is taken from the order by the spine's `repair_order_status_changed`
signal (SETTLED), after the settlement committed; the check before it is a
SETTLED guard registered in this app's ready(), so neither billing nor the
spine imports this app. The uploader posts one record at a time to the store's
configured platform; it holds no lock while the request is on the wire and
moves the record only if it is still the one that was sent (§23.4)."""

import hashlib
import hmac
import json
import time
from decimal import Decimal

import requests
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm, require
from aftercare.core.workflow import Workflow
from aftercare.service.choices import LineKind, LineStatus
from aftercare.service.models import RepairOrder, RepairOrderLine

from .choices import TRANSITIONS, UploadState
from .models import HealthRecord, HealthRecordSettings, HealthRecordStatusChange

health_record_status_changed = Signal()

HEALTH_RECORD_WORKFLOW = Workflow(
    model=HealthRecord,
    states=UploadState,
    transitions=TRANSITIONS,
    history=HealthRecordStatusChange,
    history_fk="record",
    signal=health_record_status_changed,
    refused_message=gettext_lazy("A health record cannot go from %(from)s to %(to)s."),
)

# The platform's answer must come within this many seconds; a slower one is a failure, retried.
UPLOAD_TIMEOUT_SECONDS = 10
# A fault description the sandbox platform finds too thin (docs/DOMAIN.md §23.5).
SANDBOX_MIN_FAULT_CHARS = 4


class UploadFailed(Exception):
    """The platform could not be reached or answered with a server error: the task retries."""


# --- The 13 elements ------------------------------------------------------------


def store_settings(store_id: int) -> HealthRecordSettings | None:
    return HealthRecordSettings.objects.filter(store_id=store_id).first()


def _fault_description(order: RepairOrder) -> str:
    return "；".join(text.strip() for text in (order.customer_statement, order.findings) if text and text.strip())


def _approved_lines(order: RepairOrder):
    return RepairOrderLine.objects.filter(repair_order=order, status=LineStatus.APPROVED).order_by("position", "id")


def order_elements(order: RepairOrder, *, settled_on=None) -> dict:
    """The 13 elements as the order stands now (docs/DOMAIN.md §23.1)."""
    lines = _approved_lines(order).only("kind", "code", "description", "hours", "quantity")
    return _elements(order, lines, settled_on or timezone.localdate())


def _elements(order: RepairOrder, lines, settled_on) -> dict:
    repair_items, parts, hours = [], [], Decimal("0")
    for line in lines:
        if line.kind == LineKind.LABOUR:
            repair_items.append({"name": line.description, "code": line.code, "hours": str(line.hours)})
            hours += line.hours
        elif line.kind == LineKind.PART:
            parts.append({"name": line.description, "code": line.code, "quantity": str(line.quantity.normalize())})
    vehicle = order.vehicle
    return {
        "company_name": order.store.name,
        "vin": vehicle.vin,
        "plate": vehicle.plate,
        "repair_date": timezone.localdate(order.opened_at),
        "repair_mileage": order.odometer_km,
        "settle_date": settled_on,
        "settle_number": order.number,
        "fault_description": _fault_description(order),
        "repair_items": repair_items,
        "labour_hours": hours,
        "parts": parts,
    }


def records_backfill(orders) -> list[HealthRecord]:
    """Records for settled orders that have none (orders settled before the store
    kept records, the demo, the benchmark): set-based, the lines of all orders in
    one query per 1,000 orders, each dated by its order's last SETTLED move."""
    from collections import defaultdict

    from django.db.models import Max

    from aftercare.service.choices import Status
    from aftercare.service.models import StatusChange

    orders = list(
        orders.filter(status__in=[Status.SETTLED, Status.DELIVERED], health_record__isnull=True)
        .select_related("store", "vehicle")
        .order_by("id")
    )
    created = []
    for start in range(0, len(orders), 1000):
        chunk = orders[start : start + 1000]
        ids = [order.pk for order in chunk]
        settled_at = dict(
            StatusChange.objects.filter(repair_order_id__in=ids, to_status=Status.SETTLED)
            .values_list("repair_order_id")
            .annotate(at=Max("changed_at"))
        )
        lines = defaultdict(list)
        for line in (
            RepairOrderLine.objects.filter(repair_order_id__in=ids, status=LineStatus.APPROVED)
            .order_by("repair_order_id", "position", "id")
            .only("repair_order_id", "kind", "code", "description", "hours", "quantity")
        ):
            lines[line.repair_order_id].append(line)
        records = []
        for order in chunk:
            at = settled_at.get(order.pk) or order.closed_at or order.updated_at
            elements = _elements(order, lines[order.pk], timezone.localdate(at))
            records.append(HealthRecord(store=order.store, repair_order=order, vehicle=order.vehicle, created_at=at,
                                        **elements))  # fmt: skip
        HealthRecord.objects.bulk_create(records)
        HealthRecordStatusChange.objects.bulk_create(
            HealthRecordStatusChange(record=record, to_status=UploadState.PENDING, changed_at=record.created_at)
            for record in records
        )
        created += records
    return created


def missing_elements(order: RepairOrder) -> list[str]:
    """The names of the elements the order cannot give yet (docs/DOMAIN.md §23.2).
    Dates and the document number always exist; parts may be none."""
    vehicle = order.vehicle
    missing = []
    if not order.store.name.strip():
        missing.append(_("repair business name"))
    if not vehicle.vin.strip():
        missing.append(_("VIN"))
    if not vehicle.plate.strip():
        missing.append(_("plate number"))
    if order.odometer_km is None:
        missing.append(_("odometer when brought in"))
    if not _fault_description(order):
        missing.append(_("fault description"))
    if not _approved_lines(order).filter(kind=LineKind.LABOUR).exists():
        missing.append(_("repair items"))
    return missing


def settlement_guard(order: RepairOrder) -> str | None:
    """The SETTLED guard: a store that checks refuses an order missing an element,
    naming each missing element (docs/DOMAIN.md §23.2)."""
    config = store_settings(order.store_id)
    if config is None or not config.check_on_settlement:
        return None
    missing = missing_elements(order)
    if not missing:
        return None
    return _("The electronic health record needs: %(missing)s. Fill them in on the order before settling.") % {
        "missing": "、".join(str(name) for name in missing)
    }


# --- Taking the record ----------------------------------------------------------


def health_record_take(*, repair_order_id: int) -> HealthRecord:
    """The settled order's record (taken once: a second call returns the first),
    queued for upload when the store is connected."""
    with transaction.atomic():
        order = RepairOrder.objects.select_related("store", "vehicle").get(pk=repair_order_id)
        existing = HealthRecord.objects.filter(repair_order=order).first()
        if existing is not None:
            return existing
        record = HealthRecord.objects.create(
            store=order.store, repair_order=order, vehicle=order.vehicle, **order_elements(order)
        )
        HEALTH_RECORD_WORKFLOW.start(record, actor=None)
        audit_record(actor=None, action=AuditEntry.Action.CREATE, obj=record, store=order.store)
        _queue_upload(record)
    return record


def _queue_upload(record: HealthRecord) -> None:
    config = store_settings(record.store_id)
    if config is None or not config.upload_enabled:
        return
    from .tasks import upload_health_record

    transaction.on_commit(lambda: upload_health_record.enqueue(record.pk))


# --- Corrections and resending --------------------------------------------------

CORRECTABLE = ("plate", "repair_mileage", "fault_description")


def health_record_correct(*, actor, record: HealthRecord, **values) -> HealthRecord:
    """Correct what the platform refused (plate, odometer, fault description):
    the record is changed with an audit row, and a record already answered goes
    back to pending to be sent again (docs/DOMAIN.md §23.4)."""
    require(actor, Perm.REPAIR_ORDER_EDIT, record.store)
    with transaction.atomic():
        record = HealthRecord.objects.select_for_update().get(pk=record.pk)
        changes = {}
        for field in CORRECTABLE:
            if field in values and values[field] != getattr(record, field):
                changes[field] = [getattr(record, field), values[field]]
                setattr(record, field, values[field])
        if not changes:
            raise ValidationError(_("Nothing was changed."))
        record.save(update_fields=[*changes, "updated_at"])
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=record, store=record.store, changes=changes)
        if record.status != UploadState.PENDING:
            _to_pending(record, actor=actor, note=_("Corrected"))
    return record


def health_record_resend(*, actor, record: HealthRecord) -> HealthRecord:
    """Queue a record the platform already answered to be sent again."""
    require(actor, Perm.REPAIR_ORDER_EDIT, record.store)
    with transaction.atomic():
        record = HealthRecord.objects.select_for_update().get(pk=record.pk)
        if record.status == UploadState.PENDING:
            _queue_upload(record)
            return record
        _to_pending(record, actor=actor, note=_("Sent again"))
    return record


def _to_pending(record: HealthRecord, *, actor, note: str) -> None:
    HEALTH_RECORD_WORKFLOW.move(record, UploadState.PENDING, actor=actor, note=note)
    _queue_upload(record)


# --- The uploader ---------------------------------------------------------------


def _day(value) -> str:
    return value.strftime("%Y%m%d") if value else ""


def platform_payload(record: HealthRecord, company_code: str = "") -> dict:
    """One record in the layout of the platform's upload interface (docs/DOMAIN.md §23.3)."""
    return {
        "companycode": company_code,
        "companyname": record.company_name,
        "vin": record.vin,
        "vehicleplatenumber": record.plate,
        "repairdate": _day(record.repair_date),
        "repairmileage": "" if record.repair_mileage is None else str(record.repair_mileage),
        "settledate": _day(record.settle_date),
        "costlistcode": record.settle_number,
        "faultdescription": record.fault_description,
        "repairprojectlist": [
            {"repairproject": item["name"], "workinghours": item["hours"]} for item in record.repair_items
        ],
        "partslist": [
            {"partsname": part["name"], "partscode": part["code"], "partsquantity": part["quantity"]}
            for part in record.parts
        ],
    }


def signed_headers(config: HealthRecordSettings, body: bytes, timestamp: str) -> dict:
    """The key, the time and an HMAC-SHA256 of time + body with the secret (docs/DOMAIN.md §23.4)."""
    digest = hmac.new(config.app_secret.encode(), timestamp.encode() + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json; charset=utf-8",
        "X-App-Key": config.app_key,
        "X-Company-Code": config.company_code,
        "X-Timestamp": timestamp,
        "X-Sign": digest,
    }


def _sandbox_answer(payload: dict) -> dict:
    """The demo's platform: deterministic, never the network (docs/DOMAIN.md §23.5)."""
    if len(payload["faultdescription"]) < SANDBOX_MIN_FAULT_CHARS:
        return {"code": "1", "message": "故障描述过于简单，请补充具体故障现象"}
    return {"code": "0", "message": "成功"}


def _post(config: HealthRecordSettings, payload: dict) -> dict:
    """The platform's answer {"code", "message"}; UploadFailed when there is none."""
    if config.sandbox:
        return _sandbox_answer(payload)
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = signed_headers(config, body, str(int(time.time() * 1000)))
    try:
        response = requests.post(config.endpoint_url, data=body, headers=headers, timeout=UPLOAD_TIMEOUT_SECONDS)
    except requests.RequestException as error:
        raise UploadFailed(str(error)[:300]) from error
    if response.status_code >= 500:
        raise UploadFailed(f"HTTP {response.status_code}")
    try:
        answer = response.json()
    except ValueError as error:
        raise UploadFailed(f"HTTP {response.status_code}: not JSON") from error
    if not isinstance(answer, dict) or "code" not in answer:
        raise UploadFailed(f"HTTP {response.status_code}: no code")
    if response.status_code >= 400 and str(answer.get("code")) == "0":
        raise UploadFailed(f"HTTP {response.status_code}")
    return answer


def health_record_upload(*, record_id: int) -> str:
    """Send one pending record; returns its state after. Idempotent: a record that
    is not pending is left alone. A failure records the error and raises
    UploadFailed, so the background task retries with backoff."""
    record = HealthRecord.objects.select_related("store").get(pk=record_id)
    config = store_settings(record.store_id)
    if record.status != UploadState.PENDING or config is None or not config.upload_enabled:
        return record.status
    if not (config.endpoint_url or config.sandbox):
        return record.status
    sent_version = record.updated_at
    try:
        answer = _post(config, platform_payload(record, config.company_code))
    except UploadFailed as error:
        HealthRecord.objects.filter(pk=record.pk).update(
            attempts=record.attempts + 1, last_error=str(error)[:300], updated_at=sent_version
        )
        raise
    with transaction.atomic():
        record = HealthRecord.objects.select_for_update().get(pk=record_id)
        if record.status != UploadState.PENDING or record.updated_at != sent_version:
            # Corrected or answered while on the wire: the newer version is sent by its own task.
            return record.status
        record.attempts += 1
        record.last_error = ""
        fields = ["attempts", "last_error"]
        if str(answer.get("code")) == "0":
            answered_before = record.status_changes.filter(
                to_status__in=(UploadState.SENT, UploadState.RESENT, UploadState.REJECTED)
            ).exists()
            record.sent_at = timezone.now()
            record.reject_reason = ""
            fields += ["sent_at", "reject_reason"]
            to = UploadState.RESENT if answered_before else UploadState.SENT
            HEALTH_RECORD_WORKFLOW.move(record, to, actor=None, fields=fields)
        else:
            record.reject_reason = str(answer.get("message") or _("No reason given"))[:300]
            fields.append("reject_reason")
            HEALTH_RECORD_WORKFLOW.move(record, UploadState.REJECTED, actor=None, note=record.reject_reason,
                                        fields=fields)  # fmt: skip
    return record.status


def upload_pending(store_ids=None) -> int:
    """Queue every pending record of the connected stores (the sweep after an
    outage); returns how many were queued."""
    from .tasks import upload_health_record

    connected = HealthRecordSettings.objects.filter(upload_enabled=True).values("store_id")
    records = HealthRecord.objects.filter(status=UploadState.PENDING, store_id__in=connected)
    if store_ids is not None:
        records = records.filter(store_id__in=store_ids)
    ids = list(records.values_list("id", flat=True))
    for record_id in ids:
        upload_health_record.enqueue(record_id)
    return len(ids)


# --- Settings -------------------------------------------------------------------

SECRET_FIELDS = ("app_secret",)


def settings_save(*, actor, store, data: dict) -> HealthRecordSettings:
    """The store's platform connection and check; a blank secret keeps the one on file."""
    require(actor, Perm.STORE_MANAGE, store)
    with transaction.atomic():
        config, created = HealthRecordSettings.objects.select_for_update().get_or_create(store=store)
        changes = {}
        for field, value in data.items():
            if field in SECRET_FIELDS and not value:
                continue
            if getattr(config, field) != value:
                changes[field] = ["***", "***"] if field in SECRET_FIELDS else [getattr(config, field), value]
                setattr(config, field, value)
        if config.upload_enabled and not (config.endpoint_url or config.sandbox):
            raise ValidationError({"endpoint_url": _("Give the platform's endpoint to upload to it.")})
        config.save()
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
            obj=config,
            store=store,
            changes=changes,
        )
    return config
