"""The service desk's changes (docs/DOMAIN.md §25): rescues on core.workflow with every status
told to the customer through the messaging door, the standard answers and their search index,
major-event alerts, and the seven steps of a lost customer's recovery on core.workflow.

Every function runs in one transaction, checks the actor's permission in the row's store
(actor None: the customer's own phone page, or the system) and audits."""

import hashlib
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.accounts.selectors import store_service_manager
from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry, Store
from aftercare.core.money import to_money
from aftercare.core.permissions import Perm, require
from aftercare.core.services import next_document_number
from aftercare.core.workflow import TransitionRefused as TransitionRefused
from aftercare.core.workflow import Workflow
from aftercare.customers.models import Customer, Vehicle
from aftercare.vic.selectors import vic_enrolment_for

from . import segment
from .choices import (
    RECOVERY_STEPS,
    RECOVERY_TRANSITIONS,
    RESCUE_TRANSITIONS,
    TOLD_STATUSES,
    EventKind,
    FaqCategory,
    NoticeRole,
    RecoverySource,
    RecoveryStatus,
    RescueChannel,
    RescueStatus,
)
from .models import (
    ZERO,
    EventNotice,
    FaqEntry,
    FaqSearch,
    FaqShare,
    FaqSynonym,
    FaqTerm,
    MajorEvent,
    RecoveryCase,
    RecoveryStep,
    RescuePhoto,
    RescueRequest,
    RescueStatusChange,
)

# Defaults (docs/DOMAIN.md §25): numbers a store may later change.
RESCUE_FEE = Decimal("300.00")  # the fee of a rescue outside warranty, VIC pay nothing
FOLLOWUP_AFTER_HOURS = 24  # the rescue's follow-up call
FLAG_DAYS = 90  # how long a major event flags the customer
CARE_CALL_WITHIN_HOURS = 4  # the care call after a major event
MAX_PHOTOS = 6
TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def status_url(token: str) -> str:
    from django.conf import settings

    return settings.SITE_URL.rstrip("/") + reverse("desk_public:rescue_status", args=[token])


# --- messages through the door (docs/DOMAIN.md §15.1) --------------------------------------------

TEMPLATES = {
    "rescue_received": "{customer_name}您好，{store}已收到您的救援请求{number}，我们正在安排救援车辆。查看进度：{link}",
    "rescue_dispatched": "{customer_name}您好，救援{number}已派出：技师{technician}，救援车{rescue_vehicle}，"
    "预计{eta}到达。查看进度：{link}",
    "rescue_on_the_way": "{customer_name}您好，救援车已出发前往您的位置，预计{eta}到达。请在安全处等候。{link}",
    "rescue_arrived": "{customer_name}您好，救援技师{technician}已到达现场。{link}",
    "rescue_towing": "{customer_name}您好，您的车辆正在拖往{store}，我们会尽快检修并与您联系。{link}",
    "rescue_done": "{customer_name}您好，救援{number}已完成：{result}。费用：{fee}。"
    "感谢您的信任，如有问题请致电{store_phone}。",
    "faq_answer": "{customer_name}您好，关于“{question}”的解答请查看：{link}",
}


def _ensure_template(store: Store, code: str) -> None:
    from aftercare.messaging.choices import Channel, Purpose
    from aftercare.messaging.services import template_ensure

    for channel in (Channel.SMS, Channel.WECHAT, Channel.EMAIL):
        template_ensure(group=store.group, code=code, channel=channel, text=TEMPLATES[code], purpose=Purpose.SERVICE)


