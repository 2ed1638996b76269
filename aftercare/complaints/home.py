"""The complaints' home card (docs/DOMAIN.md §22): open complaints, those with a
missed deadline first."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.accounts.roles import Role
from aftercare.core.home import HomeCard, count_with_overdue, list_url, register
from aftercare.core.permissions import Perm

from .selectors import complaints_visible_to

LATE = Q(contact_breached=True) | Q(answer_breached=True) | Q(inform_breached=True)


def _open(ctx):
    return count_with_overdue(complaints_visible_to(ctx.user).open().filter(store=ctx.store), LATE)


def register_cards() -> None:
    register(
        HomeCard(
            key="complaints.open",
            label=_("Open complaints"),
            roles=(Role.SERVICE_MANAGER,),
            count=_open,
            url=lambda ctx: list_url("complaints:list", status="open"),
            overdue_url=lambda ctx: list_url("complaints:list", status="open", breached="true"),
            unit=pgettext_lazy("home card unit", "complaints"),
            overdue_label=_("deadline missed"),
            perm=Perm.COMPLAINT_VIEW,
            position=10,
        )
    )
