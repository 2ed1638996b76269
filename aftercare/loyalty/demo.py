"""Demo members: every tier, stored-value cards with histories, package cards
half used, coupons valid, used and expired, points and a referral. Made
through the services, like a cashier would, so the ledger checks hold."""

import random
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError

from aftercare.accounts.roles import Role
from aftercare.billing.selectors import order_balance
from aftercare.billing.services import payment_post
from aftercare.core.models import DealerGroup, Store
from aftercare.customers.models import Customer
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder

from . import services
from .choices import AccountKind, CouponKind, IssuedVia, Tier, VoucherKind
from .models import CouponTemplate, MemberCard, TierRule, TopUpRule

TIERS = (
    (Tier.ORDINARY, 0, 0, 0, "1.00", False, ""),
    (Tier.SILVER, 3000, 2, 5, "1.20", False, "中国石化加油卡充值95折（每月限一次）"),
    (Tier.GOLD, 10000, 4, 10, "1.50", True, "中国石化加油卡充值9折；中国票务网订票立减20元；艺龙网酒店会员价"),
    (
        Tier.VIC,
        30000,
        8,
        15,
        "2.00",
        True,
        "VIC专员服务；免费道路救援；代步车；艺龙网酒店金卡价；高尔夫及品鉴会邀请（可携1人）",
    ),
)
BONUS_RULES = ((1000, 100), (3000, 400), (5000, 800))


def _staff(store: Store, role: str):
    membership = store.memberships.filter(role=role, is_active=True).select_related("user").first()
    return membership.user if membership else None


