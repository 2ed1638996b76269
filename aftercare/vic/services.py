"""What staff and customers do in the VIC programme (docs/DOMAIN.md §13.3): enrolment by the
store's tier rule or a manager's decision, a VIC car received at any store of the group, pick-up
and return, courtesy-car loans, events with RSVPs from the phone, and errands."""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.accounts.roles import Role
from aftercare.core.audit import audit_record, created_changes
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm, require
from aftercare.core.workflow import Workflow

from .choices import (
    ERRAND_TRANSITIONS,
    LOAN_OPEN,
    MAX_GUESTS,
    BookingStatus,
    EnrolmentSource,
    ErrandStatus,
    HandoverStage,
    LoanStatus,
    RsvpStatus,
)
from .models import (
    CourtesyCar,
    CourtesyLoan,
    Errand,
    ErrandChange,
    Handover,
    HandoverPhoto,
    Invitation,
    LoanCharge,
    PickupBooking,
    VicEnrolment,
    VicEvent,
    VicRule,
    VicVisit,
)
from .selectors import enrolment_for_order, specialists_at

errand_status_changed = Signal()
ERRAND_WORKFLOW = Workflow(
    model=Errand,
    states=ErrandStatus,
    transitions=ERRAND_TRANSITIONS,
    history=ErrandChange,
    history_fk="errand",
    signal=errand_status_changed,
    refused_message=gettext_lazy("An errand cannot go from %(from)s to %(to)s."),
    stamp=lambda errand, to, at: (setattr(errand, "done_at", at) or ["done_at"]) if to == ErrandStatus.DONE else [],
)


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _staff_of(store, user, field: str) -> None:
    if user is None or not user.is_active or store.pk not in user.store_ids():
        raise ValidationError({field: _("Choose a member of this store's staff.")})


# --- enrolment --------------------------------------------------------------------------


def enrol(*, actor, customer, specialist, source: str = EnrolmentSource.MANAGER, reason: str = "") -> VicEnrolment:
    """Make a customer a VIC of their store, looked after by `specialist`. A manager decides
    (vic.enrol); the tier rule enrols as the system (actor None)."""
    store = customer.store
    require(actor, Perm.VIC_ENROL, store)
    if source not in EnrolmentSource.values:
        raise ValidationError({"source": _("Unknown source.")})
    if specialist is None or Role.VIC_SPECIALIST not in specialist.roles_at(store.pk):
        raise ValidationError({"specialist": _("Choose a VIC specialist of this store.")})
    if source == EnrolmentSource.MANAGER and not reason.strip():
        raise ValidationError({"reason": _("Say why the customer is made a VIC.")})
    with transaction.atomic():
        if VicEnrolment.objects.active().filter(customer=customer).exists():
            raise ValidationError(_("This customer is already a VIC."))
        try:
            with transaction.atomic():
                enrolment = VicEnrolment.objects.create(
                    store=store,
                    customer=customer,
                    specialist=specialist,
                    source=source,
                    reason=reason[:200],
                    enrolled_by=_user(actor),
                )
        except IntegrityError:
            raise ValidationError(_("This customer is already a VIC.")) from None
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=enrolment, changes=created_changes(enrolment))
    return enrolment


def enrolment_end(*, actor, enrolment: VicEnrolment, reason: str) -> VicEnrolment:
    require(actor, Perm.VIC_ENROL, enrolment.store)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the enrolment ends.")})
    with transaction.atomic():
        if not VicEnrolment.objects.filter(pk=enrolment.pk, ended_at__isnull=True).update(ended_at=timezone.now()):
            raise ValidationError(_("This enrolment has already ended."))
        enrolment.refresh_from_db()
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=enrolment,
            changes={"ended_at": [None, "✓"]},
            reason=reason,
        )
    return enrolment


