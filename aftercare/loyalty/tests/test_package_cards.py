"""Package cards: a line covered by one use, posted with the settlement, given back on cancel."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from aftercare.billing import selectors as billing_selectors
from aftercare.billing import services as billing
from aftercare.loyalty import selectors, services
from aftercare.loyalty.models import PackageUse
from aftercare.service import services as ro
from aftercare.service.choices import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def package(staff, store, vehicle):
    card, _created = services.package_card_sell(
        actor=staff["cashier"], customer=vehicle.owner, store=store, name="保养套餐5次", price="1500",
        method="wechat", expires_on=date.today() + timedelta(days=365),
        items=[("M001", "常规保养", 5), ("WASH", "洗车", 10)],
        number="TC0001",
    )  # fmt: skip
    return card


def _uses(card, code):
    return card.items.get(service_code=code).balance


def _line(order, code):
    return order.lines.get(code=code)


def test_a_sold_package_credits_each_service_with_its_count(package):
    assert (_uses(package, "M001"), _uses(package, "WASH")) == (Decimal("5"), Decimal("10"))
    assert selectors.ledger_check() == [] and selectors.unbalanced_vouchers() == []


def test_a_covered_line_takes_one_use_when_the_order_settles_with_another_method_for_the_rest(staff, order, package):
    services.package_cover(actor=staff["cashier"], order=order, card=package, line=_line(order, "M001"))
    assert _uses(package, "M001") == Decimal("4")
    rest = billing_selectors.order_balance(order)
    billing.payment_post(actor=staff["cashier"], order=order, method="wechat", amount=rest)
    order.refresh_from_db()
    assert order.status == Status.SETTLED


def test_a_line_is_covered_once_and_only_while_uses_are_left_and_valid(staff, make_order, package):
    order = make_order()
    services.package_cover(actor=staff["cashier"], order=order, card=package, line=_line(order, "M001"))
    with pytest.raises(ValidationError):
        services.package_cover(
            actor=staff["cashier"], order=order, card=package, line=_line(order, "M001"), idempotency_key="again"
        )
    # No item on the card for the part line.
    part_line = order.lines.exclude(code__in=["M001", "WASH"]).first()
    with pytest.raises(ValidationError):
        services.package_cover(actor=staff["cashier"], order=order, card=package, line=part_line)
    with time_machine.travel(date.today() + timedelta(days=400)):
        with pytest.raises(ValidationError):
            services.package_cover(actor=staff["cashier"], order=order, card=package, line=_line(order, "WASH"))
    assert _uses(package, "WASH") == Decimal("10")


def test_cancelling_the_order_gives_the_use_and_the_coupon_back_by_reversal(staff, store, make_order, package):
    from aftercare.loyalty.choices import CouponKind
    from aftercare.loyalty.models import CouponTemplate, CouponUse

    order = make_order()
    services.package_cover(actor=staff["cashier"], order=order, card=package, line=_line(order, "M001"))
    template = CouponTemplate.objects.create(name="减20", kind=CouponKind.AMOUNT, value=Decimal(20), group=store.group)
    coupon = services.coupon_issue(actor=staff["cashier"], template=template, customer=order.customer)
    services.coupon_apply(actor=staff["cashier"], order=order, coupon=coupon)
    assert _uses(package, "M001") == Decimal("4")

    # Neither is money held for the customer: the advisor cancels at once.
    ro.repair_order_transition(repair_order=order, to=Status.CANCELLED, actor=staff["advisor"], note="客户取消")

    order.refresh_from_db()
    coupon.account.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert _uses(package, "M001") == Decimal("5") and coupon.account.balance == 1
    assert PackageUse.objects.get().released_at is not None and CouponUse.objects.get().released_at is not None
    reversals = order.payments.filter(kind="reversal")
    assert sorted(reversals.values_list("method", "reason")) == [("coupon", "客户取消"), ("package_card", "客户取消")]
    assert billing_selectors.order_paid(order) == 0
    assert selectors.ledger_check() == [] and selectors.unbalanced_vouchers() == []


def test_an_order_holding_money_beside_a_package_use_is_not_cancelled_and_keeps_the_use(staff, make_order, package):
    order = make_order()
    services.package_cover(actor=staff["cashier"], order=order, card=package, line=_line(order, "M001"))
    billing.payment_post(actor=staff["cashier"], order=order, method="cash", amount=Decimal("10"))

    with pytest.raises(ro.TransitionRefused, match="10"):
        ro.repair_order_transition(repair_order=order, to=Status.CANCELLED, actor=staff["advisor"], note="客户取消")

    assert _uses(package, "M001") == Decimal("4")
    assert PackageUse.objects.get().released_at is None


def _marked(html: str) -> int:
    return html.count('data-testid="line-mark">套餐卡抵扣<')


def test_a_covered_line_shows_the_package_use_on_the_estimate_and_the_statement_until_it_is_given_back(
    staff, make_order, package, client_for
):
    order = make_order()
    payment, _created = services.package_cover(
        actor=staff["cashier"], order=order, card=package, line=_line(order, "M001")
    )
    advisor, cashier = client_for(staff["advisor"]), client_for(staff["cashier"])
    pages = [
        (advisor, reverse("service:repair_order_detail", args=[order.pk])),
        (advisor, reverse("service:print_estimate", args=[order.pk])),
        (cashier, reverse("billing:statement", args=[order.pk])),
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _marked(response.content.decode()) == 1, url

    billing.payment_reverse(actor=staff["service_manager"], payment=payment, reason="改用现金")
    for client, url in pages:
        assert _marked(client.get(url).content.decode()) == 0, url
