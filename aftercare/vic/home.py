"""The VIC specialist's home cards (docs/DOMAIN.md §22, §13.3): their VIC customers, the notices
of a VIC car received at another store, VIC cars in today, pick-ups, courtesy cars out,
invitations waiting for an answer and errands."""

from datetime import timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.accounts.roles import Role
from aftercare.core.home import HomeCard, count_with_overdue, list_url, register
from aftercare.core.permissions import Perm

from .choices import ERRAND_OPEN, BookingStatus, LoanStatus, RsvpStatus
from .models import CourtesyLoan, Errand, Invitation, PickupBooking, VicEnrolment, VicVisit

# A notice from another store not acknowledged within an hour is late: the customer is there now.
ACK_WITHIN = timedelta(hours=1)


def _my_customers(ctx):
    rows = VicEnrolment.objects.for_user(ctx.user, Perm.VIC_VIEW).active().filter(store=ctx.store, specialist=ctx.user)
    return count_with_overdue(rows)


def _away_visits(ctx):
    # The visit is at another store: the home specialist reaches it through the enrolment's store.
    visits = VicVisit.objects.filter(
        enrolment__store_id__in=ctx.user.store_ids(Perm.VIC_WORK),
        enrolment__store=ctx.store,
        enrolment__specialist=ctx.user,
        away=True,
        acknowledged_at__isnull=True,
    )
    return count_with_overdue(visits, Q(arrived_at__lt=ctx.now - ACK_WITHIN))


def _arrivals(ctx):
    start = ctx.now.replace(hour=0, minute=0, second=0, microsecond=0)
    visits = VicVisit.objects.for_user(ctx.user, Perm.VIC_VIEW).filter(store=ctx.store, arrived_at__gte=start)
    return count_with_overdue(visits)


def _pickups(ctx):
    rows = PickupBooking.objects.for_user(ctx.user, Perm.VIC_WORK).filter(store=ctx.store, status=BookingStatus.BOOKED)
    return count_with_overdue(rows, Q(window_end__lt=ctx.now))


def _loans(ctx):
    rows = CourtesyLoan.objects.for_user(ctx.user, Perm.VIC_WORK).filter(store=ctx.store, status=LoanStatus.OUT)
    return count_with_overdue(rows, Q(ends_at__lt=ctx.now))


def _answers(ctx):
    rows = Invitation.objects.for_user(ctx.user, Perm.VIC_WORK).filter(
        event__store=ctx.store, event__starts_at__gt=ctx.now, status=RsvpStatus.INVITED
    )
    return count_with_overdue(rows, Q(event__starts_at__lt=ctx.now + timedelta(days=2)))


def _errands(ctx):
    rows = Errand.objects.for_user(ctx.user, Perm.VIC_WORK).filter(store=ctx.store, status__in=ERRAND_OPEN)
    return count_with_overdue(rows, Q(due_on__lt=ctx.now.date()))


def register_cards() -> None:
    roles = (Role.VIC_SPECIALIST,)
    unit = pgettext_lazy("home card unit", "customers")
    register(
        HomeCard(
            key="vic.customers",
            label=_("VIC customers I look after"),
            roles=roles,
            perm=Perm.VIC_VIEW,
            count=_my_customers,
            url=lambda ctx: list_url("vic:enrolments", specialist="me"),
            unit=unit,
            position=5,
        )
    )
    register(
        HomeCard(
            key="vic.away",
            label=_("My VIC customers at another store"),
            roles=roles,
            perm=Perm.VIC_WORK,
            count=_away_visits,
            url=lambda ctx: list_url("vic:visits", away="1", open="1"),
            unit=pgettext_lazy("home card unit", "notices"),
            overdue_label=_("waiting over an hour"),
            position=1,
        )
    )
    register(
        HomeCard(
            key="vic.arrivals",
            label=_("VIC cars in today"),
            roles=roles,
            perm=Perm.VIC_VIEW,
            count=_arrivals,
            url=lambda ctx: list_url("vic:visits"),
            unit=pgettext_lazy("home card unit", "cars"),
            position=2,
        )
    )
    register(
        HomeCard(
            key="vic.pickups",
            label=_("Pick-ups and returns"),
            roles=roles,
            perm=Perm.VIC_WORK,
            count=_pickups,
            url=lambda ctx: list_url("vic:bookings"),
            unit=pgettext_lazy("home card unit", "trips"),
            overdue_label=_("past the time window"),
            position=10,
        )
    )
    register(
        HomeCard(
            key="vic.loans",
            label=_("Courtesy cars out"),
            roles=roles,
            perm=Perm.VIC_WORK,
            count=_loans,
            url=lambda ctx: list_url("vic:loans"),
            unit=pgettext_lazy("home card unit", "cars"),
            overdue_label=_("past the return time"),
            position=20,
        )
    )
    register(
        HomeCard(
            key="vic.answers",
            label=_("Invitations not answered yet"),
            roles=roles,
            perm=Perm.VIC_WORK,
            count=_answers,
            url=lambda ctx: list_url("vic:events"),
            unit=pgettext_lazy("home card unit", "customers"),
            overdue_label=_("event within two days"),
            position=30,
        )
    )
    register(
        HomeCard(
            key="vic.errands",
            label=_("Errands"),
            roles=roles,
            perm=Perm.VIC_WORK,
            count=_errands,
            url=lambda ctx: list_url("vic:errands"),
            unit=pgettext_lazy("home card unit", "errands"),
            overdue_label=_("past due"),
            position=40,
        )
    )