def _tell(rescue: RescueRequest, code: str, *, actor, token: str = "", **context) -> None:
    """One notice of a rescue to its customer, in the move's transaction (none for a caller
    who is not on file: they follow the status page of their link)."""
    if rescue.customer_id is None:
        return
    from aftercare.messaging.services import local_time_text, message_send

    _ensure_template(rescue.store, code)
    values = {
        "number": rescue.number,
        "link": status_url(token) if token else "",
        "technician": str(rescue.technician or ""),
        "rescue_vehicle": rescue.rescue_vehicle,
        "eta": local_time_text(rescue.eta_at) if rescue.eta_at else "",
        "store_phone": rescue.store.rescue_phone or rescue.store.phone,
        **context,
    }
    message_send(
        store=rescue.store, customer=rescue.customer, vehicle=rescue.vehicle, purpose="service", template_code=code,
        context=values, dedupe_key=f"{code}:{rescue.pk}", actor=actor, source=rescue, urgent=True,
    )  # fmt: skip


# --- roadside rescue (docs/DOMAIN.md §25.2) --------------------------------------------------------

rescue_status_changed = Signal()


def _dispatched(rescue: RescueRequest) -> str | None:
    if not (rescue.technician_id and rescue.rescue_vehicle and rescue.eta_at):
        return _("Name the technician, the rescue vehicle and the expected arrival first.")
    return None


def _result_written(rescue: RescueRequest) -> str | None:
    if not rescue.result.strip():
        return _("Report the result of the rescue first.")
    return None


def _cancel_explained(rescue: RescueRequest, context: dict) -> str | None:
    if not context["note"].strip():
        return _("Say why the rescue is cancelled.")
    return None


def _rescue_stamp(rescue: RescueRequest, to: str, at: datetime) -> list[str]:
    if to == RescueStatus.DISPATCHED:
        rescue.dispatched_at = at
        return ["dispatched_at"]
    if to == RescueStatus.ARRIVED:
        rescue.arrived_at = at
        return ["arrived_at"]
    if to in (RescueStatus.DONE, RescueStatus.CANCELLED):
        rescue.closed_at = at
        return ["closed_at"]
    return []


RESCUE_WORKFLOW = Workflow(
    model=RescueRequest,
    states=RescueStatus,
    transitions=RESCUE_TRANSITIONS,
    history=RescueStatusChange,
    history_fk="rescue",
    signal=rescue_status_changed,
    refused_message=gettext_lazy("A rescue cannot go from %(from)s to %(to)s."),
    guards={
        RescueStatus.DISPATCHED: [_dispatched],
        RescueStatus.DONE: [_result_written],
        RescueStatus.CANCELLED: [_cancel_explained],
    },
    stamp=_rescue_stamp,
)


