"""The store manager's rules (coupon templates, top-up bonuses, tiers) and the
nightly, set-based tier review."""

from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from aftercare.billing import services as billing
from aftercare.core.background import policy_for
from aftercare.core.models import AuditEntry
from aftercare.loyalty import services
from aftercare.loyalty.choices import Tier
from aftercare.loyalty.models import CouponTemplate, MemberCard, TierChange, TierRule, TopUpRule
from aftercare.loyalty.tasks import member_tiers_review_nightly
from aftercare.service.choices import Status
from aftercare.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(staff, client_for):
    client = client_for(staff["service_manager"])
    client.get(reverse("home"))  # the first request of a session stores the current store in it
    return client


def test_the_manager_creates_a_coupon_template_for_the_group_and_the_change_is_audited(manager, store):
    response = manager.post(reverse("loyalty:rule_new", args=["coupon"]), {
        "name": "保养九折券", "kind": "percent", "value": "10", "cap": "200", "min_spend": "300", "valid_days": "60",
        "points_cost": "2000", "active": "on",
    })  # fmt: skip
    assert response.status_code == 302
    template = CouponTemplate.objects.get()
    assert (template.group_id, template.value, template.cap, template.points_cost) == (
        store.group_id, Decimal("10.00"), Decimal("200.00"), 2000,
    )  # fmt: skip
    assert AuditEntry.objects.filter(object_type="loyalty.coupontemplate", action="create").exists()
    page = manager.get(reverse("loyalty:rules")).content.decode()
    assert "保养九折券" in page


def test_a_percent_above_100_or_a_free_service_without_its_code_is_a_field_error_and_nothing_is_written(manager):
    url = reverse("loyalty:rule_new", args=["coupon"])
    response = manager.post(
        url, {"name": "乱填", "kind": "percent", "value": "150", "min_spend": "0", "valid_days": "30"}
    )
    assert response.status_code == 400
    assert "value" in response.context["form"].errors
    response = manager.post(url, {"name": "免费洗车", "kind": "free_service", "min_spend": "0", "valid_days": "30"})
    assert "service_code" in response.context["form"].errors
    assert not CouponTemplate.objects.exists()


def test_the_manager_sets_the_store_s_top_up_bonus_and_changes_it_later(manager, store):
    manager.post(reverse("loyalty:rule_new", args=["top-up"]), {"min_amount": "1000", "bonus": "100", "active": "on"})
    rule = TopUpRule.objects.get()
    assert rule.store_id == store.pk
    assert services.top_up_bonus(store, Decimal("1000")) == Decimal("100.00")
    response = manager.post(
        reverse("loyalty:rule_edit", args=["top-up", rule.pk]), {"min_amount": "1000", "bonus": "150", "active": "on"}
    )
    assert response.status_code == 302
    assert services.top_up_bonus(store, Decimal("1200")) == Decimal("150.00")
    entry = AuditEntry.objects.get(object_type="loyalty.topuprule", action="update")
    assert entry.changes["bonus"][1] in ("150.00", 150, "150")


def test_a_negative_bonus_is_refused_on_its_field(manager):
    response = manager.post(reverse("loyalty:rule_new", args=["top-up"]), {"min_amount": "500", "bonus": "-5"})
    assert response.status_code == 400 and "bonus" in response.context["form"].errors
    assert not TopUpRule.objects.exists()


def test_another_store_s_bonus_rule_is_not_found(manager, other_store):
    rule = TopUpRule.objects.create(store=other_store, min_amount=500, bonus=50)
    assert manager.get(reverse("loyalty:rule_edit", args=["top-up", rule.pk])).status_code == 404


def test_a_tier_has_one_rule_per_group(manager, store):
    url = reverse("loyalty:rule_new", args=["tier"])
    data = {"tier": "gold", "min_spend_12m": "5000", "min_visits_12m": "4", "labour_discount_percent": "10",
            "points_per_yuan": "1.5", "benefits": "免费加油卡200元", "benefits_valid_until": "2027-12-31"}  # fmt: skip
    assert manager.post(url, data).status_code == 302
    response = manager.post(url, {**data, "min_spend_12m": "6000"})
    assert response.status_code == 400 and "tier" in response.context["form"].errors
    assert TierRule.objects.get().min_spend_12m == Decimal("5000.00")


def test_only_the_store_manager_sees_the_rules(staff, client_for):
    assert client_for(staff["cashier"]).get(reverse("loyalty:rules")).status_code == 403
    assert client_for(staff["customer_care"]).post(reverse("loyalty:rule_new", args=["tier"]), {}).status_code == 403


# --- the nightly tier review ----------------------------------------------------------------


@pytest.fixture
def rules(store):
    for tier, spend, visits in (("ordinary", 0, 0), ("silver", 500, 1), ("gold", 5000, 4)):
        TierRule.objects.create(group=store.group, tier=tier, min_spend_12m=spend, min_visits_12m=visits)


def _members(staff, store, count):
    return [
        services.member_card_issue(actor=staff["cashier"], customer=CustomerFactory(store=store)) for _ in range(count)
    ]


def test_the_nightly_review_moves_cards_up_and_down_in_a_fixed_number_of_queries(
    staff, store, rules, card, make_order, vehicle, django_assert_num_queries
):
    vehicle.owner = card.customer
    vehicle.save(update_fields=["owner"])
    order = make_order()
    billing.payment_post(actor=staff["cashier"], order=order, method="cash", amount=order.customer_total)
    order.refresh_from_db()
    assert order.status == Status.SETTLED and order.customer_total >= 500
    gold_without_visits = _members(staff, store, 3)
    MemberCard.objects.filter(pk__in=[c.pk for c in gold_without_visits]).update(tier=Tier.GOLD)
    held = _members(staff, store, 1)[0]
    services.member_tier_set(actor=staff["service_manager"], card=held, tier=Tier.VIC, reason="集团大客户")

    # Rules, cards, spend, visits, one UPDATE per tier reached (2), the history and the audit rows: 8,
    # inside the savepoint pair of the test's transaction.
    with django_assert_num_queries(10):
        assert services.member_tiers_review() == 4
    tiers = dict(MemberCard.objects.values_list("pk", "tier"))
    assert tiers[card.pk] == Tier.SILVER and tiers[held.pk] == Tier.VIC
    assert {tiers[c.pk] for c in gold_without_visits} == {Tier.ORDINARY}
    change = TierChange.objects.filter(card=card).latest("id")
    assert (change.from_tier, change.to_tier, change.visits_12m) == (Tier.ORDINARY, Tier.SILVER, 1)
    assert AuditEntry.objects.filter(object_type="loyalty.membercard", changes__tier__isnull=False).count() >= 4

    # A rerun the same night moves nobody.
    assert services.member_tiers_review() == 0
    # A year on, the visit has aged out.
    with time_machine.travel("2028-06-01"):
        assert member_tiers_review_nightly.call() == 1
    assert MemberCard.objects.get(pk=card.pk).tier == Tier.ORDINARY


def test_the_review_is_scheduled_nightly_and_declared_rerunnable():
    (entry,) = [e for e in settings.SCHEDULED_TASKS if e["name"] == "member_tiers_review"]
    assert "at" in entry
    policy = policy_for(entry["task"])
    assert policy.idempotent and policy.max_run.total_seconds() > 0
