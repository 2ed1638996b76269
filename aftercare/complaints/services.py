"""Complaint handling (docs/DOMAIN.md §8): record, contact,
plan, resolve, tell the customer, close with their satisfaction; and the
scheduled job that flags late clocks and escalates them to the service manager.

Every function runs in one transaction, locks the complaint it changes,
checks the actor's permission in the complaint's store, and audits."""

from datetime import datetime, timedelta

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.accounts.selectors import store_service_manager
from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry, Store
from aftercare.core.permissions import Perm, require
from aftercare.core.services import next_document_number
from aftercare.core.workflow import TransitionRefused as TransitionRefused
from aftercare.core.workflow import Workflow
from aftercare.customers.models import Customer, Vehicle
from aftercare.service.models import RepairOrder

from .choices import TRANSITIONS, Channel, ComplaintType, Priority, Status
from .models import Complaint, ComplaintSettings, ComplaintStatusChange


def _locked(complaint: Complaint) -> Complaint:
    # The row lock (PostgreSQL) / IMMEDIATE write lock (SQLite) serialises two
    # people handling the same complaint: the second sees the first's move.
    return Complaint.objects.select_for_update(of=("self",)).select_related("store").get(pk=complaint.pk)


# --- recording ----------------------------------------------------------------------------


def complaint_create(
    *,
    actor,
    store: Store,
    customer: Customer,
    channel: str,
    complaint_type: str,
    description: str,
    priority: str = Priority.NORMAL,
    vehicle: Vehicle | None = None,
    repair_order: RepairOrder | None = None,
    staff_concerned=None,
    is_crisis: bool = False,
    customer_words: str = "",
    received_at: datetime | None = None,
) -> Complaint:
    """Record a complaint. The service manager owns it; its clocks start at
    `received_at` (now by default). A crisis is urgent and always the manager's."""
    require(actor, Perm.COMPLAINT_CREATE, store)
    now = timezone.now()
    errors = {}
    if customer.store_id != store.pk:
        errors["customer"] = _("The customer must be on file in this store.")
    if repair_order is not None:
        if repair_order.store_id != store.pk or repair_order.customer_id != customer.pk:
            errors["repair_order"] = _("The repair order must be this customer's, in this store.")
        vehicle = vehicle or repair_order.vehicle
    if vehicle is not None and vehicle.store_id != store.pk:
        errors["vehicle"] = _("The vehicle must be on file in this store.")
    if channel not in Channel.values:
        errors["channel"] = _("Choose a channel.")
    if complaint_type not in ComplaintType.values:
        errors["complaint_type"] = _("Choose a type.")
    if priority not in Priority.values:
        errors["priority"] = _("Choose a priority.")
    if not description.strip():
        errors["description"] = _("Describe the complaint.")
    if received_at is not None and received_at > now + timedelta(minutes=5):
        errors["received_at"] = _("The complaint cannot be received in the future.")
    if staff_concerned is not None and not staff_concerned.roles_at(store.pk):
        errors["staff_concerned"] = _("Choose a member of this store's staff.")
    if errors:
        raise ValidationError(errors)
    received_at = received_at or now
    config = ComplaintSettings.for_store(store)
    contact_minutes = config.crisis_contact_within_minutes if is_crisis else config.contact_within_minutes
    manager = store_service_manager(store)
    with transaction.atomic():
        complaint = Complaint.objects.create(
            store=store,
            number=next_document_number(store=store, kind="complaint", prefix="CP", width=6),
            customer=customer,
            vehicle=vehicle,
            repair_order=repair_order,
            staff_concerned=staff_concerned,
            channel=channel,
            complaint_type=complaint_type,
            priority=Priority.URGENT if is_crisis else priority,
            description=description.strip(),
            customer_words=customer_words.strip(),
            is_crisis=is_crisis,
            submitted_by=actor,
            owner=manager,
            received_at=received_at,
            contact_due_at=received_at + timedelta(minutes=contact_minutes),
            answer_due_at=received_at + timedelta(hours=config.answer_within_hours),
        )
        COMPLAINT_WORKFLOW.start(complaint, actor=actor, at=received_at)
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE,
            obj=complaint,
            changes={"customer": [None, customer.pk], "is_crisis": [None, is_crisis]},
        )
    return complaint