def rule_set(*, actor, store, tier: str, specialist, is_active: bool = True) -> VicRule:
    """The store's enrolment rule by loyalty tier."""
    from aftercare.loyalty.choices import TIER_ORDER

    require(actor, Perm.VIC_ENROL, store)
    if tier not in TIER_ORDER:
        raise ValidationError({"tier": _("Unknown tier.")})
    if specialist is None or Role.VIC_SPECIALIST not in specialist.roles_at(store.pk):
        raise ValidationError({"specialist": _("Choose a VIC specialist of this store.")})
    rule, _created = VicRule.objects.update_or_create(
        store=store, defaults={"tier": tier, "specialist": specialist, "is_active": is_active}
    )
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=rule, changes={"tier": [None, tier]})
    return rule


def tier_rule_apply(store) -> int:
    """Enrol the store's customers whose member card has reached the rule's tier (the nightly
    job and the rule page run it): how many were enrolled."""
    from aftercare.loyalty.choices import TIER_ORDER
    from aftercare.loyalty.models import MemberCard

    rule = VicRule.objects.filter(store=store, is_active=True).select_related("specialist").first()
    if rule is None:
        return 0
    tiers = list(TIER_ORDER[TIER_ORDER.index(rule.tier) :])
    cards = (
        MemberCard.objects.filter(customer__store=store, tier__in=tiers, customer__merged_into__isnull=True)
        .exclude(customer__in=VicEnrolment.objects.active().values("customer_id"))
        .select_related("customer__store")
    )
    enrolled = 0
    for card in cards[:1000]:
        try:
            enrol(
                actor=None,
                customer=card.customer,
                specialist=rule.specialist,
                source=EnrolmentSource.TIER,
                reason=str(card.get_tier_display()),
            )
        except ValidationError:
            continue
        enrolled += 1
    return enrolled


# --- served the same at any store --------------------------------------------------------


def visit_record(order) -> VicVisit | None:
    """A repair order opened for a VIC customer's car (called on the order's creation): the
    order is received by a named person (the home specialist at home, the store's own VIC
    specialist elsewhere) and, when away, the home specialist is told on their home page."""
    enrolment = enrolment_for_order(order)
    if enrolment is None:
        return None
    away = enrolment.store_id != order.store_id
    if not away:
        received_by = enrolment.specialist
    else:
        local = specialists_at([order.store_id]).get(order.store_id, [])
        received_by = local[0] if local else order.advisor
    visit, _created = VicVisit.objects.get_or_create(
        repair_order=order,
        defaults={
            "store_id": order.store_id,
            "enrolment": enrolment,
            "received_by": received_by,
            "away": away,
            "arrived_at": order.opened_at or timezone.now(),
        },
    )
    return visit


def visit_acknowledge(*, actor, visit: VicVisit) -> VicVisit:
    """The home specialist has seen the notice (and called the other store)."""
    require(actor, Perm.VIC_WORK, visit.enrolment.store)
    VicVisit.objects.filter(pk=visit.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=_user(actor)
    )
    visit.refresh_from_db()
    return visit


def visit_receiver_set(*, actor, visit: VicVisit, user) -> VicVisit:
    require(actor, Perm.VIC_WORK, visit.store)
    _staff_of(visit.store, user, "received_by")
    visit.received_by = user
    visit.save(update_fields=["received_by"])
    return visit


# --- handovers and the customer's signature on the phone ---------------------------------


def handover_record(
    *, actor, store, stage: str, odometer_km: int, fuel_level: int, damage: str = "", photos=()
) -> Handover:
    if stage not in HandoverStage.values:
        raise ValidationError({"stage": _("Unknown stage.")})
    if odometer_km is None or not 0 <= odometer_km <= 2_000_000:
        raise ValidationError({"odometer_km": _("Enter the odometer reading in km.")})
    if fuel_level is None or not 0 <= fuel_level <= 100:
        raise ValidationError({"fuel_level": _("Enter the fuel or charge level as 0-100 %.")})
    handover = Handover.objects.create(
        store=store,
        stage=stage,
        odometer_km=odometer_km,
        fuel_level=fuel_level,
        damage=damage[:500],
        recorded_by=_user(actor),
    )
    for photo in photos:
        HandoverPhoto.objects.create(handover=handover, image=photo)
    return handover