def _coordinate(value, low: int, high: int, field: str, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        errors[field] = _("Enter a number.")
        return None
    if not low <= number <= high:
        errors[field] = _("Enter a number between %(low)s and %(high)s.") % {"low": low, "high": high}
        return None
    return number


def rescue_create(
    *,
    actor,
    store: Store,
    channel: str,
    contact_name: str,
    contact_phone: str,
    symptom: str,
    address: str = "",
    latitude=None,
    longitude=None,
    customer: Customer | None = None,
    vehicle: Vehicle | None = None,
    plate: str = "",
    photos=(),
    received_at: datetime | None = None,
) -> tuple[RescueRequest, str]:
    """Record a rescue request and return it with the token of its status link (shown once).
    Staff take it from the phone line (actor given); the customer's phone page has no actor and
    is matched to the customer on file by the mobile, and to the car by the plate. Free for a
    VIC customer by rule (docs/DOMAIN.md §13.3)."""
    if actor is not None:
        require(actor, Perm.DESK_WORK, store)
    errors: dict = {}
    contact_phone = "".join(ch for ch in (contact_phone or "") if ch.isdigit() or ch == "+")
    plate = (plate or "").strip().upper()[:20]
    if channel not in RescueChannel.values:
        errors["channel"] = _("Choose a channel.")
    if not (contact_name or "").strip():
        errors["contact_name"] = _("Enter the name of the person to call.")
    if not 5 <= len(contact_phone) <= 20:
        errors["contact_phone"] = _("Enter a phone number we can call.")
    if not (symptom or "").strip():
        errors["symptom"] = _("Say what happened to the car.")
    lat = _coordinate(latitude, -90, 90, "latitude", errors)
    lon = _coordinate(longitude, -180, 180, "longitude", errors)
    if (lat is None) != (lon is None) and "latitude" not in errors and "longitude" not in errors:
        errors["latitude"] = _("Give both coordinates, or none.")
    if not (address or "").strip() and lat is None and not errors.get("latitude"):
        errors["address"] = _("Give the address, or share your location.")
    if customer is not None and customer.store_id != store.pk:
        errors["customer"] = _("The customer must be on file in this store.")
    if vehicle is not None and (vehicle.store_id != store.pk or (customer and vehicle.owner_id != customer.pk)):
        errors["vehicle"] = _("The vehicle must be this customer's, in this store.")
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = _("At most %(n)d photos.") % {"n": MAX_PHOTOS}
    if errors:
        raise ValidationError(errors)
    if customer is None:
        customer = (
            Customer.objects.filter(store=store, mobile=contact_phone, merged_into__isnull=True).order_by("id").first()
        )
    if vehicle is None and customer is not None:
        cars = Vehicle.objects.filter(store=store, owner=customer)
        vehicle = (cars.filter(plate=plate).first() if plate else None) or (cars.first() if not plate else None)
    if vehicle is not None and not plate:
        plate = vehicle.plate
    free = bool(customer and vic_enrolment_for(customer))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        rescue = RescueRequest.objects.create(
            store=store, number=next_document_number(store=store, kind="rescue", prefix="RS"), channel=channel,
            customer=customer, vehicle=vehicle, plate=plate, contact_name=contact_name.strip()[:50],
            contact_phone=contact_phone, address=(address or "").strip()[:200], latitude=lat, longitude=lon,
            symptom=symptom.strip()[:1000], received_at=received_at or timezone.now(),
            received_by=actor if getattr(actor, "pk", None) else None, free_for_vic=free,
            fee=ZERO if free else RESCUE_FEE, token_hash=token_hash(token),
        )  # fmt: skip
        for image in photos:
            photo = RescuePhoto(rescue=rescue, image=image)
            photo.full_clean(exclude=["rescue"])
            photo.save()
        RESCUE_WORKFLOW.start(rescue, actor=actor if getattr(actor, "pk", None) else None, at=rescue.received_at)
        audit_record(
            actor=actor if getattr(actor, "pk", None) else None, action=AuditEntry.Action.CREATE, obj=rescue,
            changes={"channel": [None, channel], "free_for_vic": [None, free]},
        )  # fmt: skip
        _tell(rescue, "rescue_received", actor=actor, token=token)
    return rescue, token


def rescue_by_token(token: str) -> RescueRequest | None:
    if not token or len(token) > 100:
        return None
    return RescueRequest.objects.select_related("store", "technician").filter(token_hash=token_hash(token)).first()


def _locked(rescue: RescueRequest) -> RescueRequest:
    return (
        RescueRequest.objects.select_for_update(of=("self",))
        .select_related("store", "customer", "vehicle", "technician")
        .get(pk=rescue.pk)
    )


def rescue_dispatch(
    *, actor, rescue: RescueRequest, technician, rescue_vehicle: str, eta_minutes: int, note: str = ""
) -> RescueRequest:
    """Send a rescue vehicle and a technician; the customer is told who comes and when."""
    require(actor, Perm.DESK_WORK, rescue.store)
    errors = {}
    if technician is None or not technician.roles_at(rescue.store_id):
        errors["technician"] = _("Choose a member of this store's staff.")
    if not (rescue_vehicle or "").strip():
        errors["rescue_vehicle"] = _("Name the rescue vehicle.")
    if not isinstance(eta_minutes, int) or isinstance(eta_minutes, bool) or not 1 <= eta_minutes <= 24 * 60:
        errors["eta_minutes"] = _("Enter the minutes until arrival (1-1440).")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rescue = _locked(rescue)
        rescue.technician = technician
        rescue.rescue_vehicle = rescue_vehicle.strip()[:40]
        rescue.eta_at = timezone.now() + timedelta(minutes=eta_minutes)
        RESCUE_WORKFLOW.move(
            rescue, RescueStatus.DISPATCHED, actor=actor, note=note,
            fields=["technician", "rescue_vehicle", "eta_at"],
            changes={"technician": [None, technician.pk], "eta_at": [None, rescue.eta_at.isoformat()]},
        )  # fmt: skip
        _tell(rescue, "rescue_dispatched", actor=actor, token="")
    return rescue


def rescue_transition(*, actor, rescue: RescueRequest, to: str, note: str = "") -> RescueRequest:
    """On the way, arrived, towing, cancelled: each told to the customer through the door."""
    require(actor, Perm.DESK_WORK, rescue.store)
    if to in (RescueStatus.DISPATCHED, RescueStatus.DONE):
        raise ValidationError(_("Dispatch and the result have their own forms."))
    with transaction.atomic():
        rescue = _locked(rescue)
        RESCUE_WORKFLOW.move(rescue, to, actor=actor, note=note)
        if to in TOLD_STATUSES:
            _tell(rescue, f"rescue_{to}", actor=actor)
    return rescue


def rescue_finish(
    *, actor, rescue: RescueRequest, result: str, quality_defect: bool = False, fee=None, note: str = ""
) -> RescueRequest:
    """Report the result back: what was done, whether a quality defect caused it (then it can be
    claimed from the carmaker), the fee (nothing for VIC), a follow-up call for the next day."""
    require(actor, Perm.DESK_WORK, rescue.store)
    if not (result or "").strip():
        raise ValidationError({"result": _("Report the result of the rescue.")})
    if fee is not None:
        try:
            fee = to_money(Decimal(str(fee)))
        except (InvalidOperation, ValueError):
            raise ValidationError({"fee": _("Enter an amount.")}) from None
        if not ZERO <= fee <= Decimal("99999"):
            raise ValidationError({"fee": _("Enter an amount between 0 and 99,999.")})
    with transaction.atomic():
        rescue = _locked(rescue)
        rescue.result = result.strip()[:2000]
        rescue.quality_defect = bool(quality_defect)
        if rescue.free_for_vic or rescue.quality_defect:
            rescue.fee = ZERO
        elif fee is not None:
            rescue.fee = fee
        RESCUE_WORKFLOW.move(
            rescue, RescueStatus.DONE, actor=actor, note=note, fields=["result", "quality_defect", "fee"],
            changes={"quality_defect": [None, rescue.quality_defect], "fee": [None, str(rescue.fee)]},
        )  # fmt: skip
        if rescue.customer_id:
            task = _followup(rescue)
            if task is not None:
                rescue.followup_task_id = task.pk
                rescue.save(update_fields=["followup_task_id"])
        fee_text = _("free") if rescue.fee == ZERO else f"¥{rescue.fee}"
        _tell(rescue, "rescue_done", actor=actor, result=rescue.result[:200], fee=fee_text)
    return rescue


def _followup(rescue: RescueRequest):
    if not apps.is_installed("aftercare.followups"):
        return None
    from aftercare.followups.services import followup_create

    customer = rescue.customer
    return followup_create(
        store=rescue.store, customer=customer, kind="rescue",
        due_at=rescue.closed_at + timedelta(hours=FOLLOWUP_AFTER_HOURS), source_key=f"rescue:{rescue.pk}",
        owner=customer.assigned_advisor, owner_role="" if customer.assigned_advisor_id else "customer_care",
        vehicle=rescue.vehicle, note=(_("Rescue %(number)s: %(result)s") % {
            "number": rescue.number, "result": rescue.result})[:500],
    )  # fmt: skip


def rescue_claim(*, actor, rescue: RescueRequest, claim, amount) -> RescueRequest:
    """A rescue a quality defect caused becomes a line of the car's warranty claim, through the
    warranty app's own service (docs/DOMAIN.md §14.3), once."""
    from aftercare.warranty.services import claim_line_add

    require(actor, Perm.WARRANTY_MANAGE, rescue.store)
    try:
        amount = to_money(Decimal(str(amount)))
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": _("Enter an amount.")}) from None
    with transaction.atomic():
        rescue = _locked(rescue)
        if rescue.status != RescueStatus.DONE or not rescue.quality_defect:
            raise ValidationError(_("Only a finished rescue caused by a quality defect can be claimed."))
        if rescue.claim_line_id:
            raise ValidationError(_("This rescue is already on a claim."))
        if claim.store_id != rescue.store_id or claim.vehicle_id != rescue.vehicle_id:
            raise ValidationError({"claim": _("Choose a claim of the same car in this store.")})
        line = claim_line_add(
            actor=actor, claim=claim, kind="rescue", code=rescue.number,
            description=(_("Rescue %(number)s: %(symptom)s") % {"number": rescue.number, "symptom": rescue.symptom})[
                :200
            ],
            unit_price=amount,
        )  # fmt: skip
        rescue.claim_line_id = line.pk
        rescue.save(update_fields=["claim_line_id", "updated_at"])
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=rescue, changes={"claim": [None, claim.number]})
    return rescue


