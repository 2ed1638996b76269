"""Campaigns (docs/DOMAIN.md §19): segments saved, invitations sent through the
messaging door with the campaign's coupons, repair orders attributed by the first
matching rule, and the result against each target."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.appointments.models import Appointment
from aftercare.catalog.models import PackageJob
from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry
from aftercare.core.money import check_price, to_money
from aftercare.core.permissions import Perm, require
from aftercare.loyalty.choices import IssuedVia
from aftercare.loyalty.models import CouponUse
from aftercare.loyalty.services import coupon_issue
from aftercare.messaging.choices import Channel, Purpose
from aftercare.messaging.services import contact_check, message_send, sending_batch, template_ensure
from aftercare.service.choices import CORRECTABLE_STATUSES, LineStatus, Payer, Status
from aftercare.service.models import ZERO, RepairOrder, RepairOrderLine
from aftercare.service.services import repair_order_discount
from aftercare.surveys.models import SurveyResponse

from .choices import AttributionRule
from .filters import segment_members
from .models import Campaign, CampaignAttribution, CampaignInvitation, CampaignOffer, Segment
from .rules import booking_link

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


@sending_batch()
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


def campaign_attribute(*, campaign: Campaign, order_ids=None) -> int:
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
        .filter(**({"pk__in": list(order_ids)} if order_ids is not None else {}))
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
    campaign_offers_apply(campaign=campaign)
    return len(rows)


def _offer_packages(campaign: Campaign) -> dict[int, CampaignOffer]:
    """package id (as the store sees the code) -> the campaign's offer for it."""
    offers = {offer.package_code: offer for offer in campaign.package_offers.all()}
    if not offers:
        return {}
    found = PackageJob.objects.effective_by_key(campaign.store, list(offers))
    return {package.pk: offers[code] for code, package in found.items() if package.is_active}


def campaign_offers_apply(*, campaign: Campaign) -> int:
    """The package prices of the campaign (docs/DOMAIN.md §19.1) on its attributed orders
    opened inside the window: for each offered package on the order, what its lines come
    to above the campaign price becomes the manager's discount line
    (`repair_order_discount`, the one discount path), once per attribution, while the
    order may still be discounted. Answers how many orders got the price."""
    packages = _offer_packages(campaign)
    if not packages:
        return 0
    pending = CampaignAttribution.objects.filter(
        campaign=campaign, offer_line_id__isnull=True,
        repair_order__status__in=CORRECTABLE_STATUSES,
        repair_order__opened_at__date__gte=campaign.starts_on, repair_order__opened_at__date__lte=campaign.ends_on,
        repair_order__lines__package_id__in=list(packages),
    ).values_list("pk", flat=True).distinct()  # fmt: skip
    applied = 0
    for attribution_id in list(pending):
        with transaction.atomic():
            attribution = (
                CampaignAttribution.objects.select_for_update().select_related("repair_order").get(pk=attribution_id)
            )
            if attribution.offer_line_id is not None:
                continue  # a parallel run got here first
            order = attribution.repair_order
            sums = (
                RepairOrderLine.objects.filter(
                    repair_order=order, package_id__in=list(packages), status=LineStatus.APPROVED,
                    payer=Payer.CUSTOMER,
                )
                .values("package_id")
                .annotate(amount=Sum("amount"))
            )  # fmt: skip
            discount = sum((max(row["amount"] - packages[row["package_id"]].price, ZERO) for row in sums), ZERO)
            if discount <= 0:
                continue
            names = "、".join(f"{packages[row['package_id']].name or packages[row['package_id']].package_code}"
                             f" ¥{packages[row['package_id']].price}" for row in sums)  # fmt: skip
            try:
                line = repair_order_discount(
                    actor=None, order=order, amount=discount,
                    reason=_("%(campaign)s package price: %(packages)s") % {"campaign": campaign.name,
                                                                            "packages": names},
                )  # fmt: skip
            except ValidationError:
                continue  # paid already beyond the price: the order keeps its figures
            order.refresh_from_db(fields=["total"])
            attribution.offer_discount, attribution.offer_line_id = to_money(discount), line.pk
            attribution.revenue = order.total
            attribution.save(update_fields=["offer_discount", "offer_line_id", "revenue"])
            applied += 1
    return applied


REMINDER_CODE = "campaign_reminder"
REMINDER_TEXT = "{customer_name}您好，{store}「{campaign}」将于{ends}结束，欢迎预约到店：{link}"


