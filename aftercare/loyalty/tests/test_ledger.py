"""The ledger: append-only, balances kept and recomputable, idempotent, never below zero."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aftercare.loyalty import selectors, services
from aftercare.loyalty.choices import AccountKind, VoucherKind
from aftercare.loyalty.models import Account, Posting, Voucher

pytestmark = pytest.mark.django_db


def d(value) -> Decimal:
    return Decimal(value)


def _top_up(staff, card, store, amount, key=None):
    return services.stored_value_top_up(
        actor=staff["cashier"], card=card, store=store, amount=amount, method="cash", idempotency_key=key
    )


def test_a_top_up_keeps_the_store_bonus_apart_from_the_principal(staff, store, card, bonus_rules):
    voucher, created = _top_up(staff, card, store, "1000")
    assert created and voucher.kind == VoucherKind.TOP_UP and voucher.method == "cash"
    assert selectors.card_balances(card) == {
        "principal": d("1000.00"), "bonus": d("100.00"), "stored_value": d("1100.00"), "points": d("0.00"),
    }  # fmt: skip
    _top_up(staff, card, store, "600")
    assert selectors.card_balances(card)["bonus"] == d("130.00")


def test_every_voucher_sums_to_zero_against_the_taking_store_and_balances_recompute(staff, store, card, bonus_rules):
    _top_up(staff, card, store, "1000")
    store_side = Account.objects.get(kind=AccountKind.STORE, store=store, unit="money")
    assert store_side.balance == d("-1100.00")
    assert selectors.unbalanced_vouchers() == []
    assert selectors.ledger_check() == []


def test_a_top_up_retried_with_the_same_key_posts_once(staff, store, card):
    first, created = _top_up(staff, card, store, "300", key="top-up-1")
    again, created_again = _top_up(staff, card, store, "300", key="top-up-1")
    assert (created, created_again) == (True, False) and first.pk == again.pk
    assert selectors.card_balances(card)["principal"] == d("300.00")
    with pytest.raises(services.IdempotencyConflict):
        _top_up(staff, card, store, "400", key="top-up-1")
    assert Voucher.objects.count() == 1


def test_postings_and_vouchers_are_never_edited_or_deleted(staff, store, card):
    voucher, _created = _top_up(staff, card, store, "300")
    posting = Posting.objects.filter(voucher=voucher).first()
    for record in (voucher, posting):
        with pytest.raises(PermissionDenied):
            record.save()
        with pytest.raises(PermissionDenied):
            record.delete()
    for queryset in (Voucher.objects.all(), Posting.objects.all()):
        with pytest.raises(PermissionDenied):
            queryset.update(note="x") if queryset.model is Voucher else queryset.update(amount=1)
        with pytest.raises(PermissionDenied):
            queryset.delete()


def test_a_debit_never_takes_a_balance_below_zero(staff, store, card):
    _top_up(staff, card, store, "100")
    principal = card.accounts.get(kind=AccountKind.STORED_PRINCIPAL)
    with pytest.raises(ValidationError) as refused:
        services.ledger_post(
            actor=staff["cashier"], store=store, kind=VoucherKind.ADJUSTMENT, legs=[(principal, d("-100.01"))]
        )
    assert "amount" in refused.value.message_dict
    principal.refresh_from_db()
    assert principal.balance == d("100.00") and Voucher.objects.count() == 1


def test_a_reversal_restores_the_balance_once_and_refuses_value_already_spent(staff, store, card, bonus_rules):
    voucher, _created = _top_up(staff, card, store, "1000")
    reversal = services.voucher_reverse(actor=staff["service_manager"], voucher=voucher, reason="收银错误")
    assert reversal.reverses_id == voucher.pk
    assert selectors.card_balances(card)["stored_value"] == d("0.00")
    with pytest.raises(ValidationError):
        services.voucher_reverse(actor=staff["service_manager"], voucher=voucher, reason="again")
    with pytest.raises(ValidationError):
        services.voucher_reverse(actor=staff["service_manager"], voucher=reversal, reason="again")
    spent, _created = _top_up(staff, card, store, "200")
    principal = card.accounts.get(kind=AccountKind.STORED_PRINCIPAL)
    services.ledger_post(
        actor=staff["cashier"], store=store, kind=VoucherKind.ADJUSTMENT, legs=[(principal, d("-150"))]
    )
    with pytest.raises(ValidationError):
        services.voucher_reverse(actor=staff["service_manager"], voucher=spent, reason="too late")
    assert selectors.ledger_check() == [] and selectors.unbalanced_vouchers() == []


def test_a_cashier_cannot_reverse_and_an_advisor_cannot_top_up(staff, store, card):
    voucher, _created = _top_up(staff, card, store, "100")
    with pytest.raises(PermissionDenied):
        services.voucher_reverse(actor=staff["cashier"], voucher=voucher, reason="x")
    with pytest.raises(PermissionDenied):
        services.stored_value_top_up(actor=staff["advisor"], card=card, store=store, amount="1", method="cash")


def test_bad_amounts_and_methods_are_field_errors(staff, store, card):
    for amount in ("0", "-1", "abc", "NaN", "1e20"):
        with pytest.raises(ValidationError) as refused:
            _top_up(staff, card, store, amount)
        assert "amount" in refused.value.message_dict
    for method in ("stored_value", "bitcoin"):
        with pytest.raises(ValidationError) as refused:
            services.stored_value_top_up(actor=staff["cashier"], card=card, store=store, amount="1", method=method)
        assert "method" in refused.value.message_dict
    assert not Voucher.objects.exists()


def test_a_refund_pays_back_principal_only_and_forfeits_the_bonus_when_it_is_all_returned(
    staff, store, card, bonus_rules
):
    _top_up(staff, card, store, "1000")
    refund = lambda amount: services.stored_value_refund(  # noqa: E731
        actor=staff["service_manager"], card=card, store=store, amount=amount, method="transfer", reason="客户退卡"
    )
    with pytest.raises(ValidationError):
        refund("1000.01")
    refund("400")
    assert selectors.card_balances(card) == {
        "principal": d("600.00"), "bonus": d("100.00"), "stored_value": d("700.00"), "points": d("0.00"),
    }  # fmt: skip
    last, created = services.stored_value_refund(
        actor=staff["service_manager"], card=card, store=store, amount="600", method="transfer", reason="客户退卡",
        idempotency_key="refund-all",
    )  # fmt: skip
    again, created_again = services.stored_value_refund(
        actor=staff["service_manager"], card=card, store=store, amount="600", method="transfer", reason="客户退卡",
        idempotency_key="refund-all",
    )  # fmt: skip
    assert (created, created_again, last.pk) == (True, False, again.pk)
    assert selectors.card_balances(card)["stored_value"] == d("0.00")
    assert selectors.ledger_check() == [] and selectors.unbalanced_vouchers() == []