# --- standard answers (docs/DOMAIN.md §25.3) --------------------------------------------------------

FAQ_FIELDS = ("category", "model", "question", "answer", "valid_from", "valid_until", "public", "attachment")


def _index(entry: FaqEntry) -> None:
    terms = segment.index_terms(entry.question, entry.answer, entry.model)
    FaqTerm.objects.filter(entry=entry).delete()
    FaqTerm.objects.bulk_create([FaqTerm(store_id=entry.store_id, entry=entry, term=t) for t in sorted(terms)])


def faq_save(*, actor, store: Store, entry: FaqEntry | None = None, **values) -> FaqEntry:
    """Write a standard answer and index its words (segmented, with their pinyin)."""
    require(actor, Perm.FAQ_MANAGE, store)
    unknown = set(values) - set(FAQ_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))})
    errors = {}
    if "category" in values and values["category"] not in FaqCategory.values:
        errors["category"] = _("Choose a category.")
    for name in ("question", "answer"):
        if name in values and not (values[name] or "").strip():
            errors[name] = _("This field is required.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        created = entry is None
        if created:
            entry = FaqEntry(store=store, created_by=actor if getattr(actor, "pk", None) else None)
        elif entry.store_id != store.pk:
            raise ValidationError(_("This answer belongs to another store."))
        changes = {}
        for name, value in values.items():
            if isinstance(value, str) and name != "attachment":
                value = value.strip()
            before = getattr(entry, name)
            if before != value:
                changes[name] = [None if created else str(before), str(value)]
                setattr(entry, name, value)
        if entry.valid_from and entry.valid_until and entry.valid_until < entry.valid_from:
            raise ValidationError({"valid_until": _("The last day cannot come before the first.")})
        entry.full_clean(exclude=["store", "created_by"])
        entry.save()
        if created or {"question", "answer", "model"} & set(changes):
            _index(entry)
        if changes:
            action = AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE
            audit_record(actor=actor, action=action, obj=entry, changes={k: v for k, v in changes.items()
                                                                        if k != "answer"})  # fmt: skip
    return entry


def faq_reindex(*, store: Store | None = None) -> int:
    """Index every answer again (after jieba's dictionary or the rules change)."""
    rows = FaqEntry.objects.all() if store is None else FaqEntry.objects.filter(store=store)
    count = 0
    for entry in rows.iterator(chunk_size=200):
        with transaction.atomic():
            _index(entry)
        count += 1
    return count


def synonym_save(*, actor, store: Store, word: str, synonym: str) -> FaqSynonym:
    require(actor, Perm.FAQ_MANAGE, store)
    word, synonym = (word or "").strip().lower()[:40], (synonym or "").strip().lower()[:40]
    errors = {}
    if not word:
        errors["word"] = _("This field is required.")
    if not synonym or synonym == word:
        errors["synonym"] = _("Enter another word with the same meaning.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row, created = FaqSynonym.objects.get_or_create(store=store, word=word, synonym=synonym)
        if created:
            changes = {"word": [None, word], "synonym": [None, synonym]}
            audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=row, changes=changes)
    return row


def faq_search_log(*, store_id: int, query: str, found: int, public: bool) -> None:
    """Remember a search (the manager's "not found" list)."""
    FaqSearch.objects.create(store_id=store_id, query=query.strip()[:100], found=found, public=public)


def faq_used(entry: FaqEntry) -> None:
    """Count one use of an answer (opened from a search, shown to a customer, shared)."""
    FaqEntry.objects.filter(pk=entry.pk).update(use_count=F("use_count") + 1)


def faq_share(*, actor, entry: FaqEntry, customer: Customer, task=None) -> FaqShare:
    """Link an answer into a message to the customer (through the door), and into the follow-up
    call it helps with when one is given."""
    require(actor, Perm.DESK_WORK, customer.store)
    if not entry.public:
        raise ValidationError(_("Only a public answer can be sent to a customer."))
    if entry.store_id != customer.store_id:
        raise ValidationError(_("This answer belongs to another store."))
    if task is not None and task.customer_id != customer.pk:
        raise ValidationError({"task": _("The follow-up must be this customer's.")})
    from django.conf import settings

    from aftercare.messaging.services import message_send

    link = settings.SITE_URL.rstrip("/") + reverse("desk_public:faq_entry", args=[customer.store.code, entry.pk])
    with transaction.atomic():
        _ensure_template(customer.store, "faq_answer")
        message = message_send(
            store=customer.store, customer=customer, purpose="service", template_code="faq_answer",
            context={"question": entry.question, "link": link}, dedupe_key=f"faq:{entry.pk}:{customer.pk}:"
            f"{timezone.now():%Y%m%d%H%M%S}", actor=actor, source=entry,
        )  # fmt: skip
        share = FaqShare.objects.create(
            store_id=customer.store_id, entry=entry, customer=customer, followup_task_id=getattr(task, "pk", None),
            message_id=message.pk, shared_by=actor,
        )  # fmt: skip
        faq_used(entry)
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=share, store=customer.store,
                     changes={"entry": [None, entry.pk], "customer": [None, customer.pk]})  # fmt: skip
    return share