def sign_link_send(*, actor, handover: Handover, customer) -> str:
    """A link for the customer to sign the handover on the phone, sent through the messaging
    door; returns the link's address."""
    from aftercare.messaging.services import message_send
    from aftercare.portal.choices import Purpose
    from aftercare.portal.services import link_issue, link_url

    require(actor, Perm.VIC_WORK, handover.store)
    if handover.is_signed:
        raise ValidationError(_("The handover is already signed."))
    link, token = link_issue(actor=actor, customer=customer, purpose=Purpose.SIGN)
    Handover.objects.filter(pk=handover.pk).update(link=link)
    handover.link = link
    url = link_url(token)
    message_send(
        store=handover.store,
        customer=customer,
        purpose="service",
        template_code="vic_sign",
        context={"customer_name": customer.name, "store": handover.store.name, "link": url},
        dedupe_key=f"vic_sign:{handover.pk}:{link.pk}",
        actor=actor,
        source=handover,
    )
    return url


def handover_for_link(link) -> Handover | None:
    return Handover.objects.filter(link=link).first()


def handover_sign(*, link, signature: str, ip_address: str | None = None) -> Handover:
    """The customer signs the handover the link is about."""
    if not signature or not signature.startswith("data:image/"):
        raise ValidationError({"signature": _("Please sign in the box.")})
    with transaction.atomic():
        handover = Handover.objects.select_for_update().filter(link=link).first()
        if handover is None:
            raise ValidationError(_("This link is not about a handover."))
        if handover.is_signed:
            raise ValidationError(_("The handover is already signed."))
        handover.signature = signature
        handover.signed_at = timezone.now()
        handover.signed_through = link.reference
        handover.save(update_fields=["signature", "signed_at", "signed_through"])
    return handover


# --- pick-up and return ------------------------------------------------------------------


def booking_create(
    *, actor, store, customer, vehicle, kind, address, window_start, window_end, driver, repair_order=None, note=""
) -> PickupBooking:
    require(actor, Perm.VIC_WORK, store)
    errors = {}
    if customer.store_id != store.pk or vehicle.store_id != store.pk:
        errors["vehicle"] = _("The customer and the vehicle must be on file in this store.")
    if not address.strip():
        errors["address"] = _("Enter the address.")
    if window_start is None or window_end is None or window_end <= window_start:
        errors["window_end"] = _("The window must end after it starts.")
    elif window_end - window_start > timedelta(hours=12):
        errors["window_end"] = _("A time window is at most 12 hours.")
    if errors:
        raise ValidationError(errors)
    _staff_of(store, driver, "driver")
    booking = PickupBooking.objects.create(
        store=store,
        customer=customer,
        vehicle=vehicle,
        kind=kind,
        address=address[:200],
        window_start=window_start,
        window_end=window_end,
        driver=driver,
        repair_order=repair_order,
        note=note[:300],
        created_by=_user(actor),
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=booking, changes=created_changes(booking))
    return booking


def booking_handover(
    *, actor, booking: PickupBooking, end: str, odometer_km, fuel_level, damage="", photos=()
) -> Handover:
    """The checklist at one end of a pick-up or return: "customer" (at the customer's door) or
    "store". Both ends recorded: the booking is done."""
    require(actor, Perm.VIC_WORK, booking.store)
    if booking.status != BookingStatus.BOOKED:
        raise ValidationError(_("This booking is closed."))
    field = {"customer": "at_customer", "store": "at_store"}.get(end)
    if field is None:
        raise ValidationError({"end": _("Unknown end.")})
    if getattr(booking, f"{field}_id"):
        raise ValidationError(_("This end of the trip is already recorded."))
    # A pick-up hands the car over at the customer's door; a return gives it back there.
    stage = HandoverStage.OUT if (end == "customer") == (booking.kind == "pickup") else HandoverStage.BACK
    with transaction.atomic():
        handover = handover_record(
            actor=actor,
            store=booking.store,
            stage=stage,
            odometer_km=odometer_km,
            fuel_level=fuel_level,
            damage=damage,
            photos=photos,
        )
        setattr(booking, field, handover)
        fields = [field]
        if booking.at_customer_id and booking.at_store_id:
            booking.status = BookingStatus.DONE
            fields.append("status")
        booking.save(update_fields=[*fields, "updated_at"])
    return handover


