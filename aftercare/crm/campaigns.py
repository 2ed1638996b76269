"""Campaigns (docs/DOMAIN.md §19): segments saved, invitations sent through the
messaging door with the campaign's coupons, repair orders attributed by the first
matching rule, and the result against each target."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.appointments.models import Appointment
from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry
from aftercare.core.money import to_money
from aftercare.core.permissions import Perm, require
from aftercare.loyalty.choices import IssuedVia
from aftercare.loyalty.models import CouponUse
from aftercare.loyalty.services import coupon_issue
from aftercare.messaging.choices import Channel, Purpose
from aftercare.messaging.services import contact_check, message_send, template_ensure
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.surveys.models import SurveyResponse

from .choices import AttributionRule
from .filters import segment_members
from .models import Campaign, CampaignAttribution, CampaignInvitation, Segment

TEMPLATE_CODE = "campaign_invitation"
TEMPLATE_TEXT = "{customer_name}您好，{store}邀您参加「{campaign}」（{starts}至{ends}）。{coupon}"


def segment_save(*, actor, store, name: str, filters: dict, segment: Segment | None = None) -> Segment:
    """Save a manager's filter as a named segment of the store (docs/DOMAIN.md §11.6)."""
    require(actor, Perm.CAMPAIGN_MANAGE, store)
    with transaction.atomic():
        if segment is None:
            segment = Segment.objects.create(store=store, name=name, filters=filters, created_by=actor)
            action = AuditEntry.Action.CREATE
        else:
            segment.name, segment.filters = name, filters
            segment.save(update_fields=["name", "filters"])
            action = AuditEntry.Action.UPDATE
        audit_record(actor=actor, action=action, obj=segment, changes={"filters": [None, filters]})
    return segment


def template_code_ensure(store) -> None:
    for channel in (Channel.SMS, Channel.WECHAT, Channel.EMAIL):
        template_ensure(
            group=store.group, code=TEMPLATE_CODE, channel=channel, text=TEMPLATE_TEXT, purpose=Purpose.MARKETING,
            name=_("Campaign invitation"), subject=_("Campaign invitation"),
        )  # fmt: skip


def campaign_invite(*, actor, campaign: Campaign, now=None) -> int:
    """Invite every member of the target segment once (docs/DOMAIN.md §19.1): one
    marketing message through the door per customer (key campaign+customer), and the
    campaign's coupons through loyalty (key campaign+customer+offer) only for a customer
    the door would contact; the door records a refused message as cancelled. Answers
    how many customers were newly invited."""
    if actor is not None:
        require(actor, Perm.CAMPAIGN_MANAGE, campaign.store)
    now = now or timezone.now()
    store = campaign.store
    template_code_ensure(store)
    offers = list(campaign.offers.filter(active=True, group_id=store.group_id).order_by("pk"))
    already = CampaignInvitation.objects.filter(campaign=campaign, customer=OuterRef("pk"))
    members = segment_members(campaign.segment).filter(~Exists(already)).order_by("pk")
    invited = 0
    for customer in members.iterator(chunk_size=500):
        key = f"campaign:{campaign.pk}:{customer.pk}"
        with transaction.atomic():
            try:
                with transaction.atomic():  # a savepoint: a parallel send that got here first wins
                    invitation = CampaignInvitation.objects.create(campaign=campaign, customer=customer, invited_at=now)
            except IntegrityError:
                continue
            codes = []
            if contact_check(customer=customer, purpose=Purpose.MARKETING).allowed:
                for template in offers:
                    coupon = coupon_issue(
                        actor=None, template=template, customer=customer, via=IssuedVia.CAMPAIGN,
                        source=f"campaign:{campaign.pk}", idempotency_key=f"{key}:{template.pk}",
                        valid_from=timezone.localdate(now),
                    )  # fmt: skip
                    invitation.coupon = invitation.coupon or coupon
                    codes.append(coupon.code)
            context = {
                "customer_name": customer.name, "store": store.name, "campaign": campaign.name,
                "starts": f"{campaign.starts_on:%m-%d}", "ends": f"{campaign.ends_on:%m-%d}",
                "coupon": _("Your coupon: %(codes)s") % {"codes": ", ".join(codes)} if codes else "",
            }  # fmt: skip
            message = message_send(
                store=store, customer=customer, purpose=Purpose.MARKETING, template_code=TEMPLATE_CODE,
                context=context, dedupe_key=key, source=campaign,
            )  # fmt: skip
            invitation.message_ref = f"{message.pk}:{message.state}"[:40]
            invitation.save(update_fields=["message_ref", "coupon"])
            invited += 1
    Campaign.objects.filter(pk=campaign.pk, invited_at__isnull=True).update(invited_at=now)
    if actor is not None:
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=campaign, changes={"invited": [None, invited]})
    return invited