# --- major events (docs/DOMAIN.md §25.4) --------------------------------------------------------------


def event_record(
    *, actor, customer: Customer, kind: str, description: str, occurred_on: date | None = None,
    flag_days: int = FLAG_DAYS,
) -> MajorEvent:  # fmt: skip
    """Record a key customer's major event: the owning advisor, the VIC specialist and the service
    manager are each notified at once (their home card), a care call with its script is queued,
    and the customer is flagged for `flag_days`."""
    store = customer.store
    require(actor, Perm.DESK_WORK, store)
    today = timezone.localdate()
    errors = {}
    if kind not in EventKind.values:
        errors["kind"] = _("Choose what happened.")
    if not (description or "").strip():
        errors["description"] = _("Say what happened.")
    if occurred_on is not None and occurred_on > today:
        errors["occurred_on"] = _("The event cannot be in the future.")
    if not isinstance(flag_days, int) or isinstance(flag_days, bool) or not 1 <= flag_days <= 365:
        errors["flag_days"] = _("Flag the customer for 1 to 365 days.")
    if errors:
        raise ValidationError(errors)
    enrolment = vic_enrolment_for(customer)
    to_notify = [
        (NoticeRole.ADVISOR, customer.assigned_advisor),
        (NoticeRole.VIC, enrolment.specialist if enrolment else None),
        (NoticeRole.MANAGER, store_service_manager(store)),
    ]
    now = timezone.now()
    with transaction.atomic():
        event = MajorEvent.objects.create(
            store=store, customer=customer, kind=kind, description=description.strip()[:2000],
            occurred_on=occurred_on or today, flagged_until=today + timedelta(days=flag_days), recorded_by=actor,
        )  # fmt: skip
        EventNotice.objects.bulk_create(
            [EventNotice(event=event, user=user, role=role, notified_at=now) for role, user in to_notify if user],
            ignore_conflicts=True,
        )
        if apps.is_installed("aftercare.followups"):
            from aftercare.followups.services import followup_create

            caller = (enrolment.specialist if enrolment else None) or customer.assigned_advisor
            task = followup_create(
                store=store, customer=customer, kind="care", due_at=now + timedelta(hours=CARE_CALL_WITHIN_HOURS),
                source_key=f"event:{event.pk}", owner=caller, owner_role="" if caller else "customer_care",
                note=f"{event.get_kind_display()}: {event.description}"[:500], available_at=now,
            )  # fmt: skip
            event.care_task_id = task.pk
            event.save(update_fields=["care_task_id"])
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=event,
                     changes={"kind": [None, kind], "customer": [None, customer.pk]})  # fmt: skip
    return event


