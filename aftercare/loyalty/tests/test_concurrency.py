"""Fifty cashiers debiting one card at once succeed exactly as often as its balance allows."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from aftercare.loyalty import selectors, services
from aftercare.loyalty.choices import AccountKind, VoucherKind
from aftercare.loyalty.models import Voucher

DEBITS = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_debits_on_one_card_succeed_exactly_as_many_times_as_the_balance_allows(staff, store, card):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between threads need PostgreSQL (SQLite serialises writers anyway)")
    services.stored_value_top_up(actor=staff["cashier"], card=card, store=store, amount="100", method="cash")
    principal = card.accounts.get(kind=AccountKind.STORED_PRINCIPAL)
    barrier = threading.Barrier(DEBITS)
    outcomes: list[str] = []

    def debit(n: int) -> None:
        try:
            barrier.wait()
            services.ledger_post(
                actor=staff["cashier"], store=store, kind=VoucherKind.ADJUSTMENT,
                legs=[(principal, Decimal("-3.00"))], idempotency_key=f"debit-{n}",
            )  # fmt: skip
            outcomes.append("debited")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=debit, args=(n,)) for n in range(DEBITS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("debited") == 33 and outcomes.count("refused") == 17
    principal.refresh_from_db()
    assert principal.balance == Decimal("1.00")
    assert Voucher.objects.filter(kind=VoucherKind.ADJUSTMENT).count() == 33
    assert selectors.ledger_check() == [] and selectors.unbalanced_vouchers() == []


@pytest.mark.django_db(transaction=True)
def test_the_same_top_up_sent_twice_at_once_posts_once(staff, store, card):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    barrier = threading.Barrier(2)
    results = []

    def retry() -> None:
        try:
            barrier.wait()
            results.append(
                services.stored_value_top_up(
                    actor=staff["cashier"],
                    card=card,
                    store=store,
                    amount="200",
                    method="wechat",
                    idempotency_key="same",
                )
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=retry) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(created for _voucher, created in results) == [False, True]
    assert Voucher.objects.count() == 1
    assert selectors.card_balances(card)["principal"] == Decimal("200.00")