# --- handling -------------------------------------------------------------------------------

EDITABLE_FIELDS = (
    "priority",
    "complaint_type",
    "description",
    "customer_words",
    "staff_concerned",
    "owner",
    "resolution_plan",
    "plan_due_at",
)


def complaint_update(*, actor, complaint: Complaint, data: dict) -> Complaint:
    """Change the handling details (plan and its deadline, owner, type...) of an open complaint."""
    require(actor, Perm.COMPLAINT_MANAGE, complaint.store)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))})
    errors = {}
    if "priority" in data and data["priority"] not in Priority.values:
        errors["priority"] = _("Choose a priority.")
    if "complaint_type" in data and data["complaint_type"] not in ComplaintType.values:
        errors["complaint_type"] = _("Choose a type.")
    owner = data.get("owner")
    if owner is not None and not owner.has_perm(Perm.COMPLAINT_MANAGE, complaint.store):
        errors["owner"] = _("The owner must be allowed to handle complaints in this store.")
    staff = data.get("staff_concerned")
    if staff is not None and not staff.roles_at(complaint.store_id):
        errors["staff_concerned"] = _("Choose a member of this store's staff.")
    if "description" in data and not (data["description"] or "").strip():
        errors["description"] = _("Describe the complaint.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        complaint = _locked(complaint)
        if complaint.status == Status.CLOSED:
            raise ValidationError(_("This complaint is closed and can no longer be changed."))
        if data.get("owner") is None and "owner" in data:
            data = {**data, "owner": store_service_manager(complaint.store)}
        changes = {}
        for name, value in data.items():
            attname = complaint._meta.get_field(name).attname
            before = getattr(complaint, attname)
            after = value.pk if hasattr(value, "pk") else value
            if before != after:
                changes[name] = [_plain(before), _plain(after)]
                setattr(complaint, attname, after)
        if changes:
            complaint.save(update_fields=[complaint._meta.get_field(n).attname for n in changes] + ["updated_at"])
            audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=complaint, changes=changes)
    return complaint


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


# --- the workflow ----------------------------------------------------------------------------

# Sent after the transaction that moved a complaint commits, with complaint_id,
# from_status, to_status, actor_id.
complaint_status_changed = Signal()


def _plan_written(complaint: Complaint) -> str | None:
    if not (complaint.resolution_plan.strip() and complaint.plan_due_at):
        return _("Write the resolution plan and its deadline first.")
    return None


def _replan_explained(complaint: Complaint, context: dict) -> str | None:
    if complaint.status != Status.CONTACTED and not context["note"].strip():
        return _("Say why the complaint goes back to the plan.")
    return None


def _result_recorded(complaint: Complaint) -> str | None:
    if not complaint.result.strip():
        return _("Record the handling result first.")
    return None


def _satisfaction_recorded(complaint: Complaint) -> str | None:
    if complaint.satisfaction is None:
        return _("Record the customer's satisfaction with the handling first.")
    return None


def _clocks(complaint: Complaint, to: str, now: datetime) -> list[str]:
    """What each state records on the complaint: the clock it stops, the one it starts.
    A clock stopped late is flagged here; one still running late is flagged by
    complaints_flag_breaches. Flags only ever go on: they are the record."""
    if to == Status.CONTACTED:
        complaint.contacted_at = now
        complaint.contact_breached = complaint.contact_breached or now > complaint.contact_due_at
        return ["contacted_at", "contact_breached"]
    if to == Status.PLAN:
        complaint.planned_at = now
        return ["planned_at"]
    if to == Status.RESOLVED:
        config = ComplaintSettings.for_store(complaint.store)
        complaint.resolved_at = now
        complaint.answer_breached = complaint.answer_breached or now > complaint.answer_due_at
        complaint.inform_due_at = now + timedelta(hours=config.inform_within_hours)
        complaint.informed_at = None
        return ["resolved_at", "answer_breached", "inform_due_at", "informed_at"]
    if to == Status.INFORMED:
        complaint.informed_at = now
        complaint.inform_breached = complaint.inform_breached or now > complaint.inform_due_at
        return ["informed_at", "inform_breached"]
    if to == Status.CLOSED:
        complaint.closed_at = now
        return ["closed_at"]
    return []


