"""In a real browser: a manager builds a segment, creates a campaign with a coupon
offer for it, sends the invitations and sees them queued (docs/DOMAIN.md §11.6, §19.1)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aftercare.customers.models import Consent
from aftercare.loyalty.choices import CouponKind
from aftercare.loyalty.models import CouponTemplate
from aftercare.messaging.models import Message
from aftercare.tests.factories import CustomerFactory
from aftercare.tests.otp import browser_second_factor

from .test_login_e2e import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_builds_a_segment_creates_a_campaign_with_a_coupon_and_sees_invitations_queued(
    live_server, browser, staff, store
):
    customer = CustomerFactory(store=store, name="周敏", tags=["服务周"])
    Consent.objects.create(customer=customer, purpose="marketing_sms", granted=True, channel="in_store",
                           notice_version="2026-01")  # fmt: skip
    CustomerFactory(store=store, name="路人")
    CouponTemplate.objects.create(group=store.group, name="服务周立减80", kind=CouponKind.AMOUNT, value=80)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "service_manager")
    page.fill("#id_password", "Secret-pass-2026")
    page.click("button[type=submit]")
    browser_second_factor(page, staff["service_manager"])
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/crm/segments/")
    builder = page.get_by_test_id("segment-builder")
    builder.locator("#id_tag").fill("服务周")
    builder.get_by_role("button").click()
    page.wait_for_load_state()
    assert "1" in page.get_by_test_id("segment-preview-count").inner_text()
    page.fill("#id_name", "服务周老客户")
    page.get_by_role("button", name="保存分群").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("segment-count").inner_text() == "1"

    page.goto(f"{live_server.url}/crm/campaigns/new/")
    today = timezone.localdate()
    page.fill("#id_name", "秋季服务周")
    page.select_option("#id_kind", "autumn_week")
    page.fill("#id_starts_on", today.isoformat())
    page.fill("#id_ends_on", (today + timedelta(days=14)).isoformat())
    page.select_option("#id_segment", label="服务周老客户")
    page.get_by_label("服务周立减80").check()
    page.get_by_role("button", name="创建活动").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="发送邀约").click()
    page.wait_for_load_state()
    invitations = page.get_by_test_id("campaign-invitations")
    assert "周敏" in invitations.inner_text() and "路人" not in invitations.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "crm-campaign.png"), full_page=True)
    assert Message.objects.filter(customer=customer, purpose="marketing").exclude(state="cancelled").exists()
    context.close()
