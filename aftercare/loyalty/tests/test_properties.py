"""Whatever is posted, every account's postings sum to its balance, every
voucher balances, no customer balance goes below zero, and a reversal restores."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftercare.loyalty import selectors, services
from aftercare.loyalty.choices import AccountKind, VoucherKind
from aftercare.loyalty.models import Account, Voucher

pytestmark = pytest.mark.django_db

cents = st.integers(min_value=1, max_value=300_000).map(lambda c: Decimal(c) / 100)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("top_up"), cents),
        st.tuples(st.just("spend"), cents),
        st.tuples(st.just("refund"), cents),
        st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=30)),
    ),
    max_size=8,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_the_ledger_always_adds_up(staff, store, card, bonus_rules, ops):
    manager = staff["service_manager"]
    principal = card.accounts.get(kind=AccountKind.STORED_PRINCIPAL)
    bonus = card.accounts.get(kind=AccountKind.STORED_BONUS)
    for op, value in ops:
        before = selectors.card_balances(card)
        try:
            if op == "top_up":
                services.stored_value_top_up(actor=manager, card=card, store=store, amount=value, method="cash")
            elif op == "spend":
                p, b = services.stored_value_split(before["principal"], before["bonus"], value)
                services.ledger_post(
                    actor=manager, store=store, kind=VoucherKind.ADJUSTMENT, legs=[(principal, -p), (bonus, -b)]
                )
                assert value <= before["stored_value"]
            elif op == "refund":
                services.stored_value_refund(
                    actor=manager, card=card, store=store, amount=value, method="cash", reason="r"
                )
            else:
                vouchers = list(Voucher.objects.exclude(kind=VoucherKind.REVERSAL).filter(reversed_by__isnull=True))
                if vouchers:
                    original = vouchers[value % len(vouchers)]
                    balances = {a.pk: a.balance for a in Account.objects.all()}
                    services.voucher_reverse(actor=manager, voucher=original, reason="r")
                    # The reversal undoes exactly what the original did.
                    for posting in original.postings.all():
                        account = Account.objects.get(pk=posting.account_id)
                        assert account.balance == balances[account.pk] - posting.amount
        except ValidationError:
            after = selectors.card_balances(card)
            assert after == before
            if op == "spend":
                assert value > before["stored_value"]
        assert selectors.ledger_check() == []
        assert selectors.unbalanced_vouchers() == []
        assert not Account.objects.exclude(kind=AccountKind.STORE).filter(balance__lt=0).exists()
