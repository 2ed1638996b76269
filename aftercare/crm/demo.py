"""Demo data of the retention engine: every store's segments computed, its rules
switched on and run for each of the last 30 days (a month of firings through the
doors), and this month's solicitation list worked through the timetable with outcomes."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from aftercare.accounts.models import User
from aftercare.accounts.roles import Role
from aftercare.loyalty.choices import CouponKind
from aftercare.loyalty.models import CouponTemplate

from .campaigns import campaign_attribute, campaign_invite
from .choices import CampaignKind, DeclineReason, Outcome
from .models import Campaign, Segment, SolicitationEntry
from .rules import rules_run
from .segments import segments_refresh
from .solicitation import solicitation_calls, solicitation_invite, solicitation_list, solicitation_outcome

DAYS = 30


def seed_crm(stores, today, rng: random.Random | None = None) -> int:
    rng = rng or random.Random(16)
    fired = 0
    for store in stores:
        for back in range(DAYS, -1, -1):
            night = timezone.make_aware(datetime.combine(today - timedelta(days=back), time(6, 30)))
            if back in (DAYS, 0):
                segments_refresh(store=store, now=night, full=True)
            fired += rules_run(store=store, now=night)
        _solicitation(store, today, rng)
        _campaigns(store, today)
    return fired


def _solicitation(store, today, rng) -> None:
    """This month's list (made at the start of last month's timetable), invited and called, with outcomes."""
    month = today.replace(day=1)
    solicitation_list(store=store, month=month)
    solicitation_invite(store=store, month=month)
    solicitation_calls(store=store, month=month)
    caller = User.objects.filter(memberships__store=store, memberships__role=Role.CUSTOMER_CARE).first()
    if caller is None:
        return
    entries = list(SolicitationEntry.objects.filter(store=store, month=month).select_related("store", "vehicle"))
    for entry in entries[: len(entries) // 2]:
        outcome = rng.choices([Outcome.DECLINED, Outcome.SOLD, Outcome.MOVED, Outcome.SCRAPPED], weights=[12, 1, 1, 1])[
            0
        ]
        reason = rng.choice(DeclineReason.values) if outcome == Outcome.DECLINED else ""
        solicitation_outcome(actor=caller, entry=entry, outcome=outcome, reason=reason)


def _campaigns(store, today) -> None:
    """A finished Service Week with its result against targets, and a running A/C check (docs/DOMAIN.md §19)."""
    regulars, _created = Segment.objects.get_or_create(
        store=store, name="常客·短信同意", defaults={"filters": {"stage": "regular", "consent": "marketing_sms"}}
    )
    lapsing, _created = Segment.objects.get_or_create(
        store=store, name="流失风险", defaults={"filters": {"stage": "at_risk"}}
    )
    offer, _created = CouponTemplate.objects.get_or_create(
        group=store.group, name="服务周保养立减100",
        defaults={"kind": CouponKind.AMOUNT, "value": 100, "min_spend": 300, "valid_days": 45},
    )  # fmt: skip
    plans = [
        ("服务周（已结束）", CampaignKind.SPRING_WEEK, today - timedelta(days=40), today - timedelta(days=26), regulars,
         {"budget": 5000, "actual_cost": 4200, "target_arrivals": 30, "target_new_customers": 3,
          "target_revenue": 30000, "target_satisfaction": "4.5"}),
        ("夏季空调检测", CampaignKind.SUMMER_AC, today - timedelta(days=5), today + timedelta(days=9), lapsing,
         {"budget": 2000, "actual_cost": 600, "target_arrivals": 15, "target_revenue": 9000,
          "target_satisfaction": "4.5"}),
    ]  # fmt: skip
    for name, kind, starts, ends, segment, numbers in plans:
        campaign, created = Campaign.objects.get_or_create(
            store=store, name=name,
            defaults={"kind": kind, "starts_on": starts, "ends_on": ends, "segment": segment, **numbers},
        )  # fmt: skip
        if not created:
            continue
        campaign.offers.add(offer)
        invited_at = timezone.make_aware(datetime.combine(starts - timedelta(days=7), time(10, 0)))
        campaign_invite(actor=None, campaign=campaign, now=invited_at)
        campaign_attribute(campaign=campaign)
