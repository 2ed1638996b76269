"""The follow-ups' home cards (docs/DOMAIN.md §22): the calls to make now (overdue
first), those coming up, the problems to handle, and the calls escalated to the
manager."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.accounts.roles import Role
from aftercare.core.home import HomeCard, count_with_overdue, list_url, register
from aftercare.core.permissions import Perm

from .choices import ProblemStatus
from .models import FollowUpProblem
from .selectors import mine_or_claimable, visible_to

CALLERS = (Role.ADVISOR, Role.CUSTOMER_CARE, Role.SERVICE_MANAGER, Role.VIC_SPECIALIST)


def _queue(ctx):
    return visible_to(ctx.user).open().filter(mine_or_claimable(ctx.user), store=ctx.store)


def _now(ctx):
    return count_with_overdue(_queue(ctx).filter(available_at__lte=ctx.now), Q(due_at__lt=ctx.now))


def _upcoming(ctx):
    return _queue(ctx).filter(available_at__gt=ctx.now).count(), 0


def _problems(ctx):
    problems = FollowUpProblem.objects.for_user(ctx.user, Perm.FOLLOWUP_WORK).filter(
        store=ctx.store, responsible=ctx.user, status=ProblemStatus.OPEN
    )
    return count_with_overdue(problems, Q(due_at__lt=ctx.now))


def _escalated(ctx):
    total = visible_to(ctx.user).open().filter(store=ctx.store, escalated_to=ctx.user).count()
    return total, total


def register_cards() -> None:
    queue = lambda ctx: list_url("followups:queue")  # noqa: E731
    register(
        HomeCard(
            key="followups.now",
            label=_("Follow-up calls to make now"),
            roles=CALLERS,
            count=_now,
            url=queue,
            unit=pgettext_lazy("home card unit", "calls"),
            overdue_label=_("overdue"),
            perm=Perm.FOLLOWUP_WORK,
            position=40,
        )
    )
    register(
        HomeCard(
            key="followups.upcoming",
            label=_("Follow-up calls coming up"),
            roles=(Role.CUSTOMER_CARE,),
            count=_upcoming,
            url=queue,
            unit=pgettext_lazy("home card unit", "calls"),
            perm=Perm.FOLLOWUP_WORK,
            position=45,
        )
    )
    register(
        HomeCard(
            key="followups.problems",
            label=_("Problems raised by calls"),
            roles=(Role.CUSTOMER_CARE, Role.SERVICE_MANAGER, Role.ADVISOR),
            count=_problems,
            url=lambda ctx: list_url("followups:problems"),
            unit=pgettext_lazy("home card unit", "to handle"),
            overdue_label=_("past the 24 h deadline"),
            perm=Perm.FOLLOWUP_WORK,
            position=50,
        )
    )
    register(
        HomeCard(
            key="followups.escalated",
            label=_("Follow-up calls escalated to me"),
            roles=(Role.SERVICE_MANAGER,),
            count=_escalated,
            url=lambda ctx: list_url("followups:queue", escalated="true"),
            overdue_url=lambda ctx: list_url("followups:queue", escalated="true"),
            unit=pgettext_lazy("home card unit", "calls"),
            overdue_label=_("overdue"),
            perm=Perm.FOLLOWUP_WORK,
            position=20,
        )
    )
