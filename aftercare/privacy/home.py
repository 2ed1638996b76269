"""Home cards (docs/DOMAIN.md §22): open rights requests (late once past their deadline)
for the manager and customer care, and access alerts for the administrator."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.accounts.roles import Role
from aftercare.core.home import HomeCard, count_with_overdue, list_url, register
from aftercare.core.permissions import Perm

from .choices import OPEN_STATUSES
from .models import AccessAlert, RightsRequest


def _open_requests(ctx):
    rows = RightsRequest.objects.for_user(ctx.user, Perm.PRIVACY_REQUEST).filter(
        store=ctx.store, status__in=OPEN_STATUSES
    )
    return count_with_overdue(rows, Q(due_on__lt=ctx.now.date()))


def _alerts(ctx):
    rows = AccessAlert.objects.for_user(ctx.user, Perm.PRIVACY_MANAGE).filter(
        store=ctx.store, acknowledged_at__isnull=True
    )
    return count_with_overdue(rows)


def register_cards() -> None:
    register(HomeCard(
        key="privacy.requests", label=_("Personal-information requests"),
        roles=(Role.SERVICE_MANAGER, Role.CUSTOMER_CARE), perm=Perm.PRIVACY_REQUEST,
        count=_open_requests, url=lambda ctx: list_url("privacy:requests"),
        unit=pgettext_lazy("home card unit", "requests"), overdue_label=_("past their deadline"), position=80,
    ))  # fmt: skip
    register(HomeCard(
        key="privacy.alerts", label=_("Unusual profile viewing"), roles=(Role.ADMIN, Role.SERVICE_MANAGER),
        perm=Perm.PRIVACY_MANAGE, count=_alerts, url=lambda ctx: list_url("privacy:access"),
        unit=pgettext_lazy("home card unit", "alerts"), position=90,
    ))  # fmt: skip