def booking_cancel(*, actor, booking: PickupBooking) -> PickupBooking:
    require(actor, Perm.VIC_WORK, booking.store)
    if booking.status != BookingStatus.BOOKED:
        raise ValidationError(_("This booking is closed."))
    booking.status = BookingStatus.CANCELLED
    booking.save(update_fields=["status", "updated_at"])
    return booking


# --- courtesy cars -----------------------------------------------------------------------

OVERLAP_MESSAGE = gettext_lazy("The car is already lent for part of that time.")


def car_add(*, actor, store, plate: str, model: str, odometer_km: int = 0) -> CourtesyCar:
    require(actor, Perm.VIC_WORK, store)
    plate = plate.strip().upper()
    if not plate:
        raise ValidationError({"plate": _("Enter the plate.")})
    if CourtesyCar.objects.filter(store=store, plate=plate).exists():
        raise ValidationError({"plate": _("This car is already in the fleet.")})
    return CourtesyCar.objects.create(store=store, plate=plate, model=model[:50], odometer_km=odometer_km)


def loan_book(*, actor, car: CourtesyCar, customer, starts_at, ends_at, repair_order=None) -> CourtesyLoan:
    """Book a courtesy car for a customer for the time of a repair. Refused when it overlaps an
    open loan of the same car: checked under the car's row lock (two clerks booking at once are
    serialised) and, on PostgreSQL, by the exclusion constraint as well."""
    require(actor, Perm.VIC_WORK, car.store)
    if customer.store_id != car.store_id:
        raise ValidationError({"customer": _("The customer must be on file in this store.")})
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The loan must end after it starts.")})
    if ends_at - starts_at > timedelta(days=60):
        raise ValidationError({"ends_at": _("A loan lasts at most 60 days.")})
    if repair_order is not None and repair_order.store_id != car.store_id:
        raise ValidationError({"repair_order": _("Choose a repair order of this store.")})
    with transaction.atomic():
        locked = CourtesyCar.objects.select_for_update().get(pk=car.pk)
        if not locked.is_active:
            raise ValidationError({"car": _("This car is out of service.")})
        overlap = CourtesyLoan.objects.filter(
            car=locked, status__in=LOAN_OPEN, starts_at__lt=ends_at, ends_at__gt=starts_at
        ).exists()
        if overlap:
            raise ValidationError({"starts_at": OVERLAP_MESSAGE})
        try:
            with transaction.atomic():
                loan = CourtesyLoan.objects.create(
                    store=car.store,
                    car=locked,
                    customer=customer,
                    repair_order=repair_order,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    created_by=_user(actor),
                )
        except IntegrityError:
            raise ValidationError({"starts_at": OVERLAP_MESSAGE}) from None
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=loan, changes=created_changes(loan))
    return loan


def _locked_loan(loan: CourtesyLoan) -> CourtesyLoan:
    return CourtesyLoan.objects.select_for_update().select_related("store", "car").get(pk=loan.pk)


def loan_hand_out(*, actor, loan: CourtesyLoan, odometer_km, fuel_level, damage="", photos=()) -> CourtesyLoan:
    require(actor, Perm.VIC_WORK, loan.store)
    with transaction.atomic():
        loan = _locked_loan(loan)
        if loan.status != LoanStatus.BOOKED:
            raise ValidationError(_("Only a booked loan can be handed over."))
        loan.handed_out = handover_record(
            actor=actor,
            store=loan.store,
            stage=HandoverStage.OUT,
            odometer_km=odometer_km,
            fuel_level=fuel_level,
            damage=damage,
            photos=photos,
        )
        loan.status = LoanStatus.OUT
        loan.save(update_fields=["handed_out", "status", "updated_at"])
    return loan


