"""A survey link as the desk and the customer see it: a QR code the desk can show, and score
buttons that say which end is satisfied, five in one row on a phone."""

import pytest
from django.test import Client
from django.urls import reverse

from aftercare.accounts.roles import Role
from aftercare.tests.factories import CustomerFactory, MembershipFactory, UserFactory, catalog_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_issued_link_shows_a_qr_code_and_the_phone_page_labels_every_score(live_server, browser, page, store):
    catalog_for(store)
    care = UserFactory(username="care-e2e")
    MembershipFactory(user=care, store=store, role=Role.CUSTOMER_CARE)
    customer = CustomerFactory(store=store, name="王芳")
    client = Client()
    client.force_login(care)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )

    page.goto(f"{live_server.url}{reverse('surveys:record')}?customer={customer.pk}&kind=repair")
    page.get_by_role("button", name="改为发送链接给客户").click()
    page.wait_for_url(f"{live_server.url}{reverse('surveys:link_issue')}")
    qr = page.get_by_test_id("survey-qr")
    qr.wait_for()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    link = page.locator("input[readonly]").input_value()

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    try:
        answer = phone.new_page()
        answer.goto(link)
        first = answer.locator(".survey-choices").first
        words = first.get_by_test_id("score-word").all_inner_texts()
        assert words == ["非常满意", "满意", "一般", "不满意", "非常不满意"]
        tops = {round(label.bounding_box()["y"]) for label in first.locator("label").all()}
        assert len(tops) == 1  # the five buttons share one row
    finally:
        phone.close()