def notice_acknowledge(*, actor, notice: EventNotice) -> EventNotice:
    if notice.user_id != actor.pk:
        raise ValidationError(_("Only the person notified can acknowledge this."))
    EventNotice.objects.filter(pk=notice.pk, acknowledged_at__isnull=True).update(acknowledged_at=timezone.now())
    notice.refresh_from_db()
    return notice


# --- winning a lost customer back (docs/DOMAIN.md §25.5) ----------------------------------------------

recovery_status_changed = Signal()


def _note_given(case: RecoveryCase, context: dict) -> str | None:
    if not context["note"].strip():
        return _("Write what was done in this step.")
    return None


def _contact_kept(case: RecoveryCase) -> str | None:
    if not (case.contact_name.strip() and case.contact_phone.strip()):
        return _("Keep the customer's name and contact first.")
    return None


def _fault_fixed(case: RecoveryCase) -> str | None:
    if case.repair_order_id is None:
        return _("Link the repair order that fixed the fault.")
    if case.free_repair and case.free_approved_at is None:
        return _("A free repair needs the service manager's approval first.")
    return None


RECOVERY_WORKFLOW = Workflow(
    model=RecoveryCase,
    states=RecoveryStatus,
    transitions=RECOVERY_TRANSITIONS,
    history=RecoveryStep,
    history_fk="case",
    signal=recovery_status_changed,
    refused_message=gettext_lazy("A recovery cannot go from %(from)s to %(to)s."),
    guards={
        **{step: [_note_given] for step in RECOVERY_STEPS},
        RecoveryStatus.CONTACT_KEPT: [_note_given, _contact_kept],
        RecoveryStatus.FIXED: [_note_given, _fault_fixed],
        RecoveryStatus.ABANDONED: [_note_given],
    },
    stamp=lambda case, to, at: (setattr(case, "closed_at", at) or ["closed_at"])
    if to in (RecoveryStatus.PREVENTED, RecoveryStatus.ABANDONED)
    else [],
)


