"""The settlement statement's money records and credit approvals, as the panels show them."""

from decimal import Decimal

import pytest
from django.utils import translation

from aftercare.billing import selectors, services
from aftercare.billing.choices import PaymentKind
from aftercare.billing.models import Payment

pytestmark = pytest.mark.django_db


def test_the_statement_lists_each_record_with_its_labels_cashier_and_whether_it_can_be_reversed(staff, make_order):
    order = make_order()
    staff["cashier"].full_name = "收银员小周"
    staff["cashier"].save(update_fields=["full_name"])
    card, _ = services.payment_post(actor=staff["cashier"], order=order, method="card", amount="40", reference="POS-1")
    cash, _ = services.payment_post(actor=staff["cashier"], order=order, method="cash", amount="10")
    reversal = services.payment_reverse(actor=staff["service_manager"], payment=card, reason="刷错卡")
    with translation.override("en"):
        rows = {row.pk: row for row in selectors.settlement_for(order).payments}
        assert [row.pk for row in selectors.settlement_for(order).payments] == list(
            Payment.objects.filter(repair_order=order).values_list("pk", flat=True)
        )
        assert (rows[card.pk].get_kind_display(), rows[card.pk].get_method_display()) == ("Payment", "Bank card")
    assert str(rows[card.pk].posted_by) == "收银员小周" and rows[card.pk].reference == "POS-1"
    assert rows[card.pk].amount == Decimal("40.00") and rows[reversal.pk].amount == Decimal("-40.00")
    # As Payment.is_reversible: the reversed record and the reversal cannot be reversed, the cash one can.
    assert not rows[card.pk].is_reversible and not rows[reversal.pk].is_reversible and rows[cash.pk].is_reversible
    assert rows[reversal.pk].kind == PaymentKind.REVERSAL
    for row in rows.values():
        assert row.is_reversible == Payment.objects.get(pk=row.pk).is_reversible


def test_the_statement_sums_payments_and_refunds_from_the_records(staff, make_order):
    order = make_order()
    services.payment_post(actor=staff["cashier"], order=order, method="cash", amount="50")
    services.payment_refund(actor=staff["service_manager"], order=order, amount="5", method="cash", reason="多收")
    bill = selectors.settlement_for(order)
    assert (bill.paid, bill.refunded) == (Decimal("50.00"), Decimal("5.00"))
    assert bill.balance == order.customer_total - Decimal("45.00") == selectors.order_balance(order)


def test_a_credit_approval_shows_who_approved_how_much_and_why(staff, make_order):
    order = make_order()
    approval = services.credit_approve(actor=staff["service_manager"], order=order, reason="单位月结")
    bill = selectors.settlement_for(order)
    assert bill.on_credit
    (row,) = bill.credit_approvals
    assert (row.balance_due, row.reason, row.approved_at) == (order.customer_total, "单位月结", approval.approved_at)
    assert row.approved_by == staff["service_manager"]


def test_lines_already_read_are_not_read_again(staff, make_order, django_assert_num_queries):
    order = make_order()
    lines = list(order.lines.all())
    with django_assert_num_queries(2):  # the payments and the credit approvals
        bill = selectors.settlement_for(order, lines=lines)
    with django_assert_num_queries(3):
        assert selectors.settlement_for(order).customer_share == bill.customer_share == order.customer_total
