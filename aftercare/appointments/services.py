"""Booking, changing, cancelling and converting appointments (预约, docs/DOMAIN.md §5).

Two advisors booking the last free slot at once must not both succeed, so
every booking does check-then-insert under one lock per store: the store row
is locked with SELECT ... FOR UPDATE (PostgreSQL), and SQLite's IMMEDIATE
transactions already serialise writers. The overlap check runs again inside
that lock, against what the other advisor has just committed."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.accounts.models import User
from aftercare.catalog.choices import PLUG_IN_POWERTRAINS
from aftercare.catalog.models import Bay, LabourOperation, LabourRate, RepairType, Van
from aftercare.core.audit import audit_record, created_changes, diff, snapshot
from aftercare.core.models import AuditEntry, Store
from aftercare.core.money import to_money
from aftercare.core.permissions import Perm, require
from aftercare.core.services import next_document_number
from aftercare.core.workflow import TransitionRefused, Workflow
from aftercare.customers.models import Vehicle

from .choices import CHANGEABLE_STATUSES, TRANSITIONS, AppointmentStatus, Channel
from .models import ZERO, Appointment, AppointmentOperation, AppointmentStatusChange, StoreSchedule
from .selectors import (
    booked_minutes,
    day_plan,
    needs_hv_technician,
    required_capabilities,
    site_kind_of,
    trip_minutes,
)

# A walk-in is booked "now" while the advisor types; a start this little in the
# past is still accepted.
PAST_GRACE = timedelta(minutes=5)
# One way to a customer's address unless the advisor says otherwise (docs/DOMAIN.md §17.9).
DEFAULT_TRAVEL_MINUTES = 30
TRAVEL_MAX_MINUTES = 480
DEFAULT_REPAIR_TYPE = "general"
AUDITED_FIELDS = [
    "status", "channel", "vehicle_id", "complaint", "repair_type_id", "start_at", "end_at", "bay_id",
    "technician_id", "estimated_hours", "estimated_price", "bring_reminder", "cancel_reason", "repair_order_id",
    "site_kind", "site_address", "travel_minutes", "van_id",
]  # fmt: skip


def _lock_store(store: Store) -> Store:
    # The lock every booking of the store queues on (see the module docstring).
    return Store.objects.select_for_update().get(pk=store.pk)


def _locked(appointment: Appointment) -> Appointment:
    # Only the appointment's row: the store's row is the booking lock (_lock_store), taken on its own.
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("store", "vehicle", "repair_type")
        .get(pk=appointment.pk)
    )


# --- the estimate ------------------------------------------------------------------------


@dataclass
class Estimate:
    operations: list[LabourOperation]
    amounts: list[Decimal]
    hours: Decimal
    price: Decimal
    duration_minutes: int


def store_operations(store: Store, ids) -> list[LabourOperation]:
    """The active operations of `store`'s catalogue with these ids, in the order given;
    an unknown id is a field error."""
    ids = [int(pk) for pk in ids]
    found = {
        op.pk: op
        for op in LabourOperation.objects.effective_for_store(store)
        .active()
        .filter(pk__in=ids)
        .select_related("category")
    }
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError(
            {"operations": _("Unknown operation: %(ids)s.") % {"ids": ", ".join(str(pk) for pk in missing)}}
        )
    return [found[pk] for pk in dict.fromkeys(ids)]


def appointment_estimate(
    *, store: Store, vehicle: Vehicle, operations: list[LabourOperation], repair_type: RepairType, slot_minutes: int
) -> Estimate:
    """Hours = the operations' FRT hours; duration = that rounded up to whole
    slots; price = FRT × the store's rate for the repair type, each operation
    rounded to the cent as it will be on the repair order."""
    not_for_vehicle = [str(op) for op in operations if not op.applies_to(vehicle.powertrain)]
    if not_for_vehicle:
        raise ValidationError(
            {"operations": _("Not for this vehicle's powertrain: %(ops)s.") % {"ops": ", ".join(not_for_vehicle)}}
        )
    rate = LabourRate.rate_for(store, repair_type.code)
    if rate is None:
        raise ValidationError(
            {"repair_type": _("No labour rate is set for the repair type %(type)s.") % {"type": repair_type}}
        )
    amounts = [op.price(rate) for op in operations]
    hours = sum((op.frt_hours for op in operations), ZERO)
    return Estimate(
        operations=operations,
        amounts=amounts,
        hours=hours,
        price=to_money(sum(amounts, ZERO)),
        duration_minutes=booked_minutes(hours, slot_minutes),
    )


# --- capacity under the lock ----------------------------------------------------------------


def _reserve(
    *,
    store: Store,
    start_at: datetime,
    estimate: Estimate,
    bay: Bay | None,
    technician: User | None,
    exclude_appointment_id: int | None = None,
    now: datetime | None = None,
    check_past: bool = True,
    van: Van | None = None,
    travel_minutes: int = 0,
) -> tuple[datetime, Bay | None, User, Van | None]:
    """Check that the work fits at `start_at` and pick (or check) the bay and
    technician, or for site work the van and technician (docs/DOMAIN.md §17.9).
    Call with the store locked: the plan reads what is booked now."""
    now = now or timezone.now()
    if timezone.is_naive(start_at):
        start_at = timezone.make_aware(start_at)
    if check_past and start_at < now - PAST_GRACE:
        raise ValidationError({"start_at": _("The time is in the past.")})
    site = bool(site_kind_of(estimate.operations))
    slot_minutes = StoreSchedule.for_store(store).slot_minutes
    minutes = (
        trip_minutes(estimate.duration_minutes, travel_minutes, slot_minutes) if site else estimate.duration_minutes
    )
    end_at = start_at + timedelta(minutes=minutes)
    plan = day_plan(
        store=store,
        day=timezone.localdate(start_at),
        operations=estimate.operations,
        duration_minutes=minutes,
        exclude_appointment_id=exclude_appointment_id,
    )
    if not plan.is_open(start_at, end_at):
        raise ValidationError(
            {
                "start_at": _("The work (%(minutes)s min) does not fit in the opening hours %(opens)s-%(closes)s.")
                % {
                    "minutes": minutes,
                    "opens": f"{store.opens_at:%H:%M}",
                    "closes": f"{store.closes_at:%H:%M}",
                }
            }
        )
    if site:
        return (end_at, None, *_reserve_site(plan, start_at, end_at, estimate, technician, van, bay))
    errors = {}
    if bay is not None:
        if bay.store_id != store.pk or not bay.is_active:
            errors["bay"] = _("Choose an active bay of this store.")
        elif bay.pk not in {b.pk for b in plan.bays}:
            needed = ", ".join(sorted(required_capabilities(estimate.operations) - set(bay.capabilities)))
            errors["bay"] = _("This bay lacks what the work needs: %(caps)s.") % {"caps": needed}
        elif not plan.bay_free(bay.pk, start_at, end_at):
            errors["bay"] = _("This bay is already booked at this time.")
    if technician is not None:
        problem = _check_technician(plan, estimate, technician, start_at, end_at)
        if problem:
            errors["technician"] = problem
    if errors:
        raise ValidationError(errors)
    free_bays, free_technicians = plan.free_at(start_at, end_at)
    if bay is None:
        if not free_bays:
            raise ValidationError({"start_at": _("No suitable bay is free at this time.")})
        bay = free_bays[0]
    if technician is None:
        if not free_technicians:
            raise ValidationError({"start_at": _("No suitable technician is free at this time.")})
        technician = free_technicians[0]
    return end_at, bay, technician, None


def _check_technician(plan, estimate: Estimate, technician: User, start_at, end_at) -> str | None:
    if technician.pk not in {t.pk for t in plan.technicians}:
        return (
            _("High-voltage work needs a high-voltage certified technician.")
            if needs_hv_technician(estimate.operations) and not technician.hv_certified
            else _("Choose an active technician of this store.")
        )
    if not plan.technician_works(technician.pk, start_at, end_at):
        return _("The technician does not work at this time.")
    if not plan.technician_free(technician.pk, start_at, end_at):
        return _("The technician is already booked at this time.")
    return None


def _reserve_site(plan, start_at, end_at, estimate: Estimate, technician, van, bay) -> tuple[User, Van]:
    """Site work holds a technician and a van for the whole trip; no bay (docs/DOMAIN.md §17.9)."""
    errors = {}
    if bay is not None:
        errors["bay"] = _("Site work is done at the customer's address, not in a bay.")
    if van is not None:
        if van.pk not in {v.pk for v in plan.bays}:
            errors["van"] = _("Choose an active van of this store.")
        elif not plan.bay_free(van.pk, start_at, end_at):
            errors["van"] = _("This van is already out at this time.")
    if technician is not None:
        problem = _check_technician(plan, estimate, technician, start_at, end_at)
        if problem:
            errors["technician"] = problem
    if errors:
        raise ValidationError(errors)
    free_vans, free_technicians = plan.free_at(start_at, end_at)
    if van is None:
        if not free_vans:
            raise ValidationError({"start_at": _("No service van is free at this time.")})
        van = free_vans[0]
    if technician is None:
        if not free_technicians:
            raise ValidationError({"start_at": _("No suitable technician is free at this time.")})
        technician = free_technicians[0]
    return technician, van


def _site_details(*, vehicle: Vehicle, operations, site_address: str, travel_minutes) -> tuple[str, str, int]:
    """(kind, address, travel minutes) of a booking: empty for work in the workshop."""
    kind = site_kind_of(operations)
    if not kind:
        return "", "", 0
    if vehicle.powertrain not in PLUG_IN_POWERTRAINS:
        raise ValidationError({"operations": _("Site work is offered for plug-in hybrid and electric cars only.")})
    address = (site_address or "").strip()
    if not address:
        raise ValidationError({"site_address": _("Enter the address where the work is done.")})
    if len(address) > 200:
        raise ValidationError({"site_address": _("Keep the address within 200 characters.")})
    travel = DEFAULT_TRAVEL_MINUTES if travel_minutes is None else int(travel_minutes)
    if not 0 <= travel <= TRAVEL_MAX_MINUTES:
        raise ValidationError({"travel_minutes": _("Enter the travel time as 0-480 minutes.")})
    return kind, address, travel


def _save_operations(appointment: Appointment, estimate: Estimate) -> None:
    appointment.operations.all().delete()
    AppointmentOperation.objects.bulk_create(
        AppointmentOperation(appointment=appointment, operation=op, hours=op.frt_hours, amount=amount, position=i)
        for i, (op, amount) in enumerate(zip(estimate.operations, estimate.amounts, strict=True))
    )


# --- booking and changing --------------------------------------------------------------------


def appointment_book(
    *,
    actor,
    store: Store,
    vehicle: Vehicle,
    start_at: datetime,
    operations: list[LabourOperation] = (),
    channel: str,
    complaint: str = "",
    repair_type: RepairType | None = None,
    bay: Bay | None = None,
    technician: User | None = None,
    bring_reminder: str = "",
    contact_phone: str = "",
    now: datetime | None = None,
    site_address: str = "",
    travel_minutes: int | None = None,
    van: Van | None = None,
) -> Appointment:
    """Book a vehicle in. Bay and technician are the ones asked for, or the
    first free ones able to do the work; the estimate comes from the catalogue.
    Site work (an operation done on site) goes to `site_address` with a van instead
    of a bay, leaving `travel_minutes` before the work (docs/DOMAIN.md §17.9)."""
    require(actor, Perm.APPOINTMENT_EDIT, store)
    operations = list(operations)
    if vehicle.store_id != store.pk:
        raise ValidationError({"vehicle": _("The vehicle must be on file in this store.")})
    if not vehicle.is_active:
        raise ValidationError({"vehicle": _("This vehicle is no longer in use.")})
    if not operations and not complaint.strip():
        raise ValidationError({"complaint": _("Enter the complaint or choose the work wanted.")})
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if repair_type is None:
        repair_type = RepairType.objects.effective_for_store(store).filter(code=DEFAULT_REPAIR_TYPE).first()
        if repair_type is None:
            raise ValidationError({"repair_type": _("Choose a repair type.")})
    schedule = StoreSchedule.for_store(store)
    estimate = appointment_estimate(
        store=store, vehicle=vehicle, operations=operations, repair_type=repair_type,
        slot_minutes=schedule.slot_minutes,
    )  # fmt: skip
    site_kind, site_address, travel_minutes = _site_details(
        vehicle=vehicle, operations=operations, site_address=site_address, travel_minutes=travel_minutes
    )
    with transaction.atomic():
        store = _lock_store(store)
        end_at, bay, technician, van = _reserve(
            store=store, start_at=start_at, estimate=estimate, bay=bay, technician=technician, now=now,
            van=van, travel_minutes=travel_minutes,
        )  # fmt: skip
        appointment = Appointment.objects.create(
            store=store,
            number=next_document_number(store=store, kind="appointment", prefix="AP", width=7),
            channel=channel,
            customer_id=vehicle.owner_id,
            vehicle=vehicle,
            contact_phone=contact_phone or vehicle.owner.mobile,
            complaint=complaint.strip(),
            repair_type=repair_type,
            estimated_hours=estimate.hours,
            duration_minutes=estimate.duration_minutes,
            estimated_price=estimate.price,
            start_at=start_at,
            end_at=end_at,
            bay=bay,
            technician=technician,
            site_kind=site_kind,
            site_address=site_address,
            travel_minutes=travel_minutes,
            van=van,
            bring_reminder=bring_reminder or schedule.reminder,
            booked_by=actor,
        )
        _save_operations(appointment, estimate)
        APPOINTMENT_WORKFLOW.start(appointment, actor=actor)
        audit_record(
            actor=actor, action=AuditEntry.Action.CREATE, obj=appointment,
            changes=created_changes(appointment, AUDITED_FIELDS),
        )  # fmt: skip
        _notify(appointment, "appointment_confirmed", actor=actor)
    return appointment


def _notify(appointment: Appointment, code: str, *, actor=None) -> None:
    """The customer's notice through the messaging door, in the booking's own
    transaction (docs/DOMAIN.md §15.1): one per appointment and start time."""
    from aftercare.messaging.services import local_time_text, message_send, staff_context

    advisor = appointment.customer.assigned_advisor or appointment.booked_by
    message_send(
        store=appointment.store, customer=appointment.customer, vehicle=appointment.vehicle, purpose="service",
        template_code=code, actor=actor, source=appointment,
        context={**staff_context(advisor), "date": local_time_text(appointment.start_at), "link": ""},
        dedupe_key=f"{code}:{appointment.pk}:{appointment.start_at:%Y%m%d%H%M}",
    )  # fmt: skip


def appointment_reminders_send(*, now: datetime | None = None) -> int:
    """The reminder the day before (docs/DOMAIN.md §15.1): every booked appointment
    starting tomorrow (store's local day) gets one; the dedupe key makes an hourly
    run send it once. Returns how many were written."""
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    start = timezone.make_aware(datetime.combine(tomorrow, time.min))
    due = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, start_at__gte=start, start_at__lt=start + timedelta(days=1)
    ).select_related("store", "customer__assigned_advisor", "vehicle", "booked_by")
    from aftercare.messaging.models import Message

    written = 0
    for appointment in due:
        # An hourly rerun finds the reminder already written and adds no "duplicate" row.
        key = f"appointment_reminder:{appointment.pk}:{appointment.start_at:%Y%m%d%H%M}"
        if Message.objects.filter(store_id=appointment.store_id, dedupe_key=key).exclude(state="cancelled").exists():
            continue
        with transaction.atomic():
            _notify(appointment, "appointment_reminder")
        written += 1
    return written


_UNSET = object()


def appointment_change(
    *,
    actor,
    appointment: Appointment,
    start_at=_UNSET,
    operations=_UNSET,
    channel=_UNSET,
    complaint=_UNSET,
    repair_type=_UNSET,
    bay=_UNSET,
    technician=_UNSET,
    bring_reminder=_UNSET,
    contact_phone=_UNSET,
    now: datetime | None = None,
    site_address=_UNSET,
    travel_minutes=_UNSET,
    van=_UNSET,
) -> Appointment:
    """Change a booking (docs/DOMAIN.md §5.4): a new time, other work, another bay or
    technician. Only what is passed changes; time and resources are checked
    again as for a new booking, the appointment itself not counting as busy.
    Passing bay=None or technician=None lets the service pick a free one."""
    require(actor, Perm.APPOINTMENT_EDIT, appointment.store)
    with transaction.atomic():
        _lock_store(appointment.store)
        appointment = _locked(appointment)
        if appointment.status not in CHANGEABLE_STATUSES:
            raise TransitionRefused(_("This appointment can no longer be changed."))
        before = snapshot(appointment, AUDITED_FIELDS)
        store = appointment.store
        if channel is not _UNSET:
            if channel not in Channel.values:
                raise ValidationError({"channel": _("Unknown channel.")})
            appointment.channel = channel
        if complaint is not _UNSET:
            appointment.complaint = complaint.strip()
        if bring_reminder is not _UNSET:
            appointment.bring_reminder = bring_reminder
        if contact_phone is not _UNSET:
            appointment.contact_phone = contact_phone
        if repair_type is not _UNSET and repair_type is not None:
            appointment.repair_type = repair_type
        ops = (
            list(operations)
            if operations is not _UNSET
            else [line.operation for line in appointment.operations.select_related("operation__category")]
        )
        if not ops and not appointment.complaint:
            raise ValidationError({"complaint": _("Enter the complaint or choose the work wanted.")})
        estimate = appointment_estimate(
            store=store, vehicle=appointment.vehicle, operations=ops, repair_type=appointment.repair_type,
            slot_minutes=StoreSchedule.for_store(store).slot_minutes,
        )  # fmt: skip
        new_start = appointment.start_at if start_at is _UNSET else start_at
        wanted_bay = appointment.bay if bay is _UNSET else bay
        wanted_technician = appointment.technician if technician is _UNSET else technician
        # Other work may need another bay, a certified technician or more time:
        # any change of time, work or resources is checked as a new booking.
        moved = operations is not _UNSET or (
            new_start != appointment.start_at
            or getattr(wanted_bay, "pk", None) != appointment.bay_id
            or getattr(wanted_technician, "pk", None) != appointment.technician_id
        )
        site_kind, site_address, travel = _site_details(
            vehicle=appointment.vehicle, operations=ops,
            site_address=appointment.site_address if site_address is _UNSET else site_address,
            travel_minutes=appointment.travel_minutes if travel_minutes is _UNSET else travel_minutes,
        )  # fmt: skip
        wanted_van = appointment.van if van is _UNSET else van
        if site_kind:
            wanted_bay = None  # site work takes a van, never a bay
        if (site_kind, travel, getattr(wanted_van, "pk", None)) != (
            appointment.site_kind,
            appointment.travel_minutes,
            appointment.van_id,
        ):
            moved = True
        appointment.site_address = site_address
        if moved:
            end_at, chosen_bay, chosen_technician, chosen_van = _reserve(
                store=store, start_at=new_start, estimate=estimate, bay=wanted_bay, technician=wanted_technician,
                exclude_appointment_id=appointment.pk, now=now, check_past=new_start != appointment.start_at,
                van=wanted_van if site_kind else None, travel_minutes=travel,
            )  # fmt: skip
            appointment.start_at, appointment.end_at = new_start, end_at
            appointment.bay, appointment.technician, appointment.van = chosen_bay, chosen_technician, chosen_van
            appointment.site_kind, appointment.travel_minutes = site_kind, travel
        appointment.estimated_hours = estimate.hours
        appointment.duration_minutes = estimate.duration_minutes
        appointment.estimated_price = estimate.price
        appointment.save(
            update_fields=[
                "channel", "complaint", "bring_reminder", "contact_phone", "repair_type", "start_at", "end_at",
                "bay", "technician", "estimated_hours", "duration_minutes", "estimated_price", "updated_at",
                "van", "site_kind", "site_address", "travel_minutes",
            ]
        )  # fmt: skip
        if operations is not _UNSET:
            _save_operations(appointment, estimate)
        changes = diff(before, snapshot(appointment, AUDITED_FIELDS))
        if operations is not _UNSET:
            changes["operations"] = [None, [op.code for op in estimate.operations]]
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=appointment, changes=changes)
        if "start_at" in changes:  # a new time is confirmed again (its own dedupe key)
            _notify(appointment, "appointment_confirmed", actor=actor)
    return appointment


# --- status moves ------------------------------------------------------------------------------

# Sent after the transaction that moved an appointment commits, with
# appointment_id, from_status, to_status, actor_id.
appointment_status_changed = Signal()


def _time_has_begun(appointment: Appointment, context: dict) -> str | None:
    if appointment.start_at > (context.get("now") or timezone.now()):
        return _("A booking can be marked as a no-show only after its time has begun.")
    return None


def _repair_order_opened(appointment: Appointment) -> str | None:
    # Only appointment_convert, which opens the order first, converts a booking.
    if appointment.repair_order_id is None:
        return _("Open the repair order for this appointment first.")
    return None


def _times(appointment: Appointment, to: str, at: datetime) -> list[str]:
    """When the customer came, or when the booking was cancelled."""
    if to in (AppointmentStatus.ARRIVED, AppointmentStatus.CONVERTED):
        appointment.arrived_at = appointment.arrived_at or at
        return ["arrived_at"]
    if to == AppointmentStatus.CANCELLED:
        appointment.cancelled_at = at
        return ["cancelled_at"]
    return []


APPOINTMENT_WORKFLOW = Workflow(
    model=Appointment,
    states=AppointmentStatus,
    transitions=TRANSITIONS,
    history=AppointmentStatusChange,
    history_fk="appointment",
    signal=appointment_status_changed,
    refused_message=gettext_lazy("An appointment that is %(from)s cannot become %(to)s."),
    guards={
        AppointmentStatus.NO_SHOW: [_time_has_begun],
        AppointmentStatus.CONVERTED: [_repair_order_opened],
    },
    stamp=_times,
)


def appointment_transition(
    *, actor, appointment: Appointment, to: str, note: str = "", now: datetime | None = None
) -> Appointment:
    """Move an appointment to `to` under its row lock, if the table and the
    guards allow it. A cancellation keeps its note as the reason; `now` is the
    time a no-show is judged at."""
    require(actor, Perm.APPOINTMENT_EDIT, appointment.store)
    note = note.strip()
    with transaction.atomic():
        appointment = _locked(appointment)
        fields = []
        if to == AppointmentStatus.CANCELLED:
            appointment.cancel_reason = note[:200]
            fields.append("cancel_reason")
        context = {"now": now} if now else None
        return APPOINTMENT_WORKFLOW.move(appointment, to, actor=actor, note=note, context=context, fields=fields)


def appointment_cancel(*, actor, appointment: Appointment, reason: str = "") -> Appointment:
    """Cancel a booking (bookings are cancelled, not deleted: docs/DOMAIN.md §5.4); its time is free again."""
    return appointment_transition(actor=actor, appointment=appointment, to=AppointmentStatus.CANCELLED, note=reason)


def appointment_mark_arrived(*, actor, appointment: Appointment) -> Appointment:
    return appointment_transition(actor=actor, appointment=appointment, to=AppointmentStatus.ARRIVED)


def appointment_mark_no_show(*, actor, appointment: Appointment, now: datetime | None = None) -> Appointment:
    """The customer did not come: only once the booked time has begun."""
    return appointment_transition(actor=actor, appointment=appointment, to=AppointmentStatus.NO_SHOW, now=now)


def appointment_convert(
    *, actor, appointment: Appointment, odometer_km: int | None = None, odometer_correction_reason: str = ""
):
    """The customer has arrived: open the repair order with the booked work in
    one step (docs/DOMAIN.md §3.1 steps 2 → 3, §5.4). The order is opened by the service app's
    own services, so its numbering, audit and odometer rules apply."""
    from aftercare.service.services import LineItem, repair_order_open

    require(actor, Perm.APPOINTMENT_EDIT, appointment.store)
    require(actor, Perm.REPAIR_ORDER_EDIT, appointment.store)
    with transaction.atomic():
        appointment = _locked(appointment)
        # The table is asked before the order is opened: a refused booking opens nothing.
        if AppointmentStatus.CONVERTED not in appointment.allowed_transitions:
            raise TransitionRefused(APPOINTMENT_WORKFLOW.refusal(appointment, AppointmentStatus.CONVERTED))
        # The booked work goes on with the opening: one INSERT of its lines, no second lock of the order.
        booked = [LineItem(operation=line.operation) for line in appointment.operations.select_related("operation")]
        order = repair_order_open(
            actor=actor,
            store=appointment.store,
            vehicle=appointment.vehicle,
            repair_type=appointment.repair_type,
            customer_statement=appointment.complaint,
            odometer_km=odometer_km,
            odometer_correction_reason=odometer_correction_reason,
            contact_phone=appointment.contact_phone,
            promised_at=appointment.end_at,
            items=booked,
        )
        if appointment.site_kind:
            from aftercare.service.services import site_visit_set

            arrives, window_end = appointment.arrival_window
            site_visit_set(
                actor=actor, order=order, kind=appointment.site_kind, address=appointment.site_address,
                window_start=arrives, window_end=window_end, travel_minutes=appointment.travel_minutes,
                van=appointment.van,
            )  # fmt: skip
        appointment.repair_order = order
        APPOINTMENT_WORKFLOW.move(
            appointment, AppointmentStatus.CONVERTED, actor=actor, fields=["repair_order"],
            changes={"repair_order": [None, order.number]},
        )  # fmt: skip
    return order
