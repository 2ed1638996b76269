"""Whatever the cashiers do, lines, discounts, payments, refunds, reversals and
the balance add up."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftercare.billing import selectors, services
from aftercare.billing.models import Payment
from aftercare.service import services as ro

pytestmark = pytest.mark.django_db

cents = st.integers(min_value=1, max_value=200_000).map(lambda c: Decimal(c) / 100)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), cents),
        st.tuples(st.just("refund"), cents),
        st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=20)),
    ),
    max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(discount=st.integers(min_value=0, max_value=50), ops=operations)
def test_the_money_always_adds_up(staff, make_order, discount, ops):
    order = make_order()
    if discount:
        ro.repair_order_discount(actor=staff["service_manager"], order=order, amount=Decimal(discount), reason="x")
        order.refresh_from_db()
    manager = staff["service_manager"]
    for op, value in ops:
        balance = selectors.order_balance(order)
        try:
            if op == "pay":
                services.payment_post(actor=manager, order=order, method="cash", amount=value)
                assert value <= balance
            elif op == "refund":
                services.payment_refund(actor=manager, order=order, method="cash", amount=value, reason="r")
            else:
                records = list(Payment.objects.filter(repair_order=order))
                if records:
                    services.payment_reverse(actor=manager, payment=records[value % len(records)], reason="r")
        except ValidationError:
            if op == "pay":
                assert value > balance or balance <= 0
        order.refresh_from_db()
        bill = selectors.settlement_for(order)
        records = list(Payment.objects.filter(repair_order=order))
        # Lines and discounts add up to the order's totals ...
        assert bill.labour_total + bill.parts_total + bill.other_total - bill.manager_discounts == order.total
        assert sum(bill.by_payer.values(), Decimal(0)) == order.total
        assert bill.customer_share == order.customer_total
        assert bill.tax + bill.customer_net == bill.customer_share
        # ... and the money records to the balance.
        assert bill.balance == order.customer_total - sum((p.amount for p in records), Decimal(0))
        assert bill.balance == selectors.order_balance(order)
        assert bill.paid - bill.refunded == sum((p.amount for p in records), Decimal(0))
        # Every record carries the balance it left; a reversal mirrors its original.
        for record in records:
            if record.reverses_id:
                assert record.amount == -Payment.objects.get(pk=record.reverses_id).amount