def loan_return(*, actor, loan: CourtesyLoan, odometer_km, fuel_level, damage="", photos=()) -> CourtesyLoan:
    """The car comes back: the checklist, the car's odometer, and a loan returned early frees
    the rest of its time."""
    require(actor, Perm.VIC_WORK, loan.store)
    with transaction.atomic():
        loan = _locked_loan(loan)
        if loan.status != LoanStatus.OUT:
            raise ValidationError(_("Only a car with the customer can be returned."))
        if odometer_km is not None and odometer_km < loan.handed_out.odometer_km:
            raise ValidationError({"odometer_km": _("The reading is lower than at the handover.")})
        loan.returned = handover_record(
            actor=actor,
            store=loan.store,
            stage=HandoverStage.BACK,
            odometer_km=odometer_km,
            fuel_level=fuel_level,
            damage=damage,
            photos=photos,
        )
        loan.status = LoanStatus.RETURNED
        now = timezone.now()
        fields = ["returned", "status", "updated_at"]
        if loan.starts_at < now < loan.ends_at:
            loan.ends_at = now
            fields.append("ends_at")
        loan.save(update_fields=fields)
        CourtesyCar.objects.filter(pk=loan.car_id).update(odometer_km=odometer_km)
    return loan


def loan_cancel(*, actor, loan: CourtesyLoan) -> CourtesyLoan:
    require(actor, Perm.VIC_WORK, loan.store)
    with transaction.atomic():
        loan = _locked_loan(loan)
        if loan.status != LoanStatus.BOOKED:
            raise ValidationError(_("Only a booked loan can be cancelled."))
        loan.status = LoanStatus.CANCELLED
        loan.save(update_fields=["status", "updated_at"])
    return loan


def loan_charge_add(*, actor, loan: CourtesyLoan, kind: str, amount: Decimal, note: str = "") -> LoanCharge:
    """A fine or damage recorded against the loan."""
    require(actor, Perm.VIC_WORK, loan.store)
    if loan.status in (LoanStatus.BOOKED, LoanStatus.CANCELLED):
        raise ValidationError(_("Charges are recorded once the car has been handed over."))
    if amount is None or amount <= 0 or amount > Decimal("999999.99"):
        raise ValidationError({"amount": _("Enter an amount between 0.01 and 999999.99.")})
    charge = LoanCharge.objects.create(loan=loan, kind=kind, amount=amount, note=note[:300], recorded_by=_user(actor))
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=loan, changes={"charge": [None, f"{kind} {amount}"]})
    return charge


# --- events ------------------------------------------------------------------------------


def event_create(*, actor, store, kind, title, venue, starts_at, capacity=30, cost=Decimal("0.00")) -> VicEvent:
    require(actor, Perm.VIC_WORK, store)
    if not title.strip():
        raise ValidationError({"title": _("Enter the title.")})
    event = VicEvent.objects.create(
        store=store,
        kind=kind,
        title=title[:100],
        venue=venue[:200],
        starts_at=starts_at,
        capacity=capacity,
        cost=cost,
        created_by=_user(actor),
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=event, changes=created_changes(event))
    return event


def invite(*, actor, event: VicEvent, customer) -> Invitation:
    """Invite a customer of the store: a link to answer on the phone, sent through the door."""
    from aftercare.messaging.services import local_time_text, message_send
    from aftercare.portal.choices import Purpose
    from aftercare.portal.services import link_issue, link_url

    require(actor, Perm.VIC_WORK, event.store)
    if customer.store_id != event.store_id:
        raise ValidationError({"customer": _("The customer must be on file in this store.")})
    with transaction.atomic():
        if Invitation.objects.filter(event=event, customer=customer).exists():
            raise ValidationError({"customer": _("This customer is already invited.")})
        days = max(1, min(365, (event.starts_at - timezone.now()).days + 1))
        link, token = link_issue(actor=actor, customer=customer, purpose=Purpose.RSVP, valid_days=days)
        invitation = Invitation.objects.create(event=event, customer=customer, link=link)
        message_send(
            store=event.store,
            customer=customer,
            purpose="service",
            template_code="vic_invitation",
            context={
                "customer_name": customer.name,
                "store": event.store.name,
                "event": event.title,
                "date": local_time_text(event.starts_at),
                "venue": event.venue,
                "link": link_url(token),
            },
            dedupe_key=f"vic_invitation:{invitation.pk}",
            actor=actor,
            source=event,
        )
    return invitation


