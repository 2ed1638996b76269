"""Coupons: one issuing service, conditions checked at settlement, used once, released on reversal."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftercare.billing import services as billing
from aftercare.loyalty import selectors, services
from aftercare.loyalty.choices import CouponKind, IssuedVia
from aftercare.loyalty.models import CouponTemplate, CouponUse

pytestmark = pytest.mark.django_db


def d(value) -> Decimal:
    return Decimal(value)


def template(store, **kwargs):
    values = {"name": "满500减50", "kind": CouponKind.AMOUNT, "value": d(50), "group": store.group}
    return CouponTemplate.objects.create(**{**values, **kwargs})


def test_an_amount_coupon_is_used_once_and_released_when_its_record_is_reversed(staff, store, order, vehicle):
    coupon = services.coupon_issue(actor=staff["cashier"], template=template(store), customer=vehicle.owner)
    payment, _created = services.coupon_apply(actor=staff["cashier"], order=order, coupon=coupon)
    assert payment.amount == d(50) and payment.method == "coupon"
    coupon.account.refresh_from_db()
    assert coupon.account.balance == 0
    with pytest.raises(ValidationError):
        services.coupon_apply(actor=staff["cashier"], order=order, coupon=coupon, idempotency_key="again")
    billing.payment_reverse(actor=staff["service_manager"], payment=payment, reason="取消订单")
    coupon.account.refresh_from_db()
    assert coupon.account.balance == 1 and CouponUse.objects.get().released_at is not None
    assert selectors.ledger_check() == [] and selectors.unbalanced_vouchers() == []


def test_a_percent_coupon_is_capped(staff, store, order, vehicle):
    coupon = services.coupon_issue(
        actor=staff["cashier"], template=template(store, kind=CouponKind.PERCENT, value=d(20), cap=d(80)),
        customer=vehicle.owner, via=IssuedVia.CAMPAIGN, source="春季服务周",
    )  # fmt: skip
    assert services.coupon_discount(coupon, order) == d(80)


def test_a_free_service_coupon_takes_off_that_line(staff, store, order, vehicle):
    coupon = services.coupon_issue(
        actor=None, template=template(store, kind=CouponKind.FREE_SERVICE, service_code="WASH"),
        customer=vehicle.owner, via=IssuedVia.RULE, idempotency_key=f"rule:first-wash:{vehicle.owner_id}",
    )  # fmt: skip
    assert services.coupon_discount(coupon, order) == order.lines.get(code="WASH").amount
    again = services.coupon_issue(
        actor=None, template=coupon.template, customer=vehicle.owner, via=IssuedVia.RULE,
        idempotency_key=f"rule:first-wash:{vehicle.owner_id}",
    )  # fmt: skip
    assert again.pk == coupon.pk


def test_conditions_refuse_with_the_reason(staff, store, make_order, order, vehicle, other_store):
    issue = lambda **kwargs: services.coupon_issue(  # noqa: E731
        actor=staff["cashier"], template=template(store, **kwargs), customer=vehicle.owner
    )
    refusals = [
        issue(min_spend=d(10000)),
        issue(repair_types="accident"),
    ]
    for coupon in refusals:
        with pytest.raises(ValidationError) as refused:
            services.coupon_apply(actor=staff["cashier"], order=order, coupon=coupon)
        assert "reference" in refused.value.message_dict
    expiring = issue(valid_days=10)
    with time_machine.travel(timezone.now() + timedelta(days=11)):
        with pytest.raises(ValidationError):
            services.coupon_discount(expiring, order)
    # First visit only: refused once the customer has a paid order.
    first = issue(first_visit_only=True)
    assert services.coupon_discount(first, order) == d(50)
    paid = make_order()
    billing.payment_post(actor=staff["cashier"], order=paid, method="cash", amount=paid.customer_total)
    with pytest.raises(ValidationError):
        services.coupon_discount(first, order)


def test_coupons_stack_only_when_both_allow_it(staff, store, order, vehicle):
    single = services.coupon_issue(actor=staff["cashier"], template=template(store), customer=vehicle.owner)
    other = services.coupon_issue(
        actor=staff["cashier"], template=template(store, stackable=True), customer=vehicle.owner
    )
    services.coupon_apply(actor=staff["cashier"], order=order, coupon=single)
    with pytest.raises(ValidationError):
        services.coupon_apply(actor=staff["cashier"], order=order, coupon=other)


def test_points_pay_part_of_an_order_through_a_coupon_they_buy(staff, store, order, vehicle, client_for):
    from django.urls import reverse

    from aftercare.loyalty.choices import AccountKind, VoucherKind

    card = services.member_card_issue(actor=staff["cashier"], customer=vehicle.owner)
    points = card.accounts.get(kind=AccountKind.POINTS)
    services.ledger_post(actor=None, store=store, kind=VoucherKind.EARN, legs=[(points, d(1200))])
    offer = template(store, name="1000积分抵100元", value=d(100), points_cost=1000)
    template(store, name="5000积分抵600元", value=d(600), points_cost=5000)
    client = client_for(staff["cashier"])
    page = client.get(reverse("loyalty:order", args=[order.pk]))
    assert [t.name for t in page.context["exchangeable"]] == ["1000积分抵100元"]
    client.post(reverse("loyalty:order_points", args=[order.pk, offer.pk]))
    points.refresh_from_db()
    assert points.balance == d(200)
    assert order.payments.get().method == "coupon" and order.payments.get().amount == d(100)


def test_a_coupon_shows_as_a_deduction_on_the_statement_and_stays_out_of_the_days_takings(
    staff, store, order, vehicle, client_for
):
    from django.urls import reverse

    from aftercare.billing.selectors import settlement_for

    coupon = services.coupon_issue(actor=staff["cashier"], template=template(store), customer=vehicle.owner)
    services.coupon_apply(actor=staff["cashier"], order=order, coupon=coupon)
    billing.payment_post(actor=staff["cashier"], order=order, method="cash", amount=d(30))

    bill = settlement_for(order)
    assert (bill.deductions, bill.paid) == (d(50), d(30))
    assert bill.balance == bill.customer_share - d(80)
    page = client_for(staff["cashier"]).get(reverse("billing:cashier"))
    assert page.context["totals"]["total"] == d(30)
    assert [amount for _label, amount in page.context["totals"]["deductions"]] == [d(50)]
    statement = client_for(staff["cashier"]).get(reverse("billing:statement", args=[order.pk]))
    assert 'data-testid="deductions">−50.00<' in statement.content.decode()
