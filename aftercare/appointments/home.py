"""The appointments' home card (docs/DOMAIN.md §22): today's bookings still to come
in; one whose start has passed without the car arriving is overdue."""

from datetime import datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.accounts.roles import Role
from aftercare.core.home import HomeCard, count_with_overdue, list_url, register
from aftercare.core.permissions import Perm

from .choices import AppointmentStatus
from .models import Appointment


def _today(ctx):
    day = timezone.localdate(ctx.now)
    start = timezone.make_aware(datetime.combine(day, time.min))
    return (
        Appointment.objects.for_user(ctx.user, Perm.REPAIR_ORDER_VIEW)
        .filter(store=ctx.store, status__in=(AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED))
        .filter(start_at__gte=start, start_at__lt=start + timedelta(days=1))
    )


def _count(ctx):
    return count_with_overdue(_today(ctx), Q(status=AppointmentStatus.BOOKED, start_at__lt=ctx.now))


def register_cards() -> None:
    register(
        HomeCard(
            key="appointments.today",
            label=_("Today's appointments"),
            roles=(Role.ADVISOR,),
            count=_count,
            url=lambda ctx: list_url("appointments:day", date=timezone.localdate(ctx.now).isoformat()),
            unit=pgettext_lazy("home card unit", "to come in"),
            overdue_label=_("late, not arrived"),
            position=10,
        )
    )
