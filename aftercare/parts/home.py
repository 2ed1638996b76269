"""The parts clerk's home cards (docs/DOMAIN.md §22): part lines waiting to be issued
(late once their promised time has passed), open back orders (late after a month, when
they may be cancelled, docs/DOMAIN.md §12) and reorder suggestions to review."""

from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.accounts.roles import Role
from aftercare.core.dates import add_months
from aftercare.core.home import HomeCard, count_with_overdue, list_url, register
from aftercare.core.permissions import Perm

from .choices import OPEN_DEMAND, OrderStatus
from .models import LineDemand, StockItem, SupplierOrderLine


def _to_issue(ctx):
    demands = LineDemand.objects.for_user(ctx.user, Perm.PARTS_MANAGE).filter(store=ctx.store, status__in=OPEN_DEMAND)
    return count_with_overdue(demands, Q(promised_at__lt=ctx.now))


def _back_orders(ctx):
    lines = SupplierOrderLine.objects.for_user(ctx.user, Perm.PARTS_MANAGE).filter(
        store=ctx.store, back_ordered_at__isnull=False, order__status=OrderStatus.SUBMITTED,
        quantity__gt=F("received") + F("cancelled"),
    )  # fmt: skip
    today = ctx.now.date()
    month_ago = ctx.now - (today - add_months(today, -1))
    return count_with_overdue(lines, Q(order__submitted_at__lt=month_ago))


def _suggestions(ctx):
    items = StockItem.objects.for_user(ctx.user, Perm.PARTS_MANAGE).filter(store=ctx.store, suggested_qty__gt=0)
    return count_with_overdue(items)


def register_cards() -> None:
    roles = (Role.PARTS_CLERK,)
    register(HomeCard(
        key="parts.to_issue", label=_("Parts to issue"), roles=roles, perm=Perm.PARTS_MANAGE,
        count=_to_issue, url=lambda ctx: list_url("parts:queue"),
        unit=pgettext_lazy("home card unit", "lines"), overdue_label=_("past promised time"), position=10,
    ))  # fmt: skip
    register(HomeCard(
        key="parts.back_orders", label=_("Back orders"), roles=roles, perm=Perm.PARTS_MANAGE,
        count=_back_orders, url=lambda ctx: list_url("parts:back_orders"),
        unit=pgettext_lazy("home card unit", "lines"), overdue_label=_("open over a month"), position=20,
    ))  # fmt: skip
    register(HomeCard(
        key="parts.reorder", label=_("Reorder suggestions"), roles=roles, perm=Perm.PARTS_MANAGE,
        count=_suggestions, url=lambda ctx: list_url("parts:reorder"),
        unit=pgettext_lazy("home card unit", "parts"), position=30,
    ))  # fmt: skip