COMPLAINT_WORKFLOW = Workflow(
    model=Complaint,
    states=Status,
    transitions=TRANSITIONS,
    history=ComplaintStatusChange,
    history_fk="complaint",
    signal=complaint_status_changed,
    refused_message=gettext_lazy("A complaint cannot go from %(from)s to %(to)s."),
    guards={
        Status.PLAN: [_plan_written, _replan_explained],
        Status.RESOLVED: [_result_recorded],
        Status.CLOSED: [_satisfaction_recorded],
    },
    stamp=_clocks,
)


def _move(complaint: Complaint, to: str, *, actor, note: str = "", **kwargs) -> Complaint:
    """One move of a locked complaint on the workflow; resolving it also books the follow-up call."""
    COMPLAINT_WORKFLOW.move(complaint, to, actor=actor, note=note, **kwargs)
    if to == Status.RESOLVED:
        _followup_for(complaint)
    if to == Status.CONTACTED:
        _tell_contacted(complaint, actor)
    return complaint


def _tell_contacted(complaint: Complaint, actor) -> None:
    """The customer's confirmation that the complaint is in hand, through the
    messaging door in the move's transaction (docs/DOMAIN.md §15.1)."""
    from aftercare.messaging.services import message_send, staff_context

    message_send(
        store=complaint.store, customer=complaint.customer, vehicle=complaint.vehicle, purpose="service",
        template_code="complaint_contacted", context={**staff_context(complaint.owner or actor), "link": ""},
        dedupe_key=f"complaint_contacted:{complaint.pk}", actor=actor, source=complaint,
    )  # fmt: skip


def _followup_for(complaint: Complaint) -> None:
    """The complaint follow-up call (docs/DOMAIN.md §7.1, §8.3): the service manager calls within
    24 h of the resolution. Idempotent on source_key, so resolving again after a
    reopened plan finds the same task. Imported here: complaints loads without
    the followups app (tests of a partial install)."""
    if not apps.is_installed("aftercare.followups"):
        return
    from aftercare.followups.services import followup_create

    config = ComplaintSettings.for_store(complaint.store)
    note = _("Complaint %(number)s resolved: %(result)s") % {"number": complaint.number, "result": complaint.result}
    if complaint.is_crisis:
        note = _("Crisis: ") + note
    followup_create(
        store=complaint.store,
        customer=complaint.customer,
        kind="complaint",
        due_at=complaint.resolved_at + timedelta(hours=config.followup_after_hours),
        source_key=f"complaint:{complaint.pk}",
        owner=store_service_manager(complaint.store),
        vehicle=complaint.vehicle,
        repair_order=complaint.repair_order,
        note=note[:500],
    )


def complaint_transition(*, actor, complaint: Complaint, to: str, note: str = "") -> Complaint:
    """Move a complaint to `to` under a row lock, if the table and the guards allow it."""
    require(actor, Perm.COMPLAINT_MANAGE, complaint.store)
    with transaction.atomic():
        return _move(_locked(complaint), to, actor=actor, note=note)


def complaint_resolve(*, actor, complaint: Complaint, result: str, note: str = "") -> Complaint:
    """Record what was done and mark the complaint resolved; starts the
    "tell the customer" clock and creates the follow-up call."""
    require(actor, Perm.COMPLAINT_MANAGE, complaint.store)
    if not result.strip():
        raise ValidationError({"result": _("Record the handling result.")})
    with transaction.atomic():
        complaint = _locked(complaint)
        before = complaint.result
        complaint.result = result.strip()
        changes = {"result": [before, complaint.result]} if before != complaint.result else {}
        return _move(complaint, Status.RESOLVED, actor=actor, note=note, fields=["result"], changes=changes)


