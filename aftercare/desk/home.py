"""The service desk's home cards (docs/DOMAIN.md §22, §25): open rescues (late when not
dispatched within 15 minutes), major-event alerts to acknowledge, open recoveries."""

from datetime import timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.accounts.roles import Role
from aftercare.core.home import HomeCard, count_with_overdue, list_url, register
from aftercare.core.permissions import Perm

from .choices import RescueStatus

DISPATCH_WITHIN = timedelta(minutes=15)
DESK_ROLES = (Role.ADVISOR, Role.CUSTOMER_CARE, Role.SERVICE_MANAGER, Role.VIC_SPECIALIST)


def _rescues(ctx):
    from .models import RescueRequest

    late = Q(status=RescueStatus.NEW, received_at__lt=ctx.now - DISPATCH_WITHIN)
    return count_with_overdue(
        RescueRequest.objects.for_user(ctx.user, Perm.DESK_WORK).open().filter(store=ctx.store), late
    )


def _alerts(ctx):
    from .selectors import my_notices

    return my_notices(ctx.user, ctx.store).count(), 0


def _recoveries(ctx):
    from .models import RecoveryCase

    return RecoveryCase.objects.for_user(ctx.user, Perm.DESK_WORK).open().filter(store=ctx.store).count(), 0


def register_cards() -> None:
    register(
        HomeCard(
            key="desk.rescues", label=_("Open rescues"), roles=DESK_ROLES, count=_rescues,
            url=lambda ctx: list_url("desk:rescue_board"), unit=pgettext_lazy("home card unit", "rescues"),
            overdue_label=_("not dispatched in 15 minutes"), perm=Perm.DESK_WORK, position=5,
        )
    )  # fmt: skip
    register(
        HomeCard(
            key="desk.alerts", label=_("Major-event alerts"),
            roles=(Role.ADVISOR, Role.SERVICE_MANAGER, Role.VIC_SPECIALIST), count=_alerts,
            url=lambda ctx: list_url("desk:events"), unit=pgettext_lazy("home card unit", "to acknowledge"),
            perm=Perm.DESK_WORK, position=6,
        )
    )  # fmt: skip
    register(
        HomeCard(
            key="desk.recoveries", label=_("Lost customers to win back"),
            roles=(Role.CUSTOMER_CARE, Role.SERVICE_MANAGER), count=_recoveries,
            url=lambda ctx: list_url("desk:recoveries"), unit=pgettext_lazy("home card unit", "customers"),
            perm=Perm.DESK_WORK, position=40,
        )
    )  # fmt: skip
