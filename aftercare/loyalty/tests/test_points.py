"""Points: earned on what the customer actually paid, at the tier's rate, for referrals; redeemed; expired."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from aftercare.billing import selectors as billing_selectors
from aftercare.billing import services as billing
from aftercare.loyalty import selectors, services
from aftercare.loyalty.choices import VoucherKind
from aftercare.loyalty.models import TierRule, Voucher

pytestmark = pytest.mark.django_db


def d(value) -> Decimal:
    return Decimal(value)


@pytest.fixture
def owned(vehicle, card):
    vehicle.owner = card.customer
    vehicle.save(update_fields=["owner"])
    return card


def _points(card):
    return selectors.card_balances(card)["points"]


def test_a_settled_order_earns_points_on_the_money_paid_at_the_tier_rate(
    staff, owned, make_order, django_capture_on_commit_callbacks
):
    TierRule.objects.create(group=owned.group, tier="ordinary", points_per_yuan=Decimal("2"))
    order = make_order()
    # The settling move announces itself after commit; the points task follows.
    with django_capture_on_commit_callbacks(execute=True):
        billing.payment_post(actor=staff["cashier"], order=order, method="cash", amount=order.customer_total)
    assert _points(owned) == d(int(order.customer_total * 2))
    # Earned once per order, whatever reruns.
    services.points_earn(order=order)
    assert Voucher.objects.filter(kind=VoucherKind.EARN).count() == 1


def test_no_points_on_the_stored_value_bonus_or_on_package_uses(staff, store, owned, make_order, bonus_rules):
    services.stored_value_top_up(actor=staff["cashier"], card=owned, store=store, amount="500", method="cash")
    package, _created = services.package_card_sell(
        actor=staff["cashier"], customer=owned.customer, store=store, name="洗车10次", price="200", method="cash",
        expires_on=date.today() + timedelta(days=90), items=[("WASH", "洗车", 10)],
    )  # fmt: skip
    order = make_order()
    services.package_cover(actor=staff["cashier"], order=order, card=package, line=order.lines.get(code="WASH"))
    wash = order.lines.get(code="WASH").amount
    billing.payment_post(
        actor=staff["cashier"], order=order, method="stored_value", amount="530", reference=owned.number
    )
    rest = billing_selectors.order_balance(order)
    billing.payment_post(actor=staff["cashier"], order=order, method="cash", amount=rest)
    services.points_earn(order=order)
    # Paid: 500 principal + cash; not the 30 bonus, not the covered wash.
    assert services.points_base(order) == order.customer_total - wash - d("30")
    assert _points(owned) == d(int(order.customer_total - wash - d("30")))


def test_a_referral_credits_the_referrer_on_the_new_members_first_paid_visit_once(
    staff, store, card, make_order, vehicle
):
    newcomer = services.member_card_issue(actor=staff["cashier"], customer=vehicle.owner, number="VIP0002")
    newcomer.referred_by = card
    newcomer.save(update_fields=["referred_by"])
    for _visit in range(2):
        order = make_order()
        billing.payment_post(actor=staff["cashier"], order=order, method="cash", amount=order.customer_total)
        services.points_earn(order=order)
    assert _points(card) == services.REFERRAL_POINTS


def test_points_are_redeemed_never_below_zero(staff, store, card):
    services.ledger_post(
        actor=staff["cashier"],
        store=store,
        kind=VoucherKind.ADJUSTMENT,
        legs=[(services._points_account(card), d(100))],
    )
    services.points_redeem(actor=staff["cashier"], card=card, store=store, points=80, note="兑换洗车")
    for points in (21, 0, -5, "x"):
        with pytest.raises(ValidationError):
            services.points_redeem(actor=staff["cashier"], card=card, store=store, points=points, note="兑换")
    assert _points(card) == d(20)


def test_points_lapse_at_the_end_of_the_following_year_oldest_spent_first(staff, store, card):
    account = services._points_account(card)
    with time_machine.travel("2024-03-01"):
        services.ledger_post(actor=None, store=store, kind=VoucherKind.EARN, legs=[(account, d(300))])
    with time_machine.travel("2025-05-01"):
        services.ledger_post(actor=None, store=store, kind=VoucherKind.EARN, legs=[(account, d(200))])
        services.points_redeem(actor=staff["cashier"], card=card, store=store, points=100, note="兑换")
    # On 31 Dec 2025 the 2024 points still count.
    assert services.points_expire(today=date(2025, 12, 31)) == 0
    with time_machine.travel("2026-01-01 03:00"):
        assert services.points_expire(today=date(2026, 1, 1)) == 1
        assert services.points_expire(today=date(2026, 1, 1)) == 0
    # 300 from 2024 less the 100 spent lapse; the 2025 points stay.
    assert _points(card) == d(200)
    assert selectors.ledger_check() == [] and selectors.unbalanced_vouchers() == []
