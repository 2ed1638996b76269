"""The cash desk's home cards (docs/DOMAIN.md §22): orders ready to settle, who
still owes, and today's payments."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.accounts.roles import Role
from aftercare.core.home import HomeCard, count_with_overdue, list_url, register
from aftercare.core.permissions import Perm

from . import selectors


def _ready(ctx):
    orders = selectors.orders_ready_to_settle(ctx.user).filter(store=ctx.store)
    return count_with_overdue(orders, Q(promised_at__lt=ctx.now))


def _unpaid(ctx):
    return selectors.orders_unpaid(ctx.user).filter(store=ctx.store).count(), 0


def _payments(ctx):
    from django.utils import timezone

    return selectors.payments_of_day(ctx.user, timezone.localdate(ctx.now)).filter(store=ctx.store).count(), 0


def register_cards() -> None:
    cashier = lambda ctx: list_url("billing:cashier")  # noqa: E731
    register(
        HomeCard(
            key="billing.ready",
            label=_("Ready to settle"),
            roles=(Role.CASHIER,),
            count=_ready,
            url=cashier,
            unit=pgettext_lazy("home card unit", "orders"),
            overdue_label=_("customer waiting past promised time"),
            perm=Perm.PAYMENT_POST,
            position=10,
        )
    )
    register(
        HomeCard(
            key="billing.unpaid",
            label=_("Unpaid repair orders"),
            roles=(Role.CASHIER,),
            count=_unpaid,
            url=cashier,
            unit=pgettext_lazy("home card unit", "orders"),
            perm=Perm.PAYMENT_POST,
            position=20,
        )
    )
    register(
        HomeCard(
            key="billing.payments",
            label=_("Today's payments"),
            roles=(Role.CASHIER,),
            count=_payments,
            url=cashier,
            unit=pgettext_lazy("home card unit", "payments"),
            perm=Perm.PAYMENT_POST,
            position=30,
        )
    )
