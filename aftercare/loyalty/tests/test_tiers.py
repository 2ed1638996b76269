"""Member cards and tiers: one card per customer, group-wide, moved by the 12-month rule."""

from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from aftercare.billing import services as billing
from aftercare.loyalty import services
from aftercare.loyalty.choices import AccountKind, Tier
from aftercare.loyalty.models import MemberCard, TierChange, TierRule
from aftercare.service.choices import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(store):
    for tier, spend, visits in (("ordinary", 0, 0), ("silver", 500, 1), ("gold", 5000, 4), ("vic", 20000, 8)):
        TierRule.objects.create(group=store.group, tier=tier, min_spend_12m=spend, min_visits_12m=visits)


def test_a_card_opens_its_stored_value_and_points_accounts_and_is_one_per_customer(staff, card, member):
    assert set(card.accounts.values_list("kind", flat=True)) == {
        AccountKind.STORED_PRINCIPAL, AccountKind.STORED_BONUS, AccountKind.POINTS,
    }  # fmt: skip
    member.refresh_from_db()
    assert member.member_card_no == "VIP0001"
    with pytest.raises(ValidationError):
        services.member_card_issue(actor=staff["cashier"], customer=member)
    assert TierChange.objects.get(card=card).to_tier == Tier.ORDINARY


def test_the_rule_picks_the_highest_tier_whose_spend_and_visits_are_both_met_and_never_vic(store, rules):
    rules_ = TierRule.objects.filter(group=store.group)
    assert services.tier_for(rules_, Decimal("600"), 0) == Tier.ORDINARY
    assert services.tier_for(rules_, Decimal("600"), 1) == Tier.SILVER
    assert services.tier_for(rules_, Decimal("6000"), 3) == Tier.SILVER
    assert services.tier_for(rules_, Decimal("90000"), 30) == Tier.GOLD


def test_a_review_moves_a_card_up_on_paid_visits_and_down_when_they_age_out(staff, card, rules, make_order, vehicle):
    vehicle.owner = card.customer
    vehicle.save(update_fields=["owner"])
    order = make_order()
    billing.payment_post(actor=staff["cashier"], order=order, method="cash", amount=order.customer_total)
    order.refresh_from_db()
    assert order.status == Status.SETTLED
    assert services.member_tier_review(card=card).tier == Tier.SILVER

    with time_machine.travel("2028-06-01"):
        assert services.member_tier_review(card=card).tier == Tier.ORDINARY
    assert list(TierChange.objects.filter(card=card).values_list("to_tier", flat=True)) == [
        Tier.ORDINARY, Tier.SILVER, Tier.ORDINARY,
    ]  # fmt: skip


def test_vic_is_granted_by_a_manager_and_survives_reviews(staff, card, rules):
    services.member_tier_set(actor=staff["service_manager"], card=card, tier=Tier.VIC, reason="集团VIC客户")
    assert services.member_tier_review(card=card).tier == Tier.VIC
    with pytest.raises(PermissionDenied):
        services.member_tier_set(actor=staff["cashier"], card=card, tier=Tier.GOLD, reason="x")
    assert MemberCard.objects.get(pk=card.pk).tier == Tier.VIC
