"""Demo data of the retention engine: the stage history of the year before rebuilt from the orders,
every store's segments computed, its rules
switched on and run for each of the last 30 days (a month of firings through the
doors), and this month's solicitation list worked through the timetable with outcomes."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from aftercare.accounts.models import User
from aftercare.accounts.roles import Role
from aftercare.catalog.models import LabourOperation, PackageJob, PackageJobLine, Part, RepairType
from aftercare.customers.choices import Preference
from aftercare.loyalty.choices import CouponKind
from aftercare.loyalty.models import CouponTemplate
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.surveys.models import SurveyResponse
from aftercare.surveys.services import survey_response_complete

from .campaigns import (
    campaign_attribute,
    campaign_invite,
    campaign_offer_set,
    campaign_remind,
    campaign_surveys_send,
)
from .choices import CampaignKind, DeclineReason, Outcome
from .models import Campaign, CampaignAttribution, Segment, SolicitationEntry
from .recommendations import recommendation_rules_ensure
from .rules import rules_run
from .segments import month_starts, segments_refresh, stage_history_backfill
from .solicitation import solicitation_calls, solicitation_invite, solicitation_list, solicitation_outcome

DAYS = 30


def seed_crm(stores, today, rng: random.Random | None = None) -> int:
    rng = rng or random.Random(16)
    fired = 0
    for store in stores:
        _packages(store)
        for back in range(DAYS, -1, -1):
            night = timezone.make_aware(datetime.combine(today - timedelta(days=back), time(6, 30)))
            if back == DAYS:
                # The year of orders before the first night (the store brought its history along).
                stage_history_backfill(store=store, moments=month_starts(until=night, months=12))
            if back in (DAYS, 0):
                segments_refresh(store=store, now=night, full=True)
            fired += rules_run(store=store, now=night)
        _solicitation(store, today, rng)
        _campaigns(store, today, rng)
        _recommendations(store)
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


def _packages(store) -> None:
    """The eco-oil and economy packages the default recommendation rules name (docs/DOMAIN.md §11.7),
    as group defaults of the demo catalogue."""
    periodic = RepairType.objects.effective_for_store(store).filter(code="periodic").first()
    if periodic is None:
        return
    contents = {
        "PKG-ECO": ("环保机油保养", [("M001", None), (None, "M1-0W20-4L"), (None, "15400-RTA-003")]),
        "PKG-ECON": ("经济型保养", [("M001", None), (None, "0986AF0051"), ("M009", None)]),
    }
    have = set(PackageJob.objects.filter(group=store.group, code__in=contents).values_list("code", flat=True))
    for code, (name, lines) in contents.items():
        if code in have:
            continue
        job = PackageJob.objects.create(group=store.group, code=code, name=name, repair_type=periodic)
        for position, (operation, part) in enumerate(lines):
            PackageJobLine.objects.create(
                package=job, sort_order=position,
                operation=LabourOperation.objects.filter(group=store.group, store=None, code=operation).first()
                if operation else None,
                part=Part.objects.filter(group=store.group, store=None, part_no=part).first() if part else None,
            )  # fmt: skip
    PackageJobLine.objects.filter(package__code__in=contents, operation=None, part=None).delete()


def _recommendations(store) -> None:
    """The default recommendation rules, and today's estimates show them: the first open
    estimate's customer prefers eco-friendly products, the second is price-sensitive."""
    recommendation_rules_ensure(store)
    orders = list(
        RepairOrder.objects.filter(store=store, status__in=(Status.ESTIMATE, Status.RECEPTION), customer__isnull=False)
        .select_related("customer")
        .order_by("pk")[:2]
    )
    for order, preference in zip(orders, (Preference.ECO, Preference.PRICE_SENSITIVE), strict=False):
        customer = order.customer
        if preference not in customer.preferences:
            customer.preferences = [*customer.preferences, preference]
            customer.save(update_fields=["preferences"])


def _survey_answers(campaign, rng) -> None:
    """The campaign's surveys sent after delivery, and most of them answered (mostly 4-5)."""
    campaign_surveys_send(campaign=campaign)
    ids = CampaignAttribution.objects.filter(campaign=campaign, survey_id__isnull=False).values("survey_id")
    for response in SurveyResponse.objects.filter(pk__in=ids, completed_at__isnull=True).select_related("survey"):
        if rng.random() < 0.2:
            continue  # not answered (yet)
        score = rng.choices([5, 4, 3, 2], weights=[60, 28, 9, 3])[0]
        answers = {q.pk: score for q in response.survey.ordered_questions() if q.answer_type != "text"}
        survey_response_complete(actor=None, response=response, answers=answers, overall=score)


def _campaigns(store, today, rng) -> None:
    """A finished Service Week with its result against targets, and a running A/C check (docs/DOMAIN.md §19)."""
    Segment.objects.get_or_create(  # a saved segment the manager finds ready
        store=store, name="常客·短信同意", defaults={"filters": {"stage": "regular", "consent": "marketing_sms"}}
    )
    # The finished week's guests: everyone seen in the last 60 days (its window among them).
    recent, _created = Segment.objects.get_or_create(
        store=store, name="近60天到店客户", defaults={"filters": {"visited_within": 60}}
    )
    lapsing, _created = Segment.objects.get_or_create(
        store=store, name="流失风险", defaults={"filters": {"stage": "at_risk"}}
    )
    offer, _created = CouponTemplate.objects.get_or_create(
        group=store.group, name="服务周保养立减100",
        defaults={"kind": CouponKind.AMOUNT, "value": 100, "min_spend": 300, "valid_days": 45},
    )  # fmt: skip
    plans = [
        ("服务周（已结束）", CampaignKind.SPRING_WEEK, today - timedelta(days=40), today - timedelta(days=26), recent,
         {"budget": 5000, "actual_cost": 4200, "target_arrivals": 30, "target_new_customers": 3,
          "target_revenue": 30000, "target_satisfaction": "4.5"}),
        ("夏季空调检测", CampaignKind.SUMMER_AC, today - timedelta(days=5), today + timedelta(days=9), lapsing,
         {"budget": 2000, "actual_cost": 600, "target_arrivals": 15, "target_revenue": 9000,
          "target_satisfaction": "4.5", "remind_days": 10}),
    ]  # fmt: skip
    for name, kind, starts, ends, segment, numbers in plans:
        campaign, created = Campaign.objects.get_or_create(
            store=store, name=name,
            defaults={"kind": kind, "starts_on": starts, "ends_on": ends, "segment": segment, **numbers},
        )  # fmt: skip
        if not created:
            continue
        campaign.offers.add(offer)
        if campaign.ends_on >= today and PackageJob.objects.filter(group=store.group, code="PKG-10K").exists():
            campaign_offer_set(actor=None, campaign=campaign, package_code="PKG-10K", price="399.00")
        invited_at = timezone.make_aware(datetime.combine(starts - timedelta(days=7), time(10, 0)))
        campaign_invite(actor=None, campaign=campaign, now=invited_at)
        campaign_attribute(campaign=campaign)
        if campaign.ends_on >= today:
            campaign_remind(campaign=campaign)
        _survey_answers(campaign, rng)
