"""WeChat Pay and Alipay at the counter: the real adapters, through the
providers' SDKs, against the local fake provider (docs/DOMAIN.md §21)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftercare.billing import online
from aftercare.billing.models import Payment, ProviderTransaction, Reconciliation
from aftercare.billing.providers import SignatureInvalid
from aftercare.billing.selectors import order_balance
from aftercare.service.choices import Status

pytestmark = pytest.mark.django_db

PAYS = "134567890123456781"  # the fake: last digit 1 pays at once
WAITS = "134567890123456782"  # 2: the customer confirms in the app later
REFUSED = "134567890123456783"  # 3: not enough balance


@pytest.fixture
def cashier(staff):
    return staff["service_manager"]


def charge(cashier, order, provider="wechat", flow="micropay", amount=None, auth_code=PAYS, key=None):
    txn, _created = online.provider_charge_start(
        actor=cashier, order=order, provider=provider, flow=flow, amount=amount or order_balance(order),
        auth_code=auth_code, idempotency_key=key, notify_url="http://testserver/notify/",
    )  # fmt: skip
    return txn


@pytest.mark.parametrize("provider", ["wechat", "alipay"])
def test_a_scanned_payment_code_that_pays_at_once_posts_the_payment_and_settles_the_order(
    provider, cashier, order, provider_accounts
):
    due = order_balance(order)
    txn = charge(cashier, order, provider)
    assert txn.status == "paid" and txn.provider_trade_no
    payment = txn.payment
    assert (payment.method, payment.amount, payment.reference) == (provider, due, txn.provider_trade_no)
    order.refresh_from_db()
    assert order_balance(order) == 0 and order.status == Status.SETTLED


@pytest.mark.parametrize("provider", ["wechat", "alipay"])
def test_a_customer_still_confirming_is_asked_about_until_the_money_arrives(
    provider, cashier, order, provider_accounts, fake_provider
):
    txn = charge(cashier, order, provider, auth_code=WAITS)
    assert txn.status == "paying" and not Payment.objects.filter(repair_order=order).exists()
    assert online.provider_charge_sync(txn_id=txn.pk).status == "paying"
    fake_provider.confirm(txn.out_trade_no)
    txn = online.provider_charge_sync(txn_id=txn.pk)
    assert txn.status == "paid" and order_balance(order) == 0


@pytest.mark.parametrize("provider", ["wechat", "alipay"])
def test_a_refused_payment_code_fails_and_posts_nothing(provider, cashier, order, provider_accounts):
    txn = charge(cashier, order, provider, auth_code=REFUSED)
    assert txn.status == "failed" and "余额不足" in txn.message
    assert not Payment.objects.filter(repair_order=order).exists()


def test_the_same_idempotency_key_starts_one_charge(cashier, order, provider_accounts, fake_provider):
    first = charge(cashier, order, key="k-1", auth_code=WAITS)
    again = charge(cashier, order, key="k-1", auth_code=WAITS)
    assert first.pk == again.pk and ProviderTransaction.objects.count() == 1
    assert len([r for r in fake_provider.requests if "codepay" in r]) == 1


def test_a_charge_cannot_be_more_than_the_balance_left_after_charges_still_waiting(cashier, order, provider_accounts):
    due = order_balance(order)
    charge(cashier, order, amount=due - Decimal("10.00"), auth_code=WAITS)
    with pytest.raises(ValidationError) as refused:
        charge(cashier, order, amount=Decimal("10.01"))
    assert "amount" in refused.value.message_dict


def test_a_store_without_an_account_is_told_so(cashier, order):
    with pytest.raises(ValidationError) as refused:
        charge(cashier, order)
    assert "method" in refused.value.message_dict


@pytest.mark.parametrize("provider", ["wechat", "alipay"])
def test_a_qr_code_paid_and_notified_twice_posts_once(provider, cashier, order, provider_accounts, fake_provider):
    txn = charge(cashier, order, provider, flow="qr", auth_code="")
    assert txn.status == "paying" and txn.code_url
    fake_provider.confirm(txn.out_trade_no)
    for _ in range(2):
        if provider == "wechat":
            headers, body = fake_provider.wechat_notification(txn.out_trade_no)
            online.provider_notification(account=provider_accounts[provider], headers=headers, body=body)
        else:
            online.provider_notification(
                account=provider_accounts[provider], data=fake_provider.alipay_notification(txn.out_trade_no)
            )
    assert Payment.objects.filter(repair_order=order).count() == 1
    assert order_balance(order) == 0


@pytest.mark.parametrize("provider", ["wechat", "alipay"])
def test_a_notification_with_a_forged_signature_is_refused_and_posts_nothing(
    provider, cashier, order, provider_accounts, fake_provider
):
    txn = charge(cashier, order, provider, flow="qr", auth_code="")
    fake_provider.confirm(txn.out_trade_no)
    with pytest.raises(SignatureInvalid):
        if provider == "wechat":
            headers, body = fake_provider.wechat_notification(txn.out_trade_no, forged=True)
            online.provider_notification(account=provider_accounts[provider], headers=headers, body=body)
        else:
            data = fake_provider.alipay_notification(txn.out_trade_no, forged=True)
            online.provider_notification(account=provider_accounts[provider], data=data)
    assert not Payment.objects.filter(repair_order=order).exists()


def test_a_charge_past_its_window_is_cancelled_at_the_provider(cashier, order, provider_accounts, fake_provider):
    txn = charge(cashier, order, auth_code=WAITS)
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        txn = online.provider_charge_sync(txn_id=txn.pk)
    assert txn.status == "closed" and fake_provider.trades[txn.out_trade_no].state == "REVOKED"
    assert order_balance(order) > 0


def test_money_arriving_after_the_cashier_cancelled_and_took_cash_is_posted_and_flagged_for_refund(
    cashier, order, provider_accounts, fake_provider
):
    from aftercare.billing.services import payment_post

    txn = charge(cashier, order, flow="qr", auth_code="")
    # The provider did not hear our close before the customer paid: its close answers "paid".
    online.provider_charge_cancel(actor=cashier, txn=txn)
    txn.refresh_from_db()
    assert txn.status == "closed"
    payment_post(actor=cashier, order=order, method="cash", amount=order_balance(order))
    fake_provider.confirm(txn.out_trade_no)
    headers, body = fake_provider.wechat_notification(txn.out_trade_no)
    txn = online.provider_notification(account=provider_accounts["wechat"], headers=headers, body=body)
    assert txn.status == "paid" and txn.needs_refund and txn.payment is not None
    assert order_balance(order) == -txn.amount  # the settle guard now asks for the refund

    refund, created = online.provider_refund(actor=cashier, txn=txn, amount=txn.amount, reason="已付现金，原路退回")
    txn.refresh_from_db()
    assert created and refund.status == "paid" and not txn.needs_refund
    assert order_balance(order) == 0
    assert fake_provider.trades[txn.out_trade_no].refunds == [(refund.out_trade_no, txn.amount)]


@pytest.mark.parametrize("provider", ["wechat", "alipay"])
def test_a_refund_goes_back_through_the_provider_and_posts_a_negative_record(
    provider, cashier, make_order, provider_accounts, fake_provider
):
    order = make_order(status=Status.IN_PROGRESS)
    txn = charge(cashier, order, provider)
    refund, _created = online.provider_refund(
        actor=cashier, txn=txn, amount=Decimal("20.00"), reason="少做一项", idempotency_key="r-1"
    )
    again, created = online.provider_refund(
        actor=cashier, txn=txn, amount=Decimal("20.00"), reason="少做一项", idempotency_key="r-1"
    )
    assert again.pk == refund.pk and not created
    assert refund.payment.amount == Decimal("-20.00") and refund.payment.method == provider
    assert fake_provider.trades[txn.out_trade_no].refunds == [(refund.out_trade_no, Decimal("20.00"))]
    with pytest.raises(ValidationError):
        online.provider_refund(actor=cashier, txn=txn, amount=txn.amount, reason="再退一次")


@pytest.mark.parametrize("provider", ["wechat", "alipay"])
def test_the_reconciliation_lists_what_the_statement_and_our_records_disagree_on(
    provider, cashier, make_order, provider_accounts, fake_provider
):
    first = charge(cashier, make_order(status=Status.IN_PROGRESS), provider, amount=Decimal("100.00"))
    second = charge(cashier, make_order(status=Status.IN_PROGRESS), provider, amount=Decimal("50.00"))
    online.provider_refund(actor=cashier, txn=first, amount=Decimal("30.00"), reason="优惠")
    fake_provider.statement_extra.append((provider, "AC-NOT-OURS-1", Decimal("88.00")))
    fake_provider.trades[second.out_trade_no].amount = Decimal("49.00")

    run = online.provider_reconcile(account=provider_accounts[provider], day=timezone.localdate())
    found = {(d.kind, d.txn_kind, d.out_trade_no, d.provider_amount, d.our_amount) for d in run.differences.all()}
    assert found == {
        ("missing_here", "charge", "AC-NOT-OURS-1", Decimal("88.00"), None),
        ("amount", "charge", second.out_trade_no, Decimal("49.00"), Decimal("50.00")),
    }
    assert run.statement_lines == 4 and run.matched == 2
    # Importing the day again replaces its list.
    online.provider_reconcile(account=provider_accounts[provider], day=timezone.localdate())
    assert Reconciliation.objects.count() == 1 and run.differences.count() == 2