@sending_batch()
def campaign_remind(*, campaign: Campaign, now=None) -> int:
    """Remind the invited customers who have not come yet, once each, from
    `remind_days` before the window's last day until it ends (docs/DOMAIN.md §19.1):
    a marketing message through the door (dedupe key campaign-reminder:<campaign>:<customer>).
    Answers how many were reminded."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first_day = max(campaign.starts_on, campaign.ends_on - timedelta(days=campaign.remind_days))
    if not first_day <= today <= campaign.ends_on:
        return 0
    store = campaign.store
    for channel in (Channel.SMS, Channel.WECHAT, Channel.EMAIL):
        template_ensure(
            group=store.group, code=REMINDER_CODE, channel=channel, text=REMINDER_TEXT, purpose=Purpose.MARKETING,
            name=_("Campaign reminder"), subject=_("Campaign reminder"),
        )  # fmt: skip
    came = CampaignAttribution.objects.filter(campaign=campaign, customer=OuterRef("customer_id"))
    invitations = (
        CampaignInvitation.objects.filter(campaign=campaign, reminded_at__isnull=True)
        .filter(~Exists(came))
        .select_related("customer")
        .order_by("pk")
    )
    reminded = 0
    for invitation in invitations.iterator(chunk_size=500):
        with transaction.atomic():
            if not CampaignInvitation.objects.filter(pk=invitation.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue  # a parallel run reminded this one
            message_send(
                store=store, customer=invitation.customer, purpose=Purpose.MARKETING, template_code=REMINDER_CODE,
                context={"campaign": campaign.name, "store": store.name, "ends": f"{campaign.ends_on:%m-%d}",
                         "link": booking_link(None)},
                dedupe_key=f"campaign-reminder:{campaign.pk}:{invitation.customer_id}", source=campaign,
            )  # fmt: skip
            reminded += 1
    return reminded


SURVEY_CODE = "campaign_survey"
SURVEY_TEXT = "{customer_name}您好，感谢您参加{store}「{campaign}」，请为本次服务打分：{link}"


@sending_batch()
def campaign_surveys_send(*, campaign: Campaign) -> int:
    """The campaign survey (docs/DOMAIN.md §19.1): after an attributed order is delivered,
    a survey of the campaign kind (surveys' own link, `survey_link_issue`) sent through
    the door, once per attribution. Its answers are the campaign's satisfaction."""
    from aftercare.surveys.choices import SurveyKind
    from aftercare.surveys.services import survey_link_issue

    store = campaign.store
    pending = CampaignAttribution.objects.filter(
        campaign=campaign, survey_id__isnull=True, repair_order__status=Status.DELIVERED
    ).values_list("pk", flat=True)
    sent = 0
    for attribution_id in list(pending):
        with transaction.atomic():
            attribution = (
                CampaignAttribution.objects.select_for_update()
                .select_related("repair_order__vehicle", "customer")
                .get(pk=attribution_id)
            )
            if attribution.survey_id is not None:
                continue
            for channel in (Channel.SMS, Channel.WECHAT, Channel.EMAIL):
                template_ensure(
                    group=store.group, code=SURVEY_CODE, channel=channel, text=SURVEY_TEXT, purpose=Purpose.SERVICE,
                    name=_("Campaign survey"), subject=_("Campaign survey"),
                )  # fmt: skip
            order = attribution.repair_order
            response, path = survey_link_issue(
                actor=None, store=store, customer=attribution.customer, repair_order=order, kind=SurveyKind.CAMPAIGN
            )
            message_send(
                store=store, customer=attribution.customer, vehicle=order.vehicle, purpose=Purpose.SERVICE,
                template_code=SURVEY_CODE, dedupe_key=f"campaign-survey:{campaign.pk}:{order.pk}", source=campaign,
                context={"campaign": campaign.name, "store": store.name,
                         "link": settings.SITE_URL.rstrip("/") + path},
            )  # fmt: skip
            attribution.survey_id = response.pk
            attribution.save(update_fields=["survey_id"])
            sent += 1
    return sent


# Attribution, surveys and offers follow a campaign this many days after its window.
FOLLOW_DAYS = 30


def campaigns_nightly(*, store, now=None) -> int:
    """The nightly step of the store's running and recently ended campaigns: attribute
    new orders (and their package prices), remind during the window, send the surveys."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    running = Campaign.objects.filter(
        store=store, starts_on__lte=today, ends_on__gte=today - timedelta(days=FOLLOW_DAYS)
    ).select_related("store")
    done = 0
    for campaign in running:
        done += campaign_attribute(campaign=campaign)
        done += campaign_remind(campaign=campaign, now=now)
        done += campaign_surveys_send(campaign=campaign)
    return done


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
    surveys = SurveyResponse.objects.filter(
        kind="campaign",
        pk__in=CampaignAttribution.objects.filter(campaign=campaign, survey_id__isnull=False).values("survey_id"),
    ).aggregate(
        avg=Avg("overall_score", filter=Q(completed_at__isnull=False)), sent=Count("pk"),
        answered=Count("pk", filter=Q(completed_at__isnull=False)),
    )  # fmt: skip
    score = surveys["avg"]
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
        "surveys_sent": surveys["sent"],
        "surveys_answered": surveys["answered"],
    }


def campaign_offer_set(*, actor, campaign: Campaign, package_code: str, price) -> CampaignOffer:
    """Offer a catalogue package at a campaign price (docs/DOMAIN.md §19.1): the package
    must be active in the store's catalogue; the price is bounded like every price."""
    require(actor, Perm.CAMPAIGN_MANAGE, campaign.store)
    price = check_price(to_money(price))
    if price < 0:
        raise ValidationError({"price": _("Enter a price of 0 or more.")})
    package = PackageJob.objects.effective_by_key(campaign.store, [package_code]).get(package_code)
    if package is None or not package.is_active:
        raise ValidationError({"package_code": _("No such package in this store's catalogue.")})
    with transaction.atomic():
        offer, _created = CampaignOffer.objects.update_or_create(
            campaign=campaign, package_code=package.code, defaults={"price": price, "name": package.name}
        )
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=campaign,
            changes={"package_offer": [None, f"{package.code} {price}"]},
        )  # fmt: skip
    return offer
