"""Reads of the VIC programme other apps may use (docs/DOMAIN.md §13.3).

A customer is a row of one store; the same person visiting another store of the
group is another row with the same mobile. A VIC enrolment is recognised across
the group by the customer row itself or by that mobile."""

from django.db import models
from django.db.models import F, Q

from .models import VicEnrolment


def vic_enrolment_for(customer) -> "VicEnrolment | None":
    """The customer's open VIC enrolment, at any store of the group, or None."""
    if customer is None or customer.pk is None:
        return None
    match = Q(customer_id=customer.pk)
    if customer.mobile:
        match |= Q(customer__mobile=customer.mobile, store__group_id=customer.store.group_id)
    return (
        VicEnrolment.objects.active()
        .filter(match)
        .select_related("store", "specialist", "customer")
        .order_by("-enrolled_at", "-id")
        .first()
    )


def enrolment_for_order(order) -> "VicEnrolment | None":
    """vic_enrolment_for(order.customer) in one query, from the ids the new order holds."""
    from django.db.models import Subquery

    from aftercare.customers.models import Customer

    mobile = Customer.objects.filter(pk=order.customer_id).exclude(mobile="").values("mobile")[:1]
    return (
        VicEnrolment.objects.active()
        .filter(
            Q(customer_id=order.customer_id)
            | Q(customer__mobile=Subquery(mobile), store__group_id=order.store.group_id)
        )
        .select_related("store", "specialist")
        .order_by("-enrolled_at", "-id")
        .first()
    )


def is_vic(customer) -> bool:
    return vic_enrolment_for(customer) is not None


def specialists_at(store_ids) -> dict[int, list]:
    """{store id: the VIC specialists working there}, one query (group-wide ones not included:
    a store's specialist is named in that store)."""
    from aftercare.accounts.models import User
    from aftercare.accounts.roles import Role

    found: dict[int, list] = {}
    users = (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__role=Role.VIC_SPECIALIST,
            memberships__store_id__in=list(store_ids),
        )
        .annotate(at_store=F("memberships__store_id"))
        .order_by("at_store", "full_name", "id")
    )
    for user in users:
        found.setdefault(user.at_store, []).append(user)
    return found


def directory(user):
    """The group directory: each store of the user's groups with its VIC specialists, their
    mobiles and the store's service and rescue phones (docs/DOMAIN.md §13.3)."""
    from aftercare.core.models import Store

    group_ids = Store.objects.filter(pk__in=user.store_ids()).values("group_id")
    stores = list(Store.objects.filter(group_id__in=group_ids, is_active=True).order_by("group_id", "code"))
    specialists = specialists_at([store.pk for store in stores])
    return [(store, specialists.get(store.pk, [])) for store in stores]


def badges_for(customer_ids: list[int]) -> dict:
    """The VIC card of each of these customers (core.marks reader), recognised across the group
    as vic_enrolment_for does (the row itself or the same mobile): one query."""
    from django.db.models import OuterRef, Subquery
    from django.utils.translation import gettext as _

    from aftercare.core.marks import Badge
    from aftercare.customers.models import Customer

    enrolment = (
        VicEnrolment.objects.active()
        .filter(
            Q(customer_id=OuterRef("pk"))
            | (
                Q(customer__mobile=OuterRef("mobile"), store__group_id=OuterRef("store__group_id"))
                & ~Q(customer__mobile="")
            )
        )
        .order_by("-enrolled_at", "-id")
    )
    rows = (
        Customer.objects.filter(pk__in=customer_ids)
        .annotate(
            vic_store=Subquery(enrolment.values("store__name")[:1]),
            vic_specialist=Subquery(enrolment.values("specialist__full_name")[:1]),
            vic_contact=Subquery(enrolment.values("specialist__mobile")[:1]),
        )
        .filter(vic_store__isnull=False)
        .values_list("pk", "vic_store", "vic_specialist", "vic_contact")
    )
    title = _("VIC of %(store)s, specialist %(specialist)s")
    return {
        pk: [
            Badge(
                key="vic",
                label="VIC",
                title=title % {"store": store, "specialist": specialist or ""},
                contact=contact or "",
            )
        ]
        for pk, store, specialist, contact in rows
    }


def is_vic_order_q(order_path: str):
    """Exists(): the repair order has a VIC visit (the green channel, core.marks)."""
    from django.db.models import Exists, OuterRef

    from .models import VicVisit

    return Exists(VicVisit.objects.filter(repair_order_id=OuterRef(order_path)))


