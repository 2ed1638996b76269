"""`{% billing_panel order as bill %}`: what the billing panel on the repair
order page needs, so the page's own view need not know about billing."""

from django import template

from aftercare.core.permissions import Perm
from aftercare.service.choices import Status

from ..forms import PaymentForm, ReasonForm, RefundForm, new_token
from ..selectors import settle_refusal, settlement_for

register = template.Library()


@register.simple_tag(takes_context=True)
def billing_panel(context, order, lines=None) -> dict:
    """`lines`: the order's lines if the page has read them already (not read twice).
    Forms are made only for the controls the user sees."""
    user = context["request"].user
    # A template passes "" for a variable it does not have (billing's own order page).
    bill = settlement_for(order, lines=lines if isinstance(lines, list) else None)
    balance = bill.balance
    perms = user.allowed_at(order.store_id)
    open_for_money = order.status != Status.CANCELLED
    can_pay = Perm.PAYMENT_POST in perms
    panel = {
        "bill": bill,
        "balance": balance,
        "can_pay": can_pay and open_for_money and balance > 0,
        # The workflow's table and guards decide whether the order may be settled; the panel asks them.
        "can_settle": can_pay and settle_refusal(order, bill) is None,
        "can_refund": Perm.PAYMENT_REVERSE in perms and bill.paid - bill.refunded > 0,
        "can_reverse": Perm.PAYMENT_REVERSE in perms,
        "can_credit": Perm.CREDIT_APPROVE in perms and order.status in (Status.READY, Status.SETTLED) and balance > 0,
        "can_deliver": Perm.REPAIR_ORDER_EDIT in perms and order.status == Status.SETTLED,
    }
    if panel["can_pay"]:
        panel["pay_form"] = context.get("pay_form") or PaymentForm(initial={"amount": balance, "token": new_token()})
    if panel["can_refund"]:
        panel["refund_form"] = context.get("refund_form") or RefundForm(initial={"token": new_token()})
    if panel["can_credit"]:
        panel["credit_form"] = context.get("credit_form") or ReasonForm(prefix="credit")
    return panel