def recovery_open(*, actor, customer: Customer, reason: str, source: str = RecoverySource.STAFF) -> RecoveryCase:
    """Open the seven-step recovery of a lost customer, or return the one already open."""
    store = customer.store
    if actor is not None:
        require(actor, Perm.DESK_WORK, store)
    if source not in RecoverySource.values:
        raise ValidationError({"source": _("Unknown source.")})
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        existing = RecoveryCase.objects.filter(customer=customer).open().first()
        if existing is not None:
            return existing
        case = RecoveryCase.objects.create(
            store=store, customer=customer, reason=(reason or "")[:20], source=source,
            owner=actor if getattr(actor, "pk", None) else customer.assigned_advisor,
            contact_name=customer.name[:50], contact_phone=(customer.mobile or "")[:20],
        )  # fmt: skip
        RECOVERY_WORKFLOW.start(case, actor=actor if getattr(actor, "pk", None) else None)
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=case,
                     changes={"reason": [None, case.reason], "source": [None, source]})  # fmt: skip
    return case


def _locked_case(case: RecoveryCase) -> RecoveryCase:
    return RecoveryCase.objects.select_for_update(of=("self",)).select_related("store", "customer").get(pk=case.pk)


def recovery_step(
    *, actor, case: RecoveryCase, note: str, contact_name: str | None = None, contact_phone: str | None = None,
    repair_order=None, free_repair: bool | None = None,
) -> RecoveryCase:  # fmt: skip
    """Record the next of the seven steps, by `actor`, now, with its note. Step 1 may correct the
    kept name and contact; step 4 links the repair order that fixed the fault (free only with the
    manager's approval, recovery_approve_free); step 7's note is the recorded preventive action."""
    require(actor, Perm.DESK_WORK, case.store)
    with transaction.atomic():
        case = _locked_case(case)
        if case.status not in RECOVERY_TRANSITIONS or not case.is_open:
            raise TransitionRefused(_("This recovery is closed."))
        to = RECOVERY_TRANSITIONS[case.status][0]
        fields, changes = [], {}
        if to == RecoveryStatus.CONTACT_KEPT:
            for name, value in (("contact_name", contact_name), ("contact_phone", contact_phone)):
                if value is not None and value.strip() != getattr(case, name):
                    changes[name] = [getattr(case, name), value.strip()]
                    setattr(case, name, value.strip()[: 50 if name == "contact_name" else 20])
                    fields.append(name)
        if to == RecoveryStatus.FIXED:
            if repair_order is not None:
                if repair_order.customer_id != case.customer_id:
                    raise ValidationError({"repair_order": _("The repair order must be this customer's.")})
                case.repair_order = repair_order
                fields.append("repair_order")
                changes["repair_order"] = [None, repair_order.number]
            if free_repair is not None and bool(free_repair) != case.free_repair:
                case.free_repair = bool(free_repair)
                if not case.free_repair:
                    case.free_approved_by, case.free_approved_at = None, None
                fields += ["free_repair", "free_approved_by", "free_approved_at"]
        return RECOVERY_WORKFLOW.move(case, to, actor=actor, note=note or "", fields=fields, changes=changes)


