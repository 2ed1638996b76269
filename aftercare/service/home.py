"""The service desk's home cards (docs/DOMAIN.md §22): the advisor's orders at each
step, and the orders past their promised time."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.accounts.roles import Role
from aftercare.core.home import HomeCard, count_with_overdue, list_url, register
from aftercare.core.permissions import Perm

from .choices import Status
from .models import RepairOrder

LIST = "service:repair_order_list"


def _mine(ctx, *statuses):
    return RepairOrder.objects.for_user(ctx.user, Perm.REPAIR_ORDER_VIEW).filter(
        store=ctx.store, advisor=ctx.user, status__in=statuses
    )


def _late(ctx) -> Q:
    return Q(promised_at__lt=ctx.now)


def _status_card(key, label, status, position, roles=(Role.ADVISOR,), mine=True):
    def count(ctx):
        orders = _mine(ctx, status) if mine else RepairOrder.objects.for_user(
            ctx.user, Perm.REPAIR_ORDER_VIEW
        ).filter(store=ctx.store, status=status)  # fmt: skip
        return count_with_overdue(orders, _late(ctx))

    def url(ctx, late=None):
        return list_url(LIST, status=status, advisor=ctx.user.pk if mine else None, late=late)

    return HomeCard(
        key=key,
        label=label,
        roles=roles,
        count=count,
        url=url,
        overdue_url=lambda ctx: url(ctx, late="true"),
        unit=pgettext_lazy("home card unit", "orders"),
        overdue_label=_("past promised time"),
        position=position,
    )


def _awaiting_count(ctx):
    orders = RepairOrder.objects.for_user(ctx.user, Perm.REPAIR_ORDER_VIEW).filter(store=ctx.store, advisor=ctx.user)
    return count_with_overdue(orders.awaiting_decision(), _late(ctx))


def _late_count(ctx):
    orders = RepairOrder.objects.for_user(ctx.user, Perm.REPAIR_ORDER_VIEW).filter(store=ctx.store)
    total = orders.late(ctx.now).count()
    return total, total


def register_cards() -> None:
    register(_status_card("service.reception", _("Cars in reception"), Status.RECEPTION, 20))
    register(_status_card("service.estimate", _("Estimates waiting for approval"), Status.ESTIMATE, 30))
    register(
        HomeCard(
            key="service.additional",
            label=_("Additional work waiting for the customer"),
            roles=(Role.ADVISOR,),
            count=_awaiting_count,
            url=lambda ctx: list_url(LIST, extra="true", advisor=ctx.user.pk),
            overdue_url=lambda ctx: list_url(LIST, extra="true", advisor=ctx.user.pk, late="true"),
            unit=pgettext_lazy("home card unit", "orders"),
            overdue_label=_("past promised time"),
            position=15,
        )
    )
    register(_status_card("service.settled", _("Paid, waiting for delivery"), Status.SETTLED, 60))
    register(
        _status_card(
            "service.quality_check", _("Final inspections"), Status.QUALITY_CHECK, 20, roles=(Role.FOREMAN,), mine=False
        )
    )
    register(
        _status_card(
            "service.in_progress",
            _("Orders in the workshop"),
            Status.IN_PROGRESS,
            50,
            roles=(Role.PARTS_CLERK, Role.FOREMAN),
            mine=False,
        )
    )
    register(
        HomeCard(
            key="service.late",
            label=_("Orders past their promised time"),
            roles=(Role.SERVICE_MANAGER,),
            count=_late_count,
            url=lambda ctx: list_url(LIST, late="true"),
            overdue_url=lambda ctx: list_url(LIST, late="true"),
            unit=pgettext_lazy("home card unit", "orders"),
            overdue_label=_("past promised time"),
            position=30,
        )
    )
