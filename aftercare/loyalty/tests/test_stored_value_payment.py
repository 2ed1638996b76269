"""Stored value spent at settlement: through billing's payment, on the card's ledger."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from aftercare.billing import selectors as billing_selectors
from aftercare.billing import services as billing
from aftercare.billing.models import Payment
from aftercare.loyalty import selectors, services
from aftercare.loyalty.choices import AccountKind, VoucherKind
from aftercare.loyalty.models import Account, Voucher
from aftercare.service.choices import Status
from aftercare.tests.factories import CustomerFactory, MembershipFactory, UserFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def d(value) -> Decimal:
    return Decimal(value)


@pytest.fixture
def loaded(staff, store, card, bonus_rules):
    services.stored_value_top_up(actor=staff["cashier"], card=card, store=store, amount="1000", method="cash")
    return card


def _pay(staff, order, amount, card_number="VIP0001", key=None, who="cashier"):
    return billing.payment_post(
        actor=staff[who], order=order, method="stored_value", amount=amount, reference=card_number,
        idempotency_key=key,
    )  # fmt: skip


def test_a_stored_value_payment_debits_principal_first_and_names_the_payment(staff, order, loaded):
    payment, _created = _pay(staff, order, "100")
    voucher = Voucher.objects.get(kind=VoucherKind.PAYMENT)
    assert (voucher.document_type, voucher.document_id) == ("billing.payment", str(payment.pk))
    assert payment.number in voucher.document_ref and voucher.posted_by == staff["cashier"]
    assert selectors.card_balances(loaded)["principal"] == d("900.00")
    assert selectors.card_balances(loaded)["bonus"] == d("100.00")


def test_a_payment_mixed_with_cash_settles_the_order_and_uses_the_bonus_after_the_principal(
    staff, store, make_order, card
):
    services.stored_value_top_up(actor=staff["cashier"], card=card, store=store, amount="50", method="cash")
    from aftercare.loyalty.models import TopUpRule

    TopUpRule.objects.create(store=store, min_amount=10, bonus=5)
    services.stored_value_top_up(actor=staff["cashier"], card=card, store=store, amount="10", method="cash")
    order = make_order()
    _pay(staff, order, "65")
    assert selectors.card_balances(card)["stored_value"] == d("0.00")
    billing.payment_post(
        actor=staff["cashier"], order=order, method="cash", amount=billing_selectors.order_balance(order)
    )
    order.refresh_from_db()
    assert order.status == Status.SETTLED


def test_a_payment_above_the_card_balance_or_from_no_card_is_refused_whole(staff, order, loaded):
    with pytest.raises(ValidationError) as refused:
        _pay(staff, order, "1100.01")
    assert "amount" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        _pay(staff, order, "10", card_number="NO-SUCH-CARD")
    assert "reference" in refused.value.message_dict
    assert not Payment.objects.exists()
    assert selectors.card_balances(loaded)["stored_value"] == d("1100.00")


def test_a_stored_value_payment_retried_with_the_same_key_debits_the_card_once(staff, order, loaded):
    first, created = _pay(staff, order, "100", key="desk-1")
    again, created_again = _pay(staff, order, "100", key="desk-1")
    assert (created, created_again) == (True, False) and first.pk == again.pk
    assert Voucher.objects.filter(kind=VoucherKind.PAYMENT).count() == 1
    assert selectors.card_balances(loaded)["principal"] == d("900.00")


def test_reversing_the_payment_gives_the_card_its_value_back(staff, store, order, card, bonus_rules):
    services.stored_value_top_up(actor=staff["cashier"], card=card, store=store, amount="500", method="cash")
    payment, _created = _pay(staff, order, "520")
    assert selectors.card_balances(card) == {
        "principal": d("0.00"), "bonus": d("10.00"), "stored_value": d("10.00"), "points": d("0.00"),
    }  # fmt: skip
    billing.payment_reverse(actor=staff["service_manager"], payment=payment, reason="刷错卡")
    assert selectors.card_balances(card)["principal"] == d("500.00")
    assert selectors.card_balances(card)["bonus"] == d("30.00")
    assert selectors.ledger_check() == [] and selectors.unbalanced_vouchers() == []


def test_a_refund_of_a_stored_value_payment_goes_back_to_the_card_as_principal(staff, order, loaded):
    _pay(staff, order, "200")
    billing.payment_refund(
        actor=staff["service_manager"], order=order, amount="50", method="stored_value", reason="退差价"
    )
    assert selectors.card_balances(loaded)["principal"] == d("850.00")


def test_a_card_bought_in_one_store_is_spent_in_another_with_the_taking_store_recorded(
    staff, store, other_store, loaded, make_order
):
    cashier_b = UserFactory(username="cashier_b")
    MembershipFactory(user=cashier_b, store=other_store, role="cashier")
    MembershipFactory(user=staff["service_manager"], store=other_store, role="service_manager")
    vehicle_b = VehicleFactory(owner=CustomerFactory(store=other_store, name="李娜"), plate="粤A99999")
    from aftercare.tests.factories import catalog_for

    catalog_for(other_store)
    order_b = make_order(the_store=other_store, the_vehicle=vehicle_b)
    billing.payment_post(actor=cashier_b, order=order_b, method="stored_value", amount="300", reference="VIP0001")
    voucher = Voucher.objects.get(kind=VoucherKind.PAYMENT)
    assert voucher.store == other_store
    # Store B delivered 300 of value that store A took the money for: the two
    # stores' sides show what the group settles between them.
    sides = dict(Account.objects.filter(kind=AccountKind.STORE).values_list("store_id", "balance"))
    assert sides == {store.pk: d("-1100.00"), other_store.pk: d("300.00")}
    # Each store sees the card and its balance.
    from aftercare.loyalty.models import MemberCard

    assert MemberCard.objects.for_user(cashier_b).get() == loaded