def complaint_close(*, actor, complaint: Complaint, satisfaction: int, note: str = "") -> Complaint:
    """Close with the customer's satisfaction with the handling (1-5) and a note."""
    require(actor, Perm.COMPLAINT_MANAGE, complaint.store)
    if not isinstance(satisfaction, int) or isinstance(satisfaction, bool) or not 1 <= satisfaction <= 5:
        raise ValidationError({"satisfaction": _("Enter the customer's satisfaction as 1-5.")})
    with transaction.atomic():
        complaint = _locked(complaint)
        complaint.satisfaction = satisfaction
        complaint.closing_note = note.strip()
        return _move(
            complaint, Status.CLOSED, actor=actor, note=note, fields=["satisfaction", "closing_note"],
            changes={"satisfaction": [None, satisfaction]},
        )  # fmt: skip


SETTING_FIELDS = (
    "contact_within_minutes",
    "crisis_contact_within_minutes",
    "answer_within_hours",
    "inform_within_hours",
    "followup_after_hours",
)


def complaint_settings_update(*, actor, store: Store, data: dict) -> ComplaintSettings:
    """Change a store's complaint clocks (creates the row on first change)."""
    require(actor, Perm.COMPLAINT_MANAGE, store)
    fields = [f for f in data if f in SETTING_FIELDS]
    errors = {
        f: _("Enter a whole number of at least 1.") for f in fields if not (isinstance(data[f], int) and data[f] >= 1)
    }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        config, _created = ComplaintSettings.objects.select_for_update().get_or_create(store=store)
        changes = {}
        for name in fields:
            if getattr(config, name) != data[name]:
                changes[name] = [getattr(config, name), data[name]]
                setattr(config, name, data[name])
        if changes:
            config.save(update_fields=list(changes))
            audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=config, store=store, changes=changes)
    return config


# --- the breach job ------------------------------------------------------------------------

# clock -> (deadline column, the timestamp that stops it, the flag)
_CLOCKS = (
    ("contact_due_at", "contacted_at", "contact_breached"),
    ("answer_due_at", "resolved_at", "answer_breached"),
    ("inform_due_at", "informed_at", "inform_breached"),
)


def complaints_flag_breaches(*, now: datetime | None = None) -> int:
    """Flag every clock still running past its deadline, in every store, and
    escalate those complaints to the store's service manager. Set-based: one
    UPDATE per clock and per store, not one per complaint; each complaint gets
    an audit row. Returns the number of clocks newly flagged."""
    now = now or timezone.now()
    flagged = 0
    with transaction.atomic():
        touched: dict[int, list[str]] = {}
        for due, done, flag in _CLOCKS:
            late = Complaint.objects.filter(**{f"{due}__lt": now, f"{done}__isnull": True, flag: False}).exclude(
                status=Status.CLOSED
            )
            # Lock the rows we flag, so a move in progress cannot unflag-by-race.
            ids = list(late.select_for_update().values_list("pk", flat=True))
            if not ids:
                continue
            flagged += Complaint.objects.filter(pk__in=ids, **{flag: False}).update(**{flag: True, "updated_at": now})
            for pk in ids:
                touched.setdefault(pk, []).append(flag)
        if not touched:
            return 0
        rows = Complaint.objects.filter(pk__in=touched).select_related("store")
        managers: dict[int, object] = {}
        to_escalate: dict[int, list[int]] = {}
        for complaint in rows:
            if complaint.escalated_at is None:
                to_escalate.setdefault(complaint.store_id, []).append(complaint.pk)
        for store_id, ids in to_escalate.items():
            store = next(c.store for c in rows if c.store_id == store_id)
            managers[store_id] = store_service_manager(store)
            Complaint.objects.filter(pk__in=ids, escalated_at__isnull=True).update(
                escalated_at=now, escalated_to=managers[store_id]
            )
        for complaint in rows:
            changes = {flag: [False, True] for flag in touched[complaint.pk]}
            if complaint.pk in to_escalate.get(complaint.store_id, ()):
                manager = managers.get(complaint.store_id)
                changes["escalated_to"] = [None, getattr(manager, "pk", None)]
            audit_record(
                actor=None,
                action=AuditEntry.Action.UPDATE,
                obj=complaint,
                changes=changes,
                reason=_("Complaint deadline missed: escalated to the service manager."),
            )
    return flagged