def invitation_for_link(link) -> Invitation | None:
    return Invitation.objects.select_related("event", "event__store").filter(link=link).first()


def rsvp(*, link, coming: bool, guests: int = 0, guest_name: str = "") -> Invitation:
    """The customer's answer from the phone: coming or not, with at most one guest
    (seed 003: 每位VIC客户可多带1名人员)."""
    guests = guests or 0
    if guests < 0 or guests > MAX_GUESTS:
        raise ValidationError({"guests": _("You may bring at most one guest.")})
    if guests and not guest_name.strip():
        raise ValidationError({"guest_name": _("Tell us your guest's name.")})
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(link=link).first()
        if invitation is None:
            raise ValidationError(_("This link is not about an invitation."))
        event = VicEvent.objects.select_for_update().get(pk=invitation.event_id)
        if event.starts_at <= timezone.now():
            raise ValidationError(_("The event has already begun."))
        if coming:
            others = Invitation.objects.filter(event=event, status=RsvpStatus.ACCEPTED).exclude(pk=invitation.pk)
            taken = sum(1 + n for n in others.values_list("guests", flat=True))
            if taken + 1 + guests > event.capacity:
                raise ValidationError(_("Sorry, the event is full."))
        invitation.status = RsvpStatus.ACCEPTED if coming else RsvpStatus.DECLINED
        invitation.guests = guests if coming else 0
        invitation.guest_name = guest_name[:50] if coming and guests else ""
        invitation.responded_at = timezone.now()
        invitation.save(update_fields=["status", "guests", "guest_name", "responded_at"])
    return invitation


def check_in(*, actor, invitation: Invitation, guest_came: bool = False) -> Invitation:
    require(actor, Perm.VIC_WORK, invitation.event.store)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().select_related("event").get(pk=invitation.pk)
        if invitation.checked_in_at is not None:
            raise ValidationError(_("Already checked in."))
        if guest_came and invitation.guests < 1:
            raise ValidationError({"guest_came": _("No guest was announced.")})
        invitation.checked_in_at = timezone.now()
        invitation.guest_checked_in = guest_came
        invitation.save(update_fields=["checked_in_at", "guest_checked_in"])
    return invitation


# --- errands -----------------------------------------------------------------------------


def errand_create(*, actor, store, customer, kind, assigned_to, vehicle=None, due_on=None, note="") -> Errand:
    require(actor, Perm.VIC_WORK, store)
    if customer.store_id != store.pk or (vehicle is not None and vehicle.store_id != store.pk):
        raise ValidationError({"customer": _("The customer must be on file in this store.")})
    _staff_of(store, assigned_to, "assigned_to")
    with transaction.atomic():
        errand = Errand.objects.create(
            store=store,
            customer=customer,
            vehicle=vehicle,
            kind=kind,
            assigned_to=assigned_to,
            due_on=due_on,
            note=note[:300],
        )
        ERRAND_WORKFLOW.start(errand, actor=_user(actor))
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=errand, changes=created_changes(errand))
    return errand


def errand_move(*, actor, errand: Errand, to: str, fee: Decimal | None = None, note: str = "") -> Errand:
    """Move an errand on; done records the fee paid on the customer's behalf."""
    require(actor, Perm.VIC_WORK, errand.store)
    fields = []
    if fee is not None:
        if fee < 0 or fee > Decimal("999999.99"):
            raise ValidationError({"fee": _("Enter a fee between 0 and 999999.99.")})
        fields = ["fee"]
    with transaction.atomic():
        locked = Errand.objects.select_for_update().get(pk=errand.pk)
        if fee is not None:
            locked.fee = fee
        return ERRAND_WORKFLOW.move(locked, to, actor=_user(actor), note=note, fields=fields)
