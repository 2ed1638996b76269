"""`{% billing_panel order as bill %}`: what the billing panel on the repair
order page needs, so the page's own view need not know about billing."""

from django import template

from aftercare.core.permissions import Perm
from aftercare.service.choices import Status

from ..forms import PaymentForm, ReasonForm, RefundForm, new_token
from ..selectors import settlement_for

register = template.Library()


@register.simple_tag(takes_context=True)
def billing_panel(context, order) -> dict:
    user = context["request"].user
    bill = settlement_for(order)
    balance = bill.balance
    open_for_money = order.status != Status.CANCELLED
    can_pay = user.has_perm(Perm.PAYMENT_POST, order)
    return {
        "bill": bill,
        "balance": balance,
        "can_pay": can_pay and open_for_money and balance > 0,
        "can_settle": can_pay and order.status == Status.READY and (balance == 0 or bill.on_credit),
        "can_refund": user.has_perm(Perm.PAYMENT_REVERSE, order) and bill.paid - bill.refunded > 0,
        "can_reverse": user.has_perm(Perm.PAYMENT_REVERSE, order),
        "can_credit": user.has_perm(Perm.CREDIT_APPROVE, order)
        and order.status in (Status.READY, Status.SETTLED)
        and balance > 0,
        "can_deliver": user.has_perm(Perm.REPAIR_ORDER_EDIT, order) and order.status == Status.SETTLED,
        "pay_form": context.get("pay_form") or PaymentForm(initial={"amount": balance, "token": new_token()}),
        "refund_form": context.get("refund_form") or RefundForm(initial={"token": new_token()}),
        "credit_form": context.get("credit_form") or ReasonForm(prefix="credit"),
        "reverse_form": context.get("reverse_form") or ReasonForm(),
    }