def seed_loyalty(group: DealerGroup, stores: list[Store], rng: random.Random, today) -> int:
    """Returns the number of member cards issued."""
    if not stores:
        return 0
    home = stores[0]
    cashier, manager = _staff(home, Role.CASHIER), _staff(home, Role.SERVICE_MANAGER)
    if cashier is None or manager is None:
        return 0
    valid_until = today.replace(month=12, day=31)
    TierRule.objects.bulk_create(
        TierRule(group=group, tier=tier, min_spend_12m=spend, min_visits_12m=visits, labour_discount_percent=discount,
                 points_per_yuan=Decimal(rate), priority=priority, benefits=benefits,
                 benefits_valid_until=valid_until if benefits else None)
        for tier, spend, visits, discount, rate, priority, benefits in TIERS
    )  # fmt: skip
    TopUpRule.objects.bulk_create(
        TopUpRule(store=store, min_amount=amount, bonus=bonus) for store in stores for amount, bonus in BONUS_RULES
    )
    templates = {
        "birthday": CouponTemplate.objects.create(group=group, name="生日关怀券 ¥50", kind=CouponKind.AMOUNT, value=50,
                                                  min_spend=200, valid_days=30),
        "new": CouponTemplate.objects.create(group=group, name="新客户首保9折", kind=CouponKind.PERCENT, value=10,
                                             cap=200, first_visit_only=True, valid_days=60),
        "lost": CouponTemplate.objects.create(group=group, name="老客户回厂8折", kind=CouponKind.PERCENT, value=20,
                                              cap=500, valid_days=45),
        "wash": CouponTemplate.objects.create(group=group, name="免费洗车券", kind=CouponKind.FREE_SERVICE,
                                              service_code="WASH", stackable=True, valid_days=90),
    }  # fmt: skip
    members = list(Customer.objects.filter(store=home, merged_into__isnull=True).order_by("id")[:16])
    cards = []
    for index, customer in enumerate(members):
        card = services.member_card_issue(actor=cashier, customer=customer)
        cards.append(card)
        # Stored value with a history: top-ups (with the store's bonus), some spent, one card refunded.
        if index % 2 == 0:
            for amount in rng.sample([500, 1000, 2000, 3000, 5000], k=rng.randint(1, 2)):
                services.stored_value_top_up(
                    actor=cashier, card=card, store=home, amount=amount, method=rng.choice(["wechat", "alipay", "card"])
                )
        # Points from past visits.
        services.ledger_post(
            actor=None, store=home, kind=VoucherKind.EARN,
            legs=[(card.accounts.get(kind=AccountKind.POINTS), Decimal(rng.randint(200, 6000)))],
            document_type="demo", document_ref="历史积分", note="历史消费积分",
        )  # fmt: skip
    # Every tier: reviews leave most ordinary; a manager sets the others.
    for card, tier in zip(
        cards[:6], [Tier.SILVER, Tier.SILVER, Tier.GOLD, Tier.GOLD, Tier.VIC, Tier.VIC], strict=False
    ):
        services.member_tier_set(actor=manager, card=card, tier=tier, reason="年度会员等级评定")
    if len(cards) > 3:
        # One card refunded in full: the principal paid back, the bonus forfeited.
        refunded = cards[2]
        principal = refunded.accounts.get(kind=AccountKind.STORED_PRINCIPAL).balance
        if principal > 0:
            services.stored_value_refund(
                actor=manager, card=refunded, store=home, amount=principal, method="transfer", reason="客户搬家退卡"
            )
        # A referral: the new member's first paid visit credited the referrer.
        referred = cards[-1]
        referred.referred_by = cards[0]
        referred.save(update_fields=["referred_by"])
        services.ledger_post(
            actor=None, store=home, kind=VoucherKind.REFERRAL,
            legs=[(cards[0].accounts.get(kind=AccountKind.POINTS), services.REFERRAL_POINTS)],
            document_type="loyalty.card", document_id=referred.pk, document_ref=referred.number,
            idempotency_key=f"points:referral:{referred.pk}",
        )  # fmt: skip
    # Package cards, about half used.
    for customer in members[:4]:
        package, _created = services.package_card_sell(
            actor=cashier, customer=customer, store=home, name="常规保养套餐（5次）+ 洗车10次", price="2980",
            method="wechat", expires_on=today + timedelta(days=rng.randint(200, 600)),
            items=[("M001", "更换机油机滤", 5), ("WASH", "洗车", 10)],
        )  # fmt: skip
        for item in package.items.all():
            used = int(item.balance) // 2
            services.ledger_post(
                actor=cashier, store=home, kind=VoucherKind.ADJUSTMENT, legs=[(item, -Decimal(used))],
                document_type="demo", document_ref="历史使用", note="系统上线前已使用次数",
            )  # fmt: skip
    # Coupons: valid ones, expired ones.
    for customer in members[:10]:
        services.coupon_issue(actor=None, template=templates["birthday"], customer=customer, via=IssuedVia.RULE,
                              source="生日关怀", idempotency_key=f"birthday:{today.year}:{customer.pk}")  # fmt: skip
        services.coupon_issue(actor=cashier, template=templates["wash"], customer=customer)
    for customer in members[10:]:
        services.coupon_issue(actor=None, template=templates["lost"], customer=customer, via=IssuedVia.CAMPAIGN,
                              source="秋季服务周", valid_from=today - timedelta(days=90))  # fmt: skip
    # At the counter today: ready orders of members, part paid from the card, a coupon used.
    ready = list(
        RepairOrder.objects.filter(store=home, status=Status.READY, customer_total__gt=100)
        .select_related("customer", "store", "repair_type")
        .order_by("id")[:2]
    )
    for order in ready:
        card = MemberCard.objects.filter(customer=order.customer).first() or services.member_card_issue(
            actor=cashier, customer=order.customer
        )
        services.stored_value_top_up(actor=cashier, card=card, store=home, amount=1000, method="wechat")
        coupon = services.coupon_issue(actor=cashier, template=templates["birthday"], customer=order.customer)
        try:
            services.coupon_apply(actor=cashier, order=order, coupon=coupon)
        except ValidationError:
            pass  # the order does not meet the coupon's conditions: it stays valid
        part = min(Decimal("100.00"), order_balance(order) - Decimal("0.01"))
        if part > 0:
            payment_post(actor=cashier, order=order, method="stored_value", amount=part, reference=card.number)
    return len(cards)
