"""The home card of the messaging door (docs/DOMAIN.md §22): messages that failed
after their retries in the last week, for the admin who fixes the provider
account and the specialists who call the customer instead."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.accounts.roles import Role
from aftercare.core.home import HomeCard, count_with_overdue, list_url, register
from aftercare.core.permissions import Perm

from .choices import State
from .models import Message

RECENT = timedelta(days=7)


def _failed(ctx):
    rows = Message.objects.for_user(ctx.user, Perm.CUSTOMER_VIEW).filter(
        store=ctx.store, state=State.FAILED, updated_at__gte=ctx.now - RECENT
    )
    return count_with_overdue(rows)


def register_cards() -> None:
    register(HomeCard(
        key="messaging.failed", label=_("Messages that failed"),
        roles=(Role.ADMIN, Role.CUSTOMER_CARE, Role.SERVICE_MANAGER), perm=Perm.CUSTOMER_VIEW,
        count=_failed, url=lambda ctx: list_url("messaging:log", state=State.FAILED),
        unit=pgettext_lazy("home card unit", "messages"), position=60,
    ))  # fmt: skip