def recovery_fix_details(*, actor, case: RecoveryCase, repair_order=None, free_repair: bool = False) -> RecoveryCase:
    """Before step 4: link the repair order and ask for it to be free."""
    require(actor, Perm.DESK_WORK, case.store)
    with transaction.atomic():
        case = _locked_case(case)
        if repair_order is not None and repair_order.customer_id != case.customer_id:
            raise ValidationError({"repair_order": _("The repair order must be this customer's.")})
        case.repair_order = repair_order
        if bool(free_repair) != case.free_repair:
            case.free_repair = bool(free_repair)
            case.free_approved_by, case.free_approved_at = None, None
        case.save(update_fields=["repair_order", "free_repair", "free_approved_by", "free_approved_at", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=case,
            changes={
                "repair_order": [None, getattr(repair_order, "number", None)],
                "free_repair": [None, case.free_repair],
            },
        )
    return case


def recovery_approve_free(*, actor, case: RecoveryCase) -> RecoveryCase:
    """The service manager's approval that the repair fixing the fault is free (docs/DOMAIN.md §25.5)."""
    require(actor, Perm.DISCOUNT_APPROVE, case.store)
    with transaction.atomic():
        case = _locked_case(case)
        if not case.free_repair:
            raise ValidationError(_("No free repair was asked for."))
        case.free_approved_by, case.free_approved_at = actor, timezone.now()
        case.save(update_fields=["free_approved_by", "free_approved_at", "updated_at"])
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=case,
                     changes={"free_approved_by": [None, actor.pk]})  # fmt: skip
    return case


def recovery_abandon(*, actor, case: RecoveryCase, note: str) -> RecoveryCase:
    require(actor, Perm.DESK_WORK, case.store)
    with transaction.atomic():
        return RECOVERY_WORKFLOW.move(_locked_case(case), RecoveryStatus.ABANDONED, actor=actor, note=note or "")
