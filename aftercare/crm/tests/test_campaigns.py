"""Saved segments and campaigns (docs/DOMAIN.md §11.6, §19): the filter and its count, the
masked export, invitations through the door, attribution by each rule, the result numbers."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from aftercare.appointments.models import Appointment
from aftercare.billing.tests.conftest import make_order, vehicle  # noqa: F401
from aftercare.catalog.models import RepairType
from aftercare.crm.campaigns import campaign_attribute, campaign_invite, campaign_results
from aftercare.crm.choices import AttributionRule
from aftercare.crm.filters import segment_members
from aftercare.crm.models import Campaign, CampaignAttribution, CampaignInvitation, CustomerProfile, Segment
from aftercare.customers.models import Consent
from aftercare.loyalty import services as loyalty
from aftercare.loyalty.choices import CouponKind
from aftercare.loyalty.models import Coupon, CouponTemplate
from aftercare.messaging.models import Message
from aftercare.tests.factories import CustomerFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def _consent(customer, purpose="marketing_sms", granted=True):
    Consent.objects.create(customer=customer, purpose=purpose, granted=granted, channel="in_store",
                           notice_version="2026-01")  # fmt: skip


def _segment(store, **filters):
    return Segment.objects.create(store=store, name=f"s{Segment.objects.count()}", filters=filters)


def _offer(store):
    return CouponTemplate.objects.create(group=store.group, name="服务周立减50", kind=CouponKind.AMOUNT, value=50)


def _campaign(store, segment, **kwargs):
    today = timezone.localdate()
    values = {"name": "春季服务周", "kind": "spring_week", "starts_on": today - timedelta(days=3),
              "ends_on": today + timedelta(days=10), "segment": segment}  # fmt: skip
    return Campaign.objects.create(store=store, **{**values, **kwargs})


def test_the_segment_filter_combines_stage_powertrain_preference_and_consent_and_counts_in_one_query(
    store, django_assert_num_queries
):
    wanted = CustomerFactory(store=store, preferences=["eco"])
    CustomerProfile.objects.create(customer=wanted, store=store, stage="lost", spend=Decimal("12000"))
    VehicleFactory(owner=wanted, powertrain="BEV", purchase_date=date(2019, 5, 1))
    VehicleFactory(owner=wanted, powertrain="BEV")  # two matching cars: still one customer
    _consent(wanted)
    no_consent = CustomerFactory(store=store, preferences=["eco"])
    CustomerProfile.objects.create(customer=no_consent, store=store, stage="lost")
    VehicleFactory(owner=no_consent, powertrain="BEV")
    _consent(no_consent)
    _consent(no_consent, granted=False)  # the latest decision counts
    petrol = CustomerFactory(store=store, preferences=["eco"])
    CustomerProfile.objects.create(customer=petrol, store=store, stage="lost")
    VehicleFactory(owner=petrol, powertrain="ICE")
    _consent(petrol)
    segment = _segment(
        store, stage="lost", powertrain="BEV", preference="eco", consent="marketing_sms", spend_min="10000"
    )
    with django_assert_num_queries(1):
        assert segment_members(segment).count() == 1
    assert list(segment_members(segment)) == [wanted]
    assert segment_members(_segment(store, age_min="5")).count() == 1
    assert segment_members(_segment(store, stage="bogus")).count() == 0


def test_the_export_of_a_segment_is_masked(store, staff, client_for):
    CustomerFactory(store=store, name="欧阳娜娜", mobile="13812345678")
    segment = _segment(store)
    response = client_for(staff["service_manager"]).get(f"/crm/segments/{segment.pk}/?export=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response.status_code == 200 and "138****5678" in text and "欧***" in text
    assert "13812345678" not in text and "欧阳娜娜" not in text
    assert client_for(staff["customer_care"]).get(f"/crm/segments/{segment.pk}/?export=csv").status_code == 403


def test_invitations_go_through_the_door_and_only_a_consenting_customer_gets_the_coupon(store):
    yes, no = CustomerFactory(store=store, name="愿意"), CustomerFactory(store=store, name="不愿")
    _consent(yes)
    campaign = _campaign(store, _segment(store))
    campaign.offers.add(_offer(store))
    assert campaign_invite(actor=None, campaign=campaign) == 2
    assert campaign_invite(actor=None, campaign=campaign) == 0  # a second send invites nobody twice
    assert Message.objects.get(customer=yes).state != "cancelled"
    refused = Message.objects.get(customer=no)
    assert refused.state == "cancelled" and refused.purpose == "marketing"
    assert list(Coupon.objects.values_list("customer", flat=True)) == [yes.pk]
    assert CampaignInvitation.objects.get(customer=yes).coupon.source == f"campaign:{campaign.pk}"
    assert Campaign.objects.get(pk=campaign.pk).invited_at is not None


def test_each_order_is_attributed_by_the_first_rule_that_matches(store, staff, make_order, vehicle):  # noqa: F811
    by_coupon = vehicle.owner
    by_booking, by_visit = CustomerFactory(store=store), CustomerFactory(store=store)
    outsider = CustomerFactory(store=store)
    for customer in (by_coupon, by_booking, by_visit):
        _consent(customer)
    segment = _segment(store, consent="marketing_sms")
    campaign = _campaign(store, segment, actual_cost=Decimal("300.00"), target_arrivals=2)
    campaign.offers.add(_offer(store))
    campaign_invite(actor=None, campaign=campaign)
    coupon_order = make_order()
    loyalty.coupon_apply(actor=staff["cashier"], order=coupon_order, coupon=Coupon.objects.get(customer=by_coupon))
    booking_order = make_order(the_vehicle=VehicleFactory(owner=by_booking))
    now = timezone.now()
    Appointment.objects.create(
        store=store, number="A1", customer=by_booking, vehicle=booking_order.vehicle, duration_minutes=60,
        repair_type=RepairType.objects.effective_for_store(store).get(code="general"),
        start_at=now, end_at=now + timedelta(hours=1), repair_order=booking_order,
    )  # fmt: skip
    make_order(the_vehicle=VehicleFactory(owner=by_visit))
    make_order(the_vehicle=VehicleFactory(owner=outsider))  # not invited: not counted
    assert campaign_attribute(campaign=campaign) == 3
    assert campaign_attribute(campaign=campaign) == 0
    rules = dict(CampaignAttribution.objects.values_list("customer_id", "rule"))
    assert rules == {
        by_coupon.pk: AttributionRule.COUPON,
        by_booking.pk: AttributionRule.APPOINTMENT,
        by_visit.pk: AttributionRule.VISIT,
    }
    results = campaign_results(campaign)
    assert results["lines"][0].actual == 3 and results["lines"][0].reached
    assert results["lines"][1].actual == 3  # none of them came before the window
    assert results["cost_per_arrival"] == Decimal("100.00")
    assert results["by_rule"] == {"coupon": 1, "appointment": 1, "visit": 1}


def test_an_order_outside_the_window_without_the_coupon_is_not_attributed(store, make_order, vehicle):  # noqa: F811
    _consent(vehicle.owner)
    today = timezone.localdate()
    campaign = _campaign(store, _segment(store), starts_on=today + timedelta(days=1), ends_on=today + timedelta(days=5))
    campaign_invite(actor=None, campaign=campaign)
    make_order()
    assert campaign_attribute(campaign=campaign) == 0
    assert campaign_results(campaign)["cost_per_arrival"] is None


def test_a_manager_builds_a_segment_creates_a_campaign_with_an_offer_and_queues_invitations(
    store, staff, client_for, api_client_for
):
    customer = CustomerFactory(store=store, tags=["老客户"])
    _consent(customer)
    CustomerFactory(store=store)
    offer = _offer(store)
    client = client_for(staff["service_manager"])
    preview = client.get("/crm/segments/?tag=老客户")
    assert preview.status_code == 200 and preview.context["count"] == 1
    saved = client.post("/crm/segments/?tag=老客户", {"tag": "老客户", "name": "老客户"})
    segment = Segment.objects.get(name="老客户")
    assert saved.status_code == 302 and segment.filters == {"tag": "老客户"}
    page = client.get(f"/crm/segments/{segment.pk}/")
    assert page.context["count"] == 1
    today = timezone.localdate()
    created = client.post("/crm/campaigns/new/", {
        "name": "夏季空调检测", "kind": "summer_ac", "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=14)).isoformat(), "segment": segment.pk, "offers": [offer.pk],
        "budget": "1000", "actual_cost": "0", "target_arrivals": "10", "target_new_customers": "0",
        "target_revenue": "5000", "target_satisfaction": "4.5",
    })  # fmt: skip
    campaign = Campaign.objects.get(name="夏季空调检测")
    assert created.status_code == 302
    client.post(f"/crm/campaigns/{campaign.pk}/invite/")
    assert client.get(f"/crm/campaigns/{campaign.pk}/").context["results"]["invited"] == 1
    assert Message.objects.filter(customer=customer, purpose="marketing").exclude(state="cancelled").exists()
    api = api_client_for(staff["service_manager"])
    assert api.get(f"/api/v1/crm/segments/{segment.pk}/count/").json() == {"count": 1}
    assert api.get(f"/api/v1/crm/segments/{segment.pk}/members/").json()[0]["mobile"].count("*") == 4
    assert api.get(f"/api/v1/crm/campaigns/{campaign.pk}/results/").json()["invited"] == 1
    assert api.get("/api/v1/crm/campaigns/").json()[0]["name"] == "夏季空调检测"
    assert client_for(staff["advisor"]).get("/crm/campaigns/").status_code == 403