def campaign_attribute(*, campaign: Campaign) -> int:
    """Attribute the invited customers' repair orders to the campaign (docs/DOMAIN.md §19.1),
    first matching rule wins: a campaign coupon used on the order (any time after the
    invitation); an appointment booked after the invitation that became the order; a
    visit inside the window. Set-based: one read of the candidate orders with the rule
    evidence annotated. Answers how many orders were newly attributed."""
    invitations = CampaignInvitation.objects.filter(campaign=campaign, customer=OuterRef("customer_id"))
    coupon_used = CouponUse.objects.filter(
        payment__repair_order=OuterRef("pk"), released_at__isnull=True, coupon__source=f"campaign:{campaign.pk}"
    )
    booked_after = Appointment.objects.filter(
        repair_order=OuterRef("pk"),
        created_at__gte=CampaignInvitation.objects.filter(
            campaign=campaign, customer=OuterRef(OuterRef("customer_id"))
        ).values("invited_at")[:1],
    )
    earlier = RepairOrder.objects.filter(
        customer=OuterRef("customer_id"), opened_at__date__lt=campaign.starts_on
    ).exclude(status=Status.CANCELLED)
    in_window = Q(opened_at__date__gte=campaign.starts_on, opened_at__date__lte=campaign.ends_on)
    orders = (
        RepairOrder.objects.filter(store=campaign.store, customer__isnull=False)
        .exclude(status=Status.CANCELLED)
        .filter(Exists(invitations))
        .exclude(pk__in=CampaignAttribution.objects.filter(campaign=campaign).values("repair_order_id"))
        .annotate(by_coupon=Exists(coupon_used), by_booking=Exists(booked_after), returning=Exists(earlier))
        .filter(in_window | Q(by_coupon=True))
        .values("pk", "customer_id", "total", "by_coupon", "by_booking", "returning")
    )
    rows = []
    for order in orders:
        if order["by_coupon"]:
            rule = AttributionRule.COUPON
        elif order["by_booking"]:
            rule = AttributionRule.APPOINTMENT
        else:
            rule = AttributionRule.VISIT
        rows.append(
            CampaignAttribution(
                campaign=campaign,
                repair_order_id=order["pk"],
                customer_id=order["customer_id"],
                rule=rule,
                revenue=order["total"] or Decimal("0"),
                new_customer=not order["returning"],
            )
        )
    CampaignAttribution.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@dataclass
class Line:
    label: str
    target: object
    actual: object

    @property
    def reached(self) -> bool:
        return self.actual is not None and self.actual >= self.target


def campaign_results(campaign: Campaign) -> dict:
    """The result against each target with the cost per arrival (docs/DOMAIN.md §19.1), in three queries."""
    totals = CampaignAttribution.objects.filter(campaign=campaign).aggregate(
        arrivals=Count("pk"), new=Count("pk", filter=Q(new_customer=True)), revenue=Sum("revenue"),
        coupon=Count("pk", filter=Q(rule=AttributionRule.COUPON)),
        appointment=Count("pk", filter=Q(rule=AttributionRule.APPOINTMENT)),
        visit=Count("pk", filter=Q(rule=AttributionRule.VISIT)),
    )  # fmt: skip
    score = SurveyResponse.objects.filter(
        completed_at__isnull=False,
        repair_order_id__in=CampaignAttribution.objects.filter(campaign=campaign).values("repair_order_id"),
    ).aggregate(avg=Avg("overall_score"))["avg"]
    invited = CampaignInvitation.objects.filter(campaign=campaign).aggregate(
        n=Count("pk"), coupons=Count("coupon"), refused=Count("pk", filter=Q(message_ref__endswith=":cancelled"))
    )
    arrivals = totals["arrivals"]
    return {
        "lines": [
            Line(_("Arrivals"), campaign.target_arrivals, arrivals),
            Line(_("New customers"), campaign.target_new_customers, totals["new"]),
            Line(_("Revenue"), campaign.target_revenue, to_money(totals["revenue"] or 0)),
            Line(_("Satisfaction"), campaign.target_satisfaction, round(score, 1) if score is not None else None),
        ],
        "by_rule": {rule: totals[rule] for rule in AttributionRule.values},
        "invited": invited["n"],
        "coupons": invited["coupons"],
        "refused": invited["refused"],
        "cost_per_arrival": to_money(campaign.actual_cost / arrivals) if arrivals else None,
        "budget_left": to_money(campaign.budget - campaign.actual_cost),
    }
