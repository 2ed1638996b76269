"""The workshop's home cards (docs/DOMAIN.md §22): the technician's jobs, the
foreman's jobs to dispatch and rework, and the additional work technicians
reported for the advisor."""

from datetime import timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.accounts.roles import Role
from aftercare.core.home import HomeCard, count_with_overdue, list_url, register
from aftercare.core.permissions import Perm
from aftercare.service.choices import LineKind, LineStatus
from aftercare.service.models import RepairOrderLine

from .choices import WORKABLE_ORDER_STATUSES, JobStatus
from .models import Finding, Job

# A finding not yet put to the customer this long after it was reported is overdue:
# the technician is waiting for the decision (docs/DOMAIN.md §22).
FINDING_WAIT = timedelta(minutes=30)


def _my_jobs(ctx):
    jobs = Job.objects.for_user(ctx.user, Perm.JOB_CLOCK).filter(store=ctx.store, technician=ctx.user).open()
    return count_with_overdue(jobs, Q(required_finish_at__lt=ctx.now))


def _to_dispatch(ctx):
    lines = RepairOrderLine.objects.filter(
        repair_order__in=_orders(ctx),
        kind=LineKind.LABOUR,
        status=LineStatus.APPROVED,
        job__isnull=True,
    )
    return count_with_overdue(lines, Q(repair_order__promised_at__lt=ctx.now))


def _orders(ctx):
    from aftercare.service.models import RepairOrder

    return RepairOrder.objects.for_user(ctx.user, Perm.DISPATCH).filter(
        store=ctx.store, status__in=WORKABLE_ORDER_STATUSES
    )


def _rework(ctx):
    jobs = Job.objects.for_user(ctx.user, Perm.DISPATCH).filter(store=ctx.store, status=JobStatus.REWORK)
    return count_with_overdue(jobs, Q(required_finish_at__lt=ctx.now))


def pending_findings(user, store):
    """Findings reported on the advisor's open orders and not yet put to the customer."""
    return (
        Finding.objects.for_user(user, Perm.REPAIR_ORDER_VIEW)
        .pending()
        .filter(
            job__store=store, job__repair_order__advisor=user, job__repair_order__status__in=WORKABLE_ORDER_STATUSES
        )
    )


def _findings(ctx):
    return count_with_overdue(pending_findings(ctx.user, ctx.store), Q(reported_at__lt=ctx.now - FINDING_WAIT))


def register_cards() -> None:
    register(
        HomeCard(
            key="workshop.my_jobs",
            label=_("My jobs"),
            roles=(Role.TECHNICIAN,),
            count=_my_jobs,
            url=lambda ctx: list_url("workshop:my_jobs"),
            unit=pgettext_lazy("home card unit", "open jobs"),
            overdue_label=_("past required finish"),
            position=10,
        )
    )
    register(
        HomeCard(
            key="workshop.findings",
            label=_("Additional work reported by technicians"),
            roles=(Role.ADVISOR,),
            count=_findings,
            url=lambda ctx: list_url("workshop:findings"),
            unit=pgettext_lazy("home card unit", "findings to put to the customer"),
            overdue_label=_("waiting over 30 minutes"),
            position=5,
        )
    )
    register(
        HomeCard(
            key="workshop.dispatch",
            label=_("Jobs to dispatch"),
            roles=(Role.FOREMAN,),
            count=_to_dispatch,
            url=lambda ctx: list_url("workshop:board"),
            unit=pgettext_lazy("home card unit", "jobs"),
            overdue_label=_("order past promised time"),
            perm=Perm.DISPATCH,
            position=10,
        )
    )
    register(
        HomeCard(
            key="workshop.rework",
            label=_("Rework"),
            roles=(Role.FOREMAN,),
            count=_rework,
            url=lambda ctx: list_url("workshop:board"),
            unit=pgettext_lazy("home card unit", "jobs"),
            overdue_label=_("past required finish"),
            perm=Perm.DISPATCH,
            position=30,
        )
    )
