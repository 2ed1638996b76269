"""The customer's phone (390×844): the approval link shows the finding's photo, the customer
signs with a finger, approves one line and declines another; the advisor's page then shows
both with their evidence (docs/DOMAIN.md §3.4, §15.2)."""

import io
import os

import pytest
import segno
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from aftercare.catalog.models import LabourOperation, OtherCharge
from aftercare.portal import services as portal
from aftercare.portal.choices import Purpose
from aftercare.service import services
from aftercare.service.choices import LineStatus, Status
from aftercare.tests.factories import CustomerFactory, MembershipFactory, UserFactory, VehicleFactory, catalog_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIGNATURE = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def _png() -> bytes:
    buffer = io.BytesIO()
    segno.make("brake pads worn").save(buffer, kind="png", scale=8)
    return buffer.getvalue()


def test_the_customer_approves_one_line_and_declines_another_on_a_phone(
    live_server, browser, store, settings, tmp_path
):
    from aftercare.accounts.roles import Role

    settings.MEDIA_ROOT = tmp_path
    catalog_for(store)
    advisor = UserFactory(username="advisor-e2e")
    MembershipFactory(user=advisor, store=store, role=Role.ADVISOR)
    customer = CustomerFactory(store=store, name="王芳")
    vehicle = VehicleFactory(owner=customer, store=store, plate="粤A66666", powertrain="ICE")
    order = services.repair_order_open(actor=advisor, store=store, vehicle=vehicle, odometer_km=30000)
    services.line_add(actor=advisor, order=order, operation=LabourOperation.objects.effective_for_store(store).first())
    services.repair_order_transition(repair_order=order, to=Status.ESTIMATE, actor=advisor)
    services.repair_order_authorise(actor=advisor, order=order, method="signature", signature=SIGNATURE)
    (brakes,) = services.line_add(
        actor=advisor, order=order, operation=LabourOperation.objects.effective_for_store(store).get(code="B001")
    )
    (charge,) = services.line_add(
        actor=advisor, order=order, other_charge=OtherCharge.objects.effective_for_store(store).first()
    )
    services.photo_add(
        actor=advisor, order=order, line=brakes, image=SimpleUploadedFile("pads.png", _png()), caption="刹车片磨损"
    )
    _link, token = portal.link_issue(actor=advisor, customer=customer, purpose=Purpose.APPROVE, repair_order=order)

    phone = browser.new_context(locale="en", viewport={"width": 390, "height": 844}, has_touch=True)
    try:
        page = phone.new_page()
        page.goto(f"{live_server.url}{reverse('portal_public:open', args=[token])}")
        photo = page.get_by_test_id("portal-photo")
        photo.wait_for()
        assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
        assert photo.bounding_box()["width"] <= 390
        page.get_by_test_id(f"portal-line-{brakes.pk}").get_by_text("Approve").click()
        page.get_by_test_id(f"portal-line-{charge.pk}").get_by_text("Decline").click()
        pad = page.get_by_test_id("portal-signature").locator("canvas")
        pad.scroll_into_view_if_needed()
        box = pad.bounding_box()
        page.mouse.move(box["x"] + 30, box["y"] + 60)
        page.mouse.down()
        for step in range(1, 12):
            page.mouse.move(box["x"] + 30 + step * 20, box["y"] + 60 + (step % 3) * 25)
        page.mouse.up()
        if os.environ.get("PORTAL_SCREENSHOT"):
            page.screenshot(path=os.environ["PORTAL_SCREENSHOT"] + ".before.png", full_page=True)
        page.get_by_test_id("portal-submit").click()
        page.get_by_test_id("portal-message").wait_for()
        if os.environ.get("PORTAL_SCREENSHOT"):
            page.screenshot(path=os.environ["PORTAL_SCREENSHOT"], full_page=True)
    finally:
        phone.close()

    brakes.refresh_from_db()
    charge.refresh_from_db()
    assert (brakes.status, charge.status) == (LineStatus.APPROVED, LineStatus.DECLINED)
    client = Client()
    client.force_login(advisor)
    staff_page = browser.new_context(locale="en", viewport={"width": 1280, "height": 900})
    try:
        staff_page.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
        )
        ro = staff_page.new_page()
        ro.goto(f"{live_server.url}{reverse('service:repair_order_detail', args=[order.pk])}")
        for line in (brakes, charge):
            evidence = ro.get_by_test_id(f"decision-{line.pk}")
            evidence.wait_for()
            assert "Signature on screen" in evidence.inner_text() and "Mozilla" in evidence.inner_text()
            signature = evidence.get_by_test_id("decision-signature")
            assert signature.evaluate("img => img.complete && img.naturalWidth > 0")
        assert ro.get_by_test_id(f"decision-{brakes.pk}").get_by_test_id("decision-photo").count() == 1
        if os.environ.get("PORTAL_SCREENSHOT"):
            ro.get_by_test_id(f"decision-{brakes.pk}").screenshot(path=os.environ["PORTAL_SCREENSHOT"] + ".staff.png")
    finally:
        staff_page.close()