def month_bounds(month):
    """(first instant, first instant of the next month) of a date's month, local time."""
    from datetime import datetime

    from django.utils import timezone

    start = timezone.make_aware(datetime(month.year, month.month, 1))
    nxt = timezone.make_aware(datetime(month.year + (month.month == 12), month.month % 12 + 1, 1))
    return start, nxt


def loan_report(user, store, month) -> list[dict]:
    """Courtesy-car use of a month, per car: loans, days lent, km driven, charges."""
    from decimal import Decimal

    from aftercare.core.permissions import Perm

    from .choices import LoanStatus
    from .models import CourtesyCar, CourtesyLoan, LoanCharge

    start, end = month_bounds(month)
    cars = list(CourtesyCar.objects.for_user(user, Perm.VIC_VIEW).filter(store=store))
    loans = (
        CourtesyLoan.objects.for_user(user, Perm.VIC_VIEW)
        .filter(store=store, starts_at__lt=end, ends_at__gt=start)
        .exclude(status=LoanStatus.CANCELLED)
        .select_related("handed_out", "returned")
    )
    charges = dict(
        LoanCharge.objects.filter(loan__in=loans)
        .values("loan__car_id")
        .annotate(total=models.Sum("amount"))
        .values_list("loan__car_id", "total")
    )
    rows = {car.pk: {"car": car, "loans": 0, "days": Decimal("0"), "km": 0, "charges": Decimal("0.00")} for car in cars}
    for loan in loans:
        row = rows.get(loan.car_id)
        if row is None:
            continue
        row["loans"] += 1
        seconds = (min(loan.ends_at, end) - max(loan.starts_at, start)).total_seconds()
        row["days"] += Decimal(seconds / 86400).quantize(Decimal("0.1"))
        row["km"] += loan.km_driven or 0
    for car_id, total in charges.items():
        if car_id in rows:
            rows[car_id]["charges"] = total
    return list(rows.values())


def event_summary(event) -> dict:
    """Invited, coming (with guests), came (with guests), and the cost per person who came."""
    from decimal import Decimal

    from .choices import RsvpStatus

    invitations = list(event.invitations.all())
    coming = [i for i in invitations if i.status == RsvpStatus.ACCEPTED]
    came = [i for i in invitations if i.checked_in_at]
    people_came = sum(1 + int(i.guest_checked_in) for i in came)
    return {
        "invited": len(invitations),
        "coming": len(coming),
        "coming_people": sum(1 + i.guests for i in coming),
        "came": len(came),
        "came_people": people_came,
        "cost": event.cost,
        "cost_per_person": (event.cost / people_came).quantize(Decimal("0.01")) if people_came else None,
    }


def handover_subject(handover) -> str:
    """What the handover is about, as the customer reads it: the loan's or the trip's car."""
    from django.utils.translation import gettext as _

    from .models import CourtesyLoan, PickupBooking

    loan = CourtesyLoan.objects.filter(Q(handed_out=handover) | Q(returned=handover)).select_related("car").first()
    if loan is not None:
        return _("Courtesy car %(plate)s") % {"plate": loan.car.plate}
    booking = (
        PickupBooking.objects.filter(Q(at_customer=handover) | Q(at_store=handover)).select_related("vehicle").first()
    )
    if booking is not None:
        return f"{booking.get_kind_display()} · {booking.vehicle.plate}"
    return ""


def visits_for(user):
    """The VIC visits a user sees: those at their stores, and those of the VIC customers of their
    stores received elsewhere (the home store follows its customers)."""
    from aftercare.core.permissions import Perm

    from .models import VicVisit

    stores = user.store_ids(Perm.VIC_VIEW)
    return VicVisit.objects.filter(Q(store_id__in=stores) | Q(enrolment__store_id__in=stores)).order_by("-arrived_at")


def handover_customer(handover):
    from .models import CourtesyLoan, PickupBooking

    loan = CourtesyLoan.objects.filter(Q(handed_out=handover) | Q(returned=handover)).select_related("customer").first()
    if loan is not None:
        return loan.customer
    booking = (
        PickupBooking.objects.filter(Q(at_customer=handover) | Q(at_store=handover)).select_related("customer").first()
    )
    return booking.customer if booking else None
