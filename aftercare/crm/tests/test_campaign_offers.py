# ruff: noqa: F811  (make_order and vehicle are fixtures imported from billing's conftest)
"""Campaign package prices, reminders during the window and the campaign survey
(docs/DOMAIN.md §19.1)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from aftercare.billing.tests.conftest import make_order, vehicle  # noqa: F401
from aftercare.catalog.models import PackageJob
from aftercare.crm.campaigns import (
    campaign_attribute,
    campaign_invite,
    campaign_offer_set,
    campaign_remind,
    campaign_results,
    campaign_surveys_send,
    campaigns_nightly,
)
from aftercare.crm.models import Campaign, CampaignAttribution, CampaignInvitation, Segment
from aftercare.customers.models import Consent
from aftercare.messaging.models import Message
from aftercare.service import services as ro
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder, RepairOrderLine
from aftercare.surveys.models import SurveyResponse
from aftercare.surveys.services import survey_response_complete
from aftercare.tests.factories import CustomerFactory, VehicleFactory

from .conftest import at

pytestmark = pytest.mark.django_db

NOW = "2026-04-10 10:00"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at(NOW), tick=False):
        yield


def _consent(customer):
    Consent.objects.create(customer=customer, purpose="marketing_sms", granted=True, channel="in_store",
                           notice_version="2026-01")  # fmt: skip


def _campaign(store, **kwargs):
    segment = Segment.objects.create(store=store, name=f"s{Segment.objects.count()}", filters={})
    values = {"name": "春季服务周", "kind": "spring_week", "starts_on": date(2026, 4, 1),
              "ends_on": date(2026, 4, 20), "segment": segment}  # fmt: skip
    return Campaign.objects.create(store=store, **{**values, **kwargs})


def _with_package(order, staff, code="PKG-5K", status=Status.IN_PROGRESS):
    """The order (made in the estimate) with the package on it, then moved on to `status`."""
    package = PackageJob.objects.effective_for_store(order.store).get(code=code)
    ro.line_add(actor=staff["service_manager"], order=order, package=package, confirm_duplicate=True)
    RepairOrder.objects.filter(pk=order.pk).update(status=status)
    return RepairOrder.objects.get(pk=order.pk)


def test_a_package_price_becomes_one_discount_line_when_the_order_is_attributed(
    store,
    staff,
    make_order,
    vehicle,
):
    _consent(vehicle.owner)
    campaign = _campaign(store)
    campaign_offer_set(actor=staff["service_manager"], campaign=campaign, package_code="PKG-5K", price="299.00")
    campaign_invite(actor=None, campaign=campaign)
    order = _with_package(make_order(status=Status.ESTIMATE), staff)
    package_amount = sum(
        line.amount for line in RepairOrderLine.objects.filter(repair_order=order, package__code="PKG-5K")
    )
    before = order.total
    assert campaign_attribute(campaign=campaign) == 1
    attribution = CampaignAttribution.objects.get(campaign=campaign)
    assert attribution.offer_discount == package_amount - Decimal("299.00")
    line = RepairOrderLine.objects.get(pk=attribution.offer_line_id)
    assert line.code == "DISCOUNT" and line.amount == -(package_amount - Decimal("299.00"))
    assert "春季服务周" in line.description
    order.refresh_from_db()
    assert order.total == before - attribution.offer_discount == attribution.revenue
    campaign_attribute(campaign=campaign)  # a rerun gives no second price
    assert RepairOrderLine.objects.filter(repair_order=order, code="DISCOUNT").count() == 1


def test_an_order_without_the_package_or_already_closed_keeps_its_price(store, staff, make_order, vehicle):
    _consent(vehicle.owner)
    campaign = _campaign(store)
    campaign_offer_set(actor=staff["service_manager"], campaign=campaign, package_code="PKG-5K", price="1.00")
    campaign_invite(actor=None, campaign=campaign)
    plain = make_order(status=Status.IN_PROGRESS)
    closed = _with_package(make_order(status=Status.ESTIMATE), staff, status=Status.DELIVERED)
    assert campaign_attribute(campaign=campaign) == 2
    assert not RepairOrderLine.objects.filter(repair_order__in=[plain, closed], code="DISCOUNT").exists()


def test_an_offer_names_a_package_of_the_stores_catalogue(store, staff, catalogue):
    campaign = _campaign(store)
    with pytest.raises(ValidationError):
        campaign_offer_set(actor=staff["service_manager"], campaign=campaign, package_code="NOPE", price="10")
    with pytest.raises(PermissionDenied):  # an advisor does not manage campaigns
        campaign_offer_set(actor=staff["advisor"], campaign=campaign, package_code="PKG-5K", price="10")


def test_reminders_go_once_to_invited_customers_who_have_not_come_in_the_last_days_of_the_window(
    store,
    staff,
    make_order,
    vehicle,
):
    came, waiting, refused = vehicle.owner, CustomerFactory(store=store), CustomerFactory(store=store)
    _consent(came)
    _consent(waiting)
    campaign = _campaign(store, remind_days=3)
    campaign_invite(actor=None, campaign=campaign)
    make_order(status=Status.IN_PROGRESS)
    campaign_attribute(campaign=campaign)
    assert campaign_remind(campaign=campaign) == 0  # 10 April: before 17 April
    with time_machine.travel(at("2026-04-17 08:00"), tick=False):
        assert campaign_remind(campaign=campaign) == 2
        assert campaign_remind(campaign=campaign) == 0
    reminders = Message.objects.filter(template_code="campaign_reminder")
    assert sorted(reminders.values_list("customer_id", flat=True)) == sorted([waiting.pk, refused.pk])
    assert reminders.get(customer=refused).state == "cancelled"  # the door decides consent
    assert reminders.get(customer=waiting).dedupe_key == f"campaign-reminder:{campaign.pk}:{waiting.pk}"
    assert CampaignInvitation.objects.filter(reminded_at__isnull=False).count() == 2
    with time_machine.travel(at("2026-04-21 08:00"), tick=False):
        CampaignInvitation.objects.update(reminded_at=None)
        assert campaign_remind(campaign=campaign) == 0  # the window is over


def test_a_delivered_attributed_order_gets_the_campaign_survey_whose_score_is_the_satisfaction(
    store,
    staff,
    make_order,
    vehicle,
):
    _consent(vehicle.owner)
    campaign = _campaign(store, target_satisfaction=Decimal("4.5"), actual_cost=Decimal("600.00"))
    campaign_invite(actor=None, campaign=campaign)
    order = make_order(status=Status.DELIVERED)
    other = make_order(status=Status.IN_PROGRESS, the_vehicle=VehicleFactory(owner=vehicle.owner))
    campaign_attribute(campaign=campaign)
    assert campaign_surveys_send(campaign=campaign) == 1
    assert campaign_surveys_send(campaign=campaign) == 0
    response = SurveyResponse.objects.get(kind="campaign")
    assert response.repair_order_id == order.pk
    assert Message.objects.filter(template_code="campaign_survey", customer=vehicle.owner).count() == 1
    assert campaign_results(campaign)["lines"][3].actual is None
    questions = list(response.survey.ordered_questions())
    assert len(questions) <= 3  # short, as the first service's
    survey_response_complete(actor=None, response=response, answers={q.pk: 5 for q in questions}, overall=5)
    results = campaign_results(campaign)
    satisfaction = results["lines"][3]
    assert satisfaction.actual == Decimal("5.0") and satisfaction.reached
    assert results["surveys_sent"] == 1 and results["surveys_answered"] == 1
    assert results["cost_per_arrival"] == Decimal("300.00")  # two arrivals
    assert CampaignAttribution.objects.get(repair_order=other).survey_id is None


def test_the_nightly_step_attributes_reminds_and_surveys_running_campaigns(
    store,
    staff,
    make_order,
    vehicle,
):
    _consent(vehicle.owner)
    campaign = _campaign(store, starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 12))
    campaign_invite(actor=None, campaign=campaign)
    make_order(status=Status.DELIVERED)
    assert campaigns_nightly(store=store) == 2  # one attribution, one survey (the one invited came)
    assert campaigns_nightly(store=store) == 0


def test_the_manager_offers_a_package_price_on_the_campaign_page(store, staff, catalogue, client_for):
    campaign = _campaign(store)
    client = client_for(staff["service_manager"])
    client.post(f"/crm/campaigns/{campaign.pk}/offer/", {"package_code": "PKG-10K", "price": "399"})
    page = client.get(f"/crm/campaigns/{campaign.pk}/").content.decode()
    assert "PKG-10K" in page and "399" in page
    bad = client.post(f"/crm/campaigns/{campaign.pk}/offer/", {"package_code": "PKG-10K", "price": "-1"})
    assert bad.status_code == 302 and campaign.package_offers.get().price == Decimal("399.00")
