"""Approving and declining additional work from the phone, with its evidence (docs/DOMAIN.md §3.4, §15.2)."""

import pytest
from django.urls import reverse

from aftercare.portal import services
from aftercare.portal.choices import Purpose
from aftercare.portal.models import PortalLink
from aftercare.service.choices import LineStatus
from aftercare.service.models import LineDecision
from aftercare.tests.factories import CustomerFactory, VehicleFactory

from .conftest import SIGNATURE

pytestmark = pytest.mark.django_db


def _approval_link(staff, order):
    return services.link_issue(
        actor=staff["advisor"], customer=order.customer, purpose=Purpose.APPROVE, repair_order=order
    )


def test_the_customer_sees_each_proposed_line_with_its_price_and_photo(client, staff, waiting):
    order, brakes, charge = waiting
    _link, token = _approval_link(staff, order)
    page = client.get(reverse("portal_public:open", args=[token])).content.decode()
    assert f'data-testid="portal-line-{brakes.pk}"' in page and f'data-testid="portal-line-{charge.pk}"' in page
    assert str(brakes.amount) in page
    photo = brakes.photos.get()
    assert reverse("portal_public:photo", args=[token, photo.pk]) in page
    assert client.get(reverse("portal_public:photo", args=[token, photo.pk])).status_code == 200


def test_signed_decisions_keep_their_evidence_line_by_line(client, staff, waiting):
    order, brakes, charge = waiting
    link, token = _approval_link(staff, order)
    answer = client.post(
        reverse("portal_public:decide", args=[token]),
        {f"line_{brakes.pk}": "approve", f"line_{charge.pk}": "decline", "signature": SIGNATURE},
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone)",
        REMOTE_ADDR="10.1.2.3",
    )
    assert answer.status_code == 302
    brakes.refresh_from_db()
    charge.refresh_from_db()
    assert (brakes.status, charge.status) == (LineStatus.APPROVED, LineStatus.DECLINED)
    approved = LineDecision.objects.get(line=brakes)
    assert approved.approved and approved.method == "signature" and approved.signature == SIGNATURE
    assert (approved.link, approved.ip_address, approved.user_agent) == (
        link.reference,
        "10.1.2.3",
        "Mozilla/5.0 (iPhone)",
    )
    assert list(approved.photos_shown.all()) == list(brakes.photos.all())
    assert not LineDecision.objects.get(line=charge).approved


def test_a_decision_without_a_signature_is_refused(client, staff, waiting):
    order, brakes, _charge = waiting
    _link, token = _approval_link(staff, order)
    page = client.post(reverse("portal_public:decide", args=[token]), {f"line_{brakes.pk}": "approve", "signature": ""})
    assert page.status_code == 400 and 'data-testid="portal-error"' in page.content.decode()
    brakes.refresh_from_db()
    assert brakes.status == LineStatus.PROPOSED and not LineDecision.objects.exists()


def test_a_second_decision_on_the_same_line_is_refused(client, staff, waiting):
    order, brakes, _charge = waiting
    _link, token = _approval_link(staff, order)
    url = reverse("portal_public:decide", args=[token])
    client.post(url, {f"line_{brakes.pk}": "approve", "signature": SIGNATURE})
    again = client.post(url, {f"line_{brakes.pk}": "decline", "signature": SIGNATURE})
    assert again.status_code == 400
    brakes.refresh_from_db()
    assert brakes.status == LineStatus.APPROVED and LineDecision.objects.count() == 1


def test_another_customers_link_cannot_decide_this_orders_lines(client, staff, store, waiting, catalogue):
    _order, brakes, _charge = waiting
    from aftercare.service import services as spine

    stranger = CustomerFactory(store=store, name="李四")
    their_order = spine.repair_order_open(
        actor=staff["advisor"], store=store, vehicle=VehicleFactory(owner=stranger, store=store, plate="粤B99999")
    )
    _link, token = services.link_issue(
        actor=staff["advisor"], customer=stranger, purpose=Purpose.APPROVE, repair_order=their_order
    )
    refused = client.post(
        reverse("portal_public:decide", args=[token]), {f"line_{brakes.pk}": "approve", "signature": SIGNATURE}
    )
    assert refused.status_code == 400
    brakes.refresh_from_db()
    assert brakes.status == LineStatus.PROPOSED


def test_the_advisors_page_and_the_printed_estimate_show_the_evidence(client, staff, waiting, client_for):
    order, brakes, charge = waiting
    _link, token = _approval_link(staff, order)
    client.post(
        reverse("portal_public:decide", args=[token]),
        {f"line_{brakes.pk}": "approve", f"line_{charge.pk}": "decline", "signature": SIGNATURE},
    )
    advisor = client_for(staff["advisor"])
    for url in (
        reverse("service:repair_order_detail", args=[order.pk]),
        reverse("service:print_estimate", args=[order.pk]),
    ):
        page = advisor.get(url).content.decode()
        assert f'data-testid="decision-{brakes.pk}"' in page and f'data-testid="decision-{charge.pk}"' in page
        assert 'data-testid="decision-signature"' in page and 'data-testid="decision-photo"' in page


def test_the_approval_notice_carries_a_phone_link_to_decide(client, waiting):
    from aftercare.messaging.models import Message

    order, _brakes, _charge = waiting
    notice = Message.objects.filter(template_code="approval_requested").order_by("id").first()
    path = notice.text.split("/p/")[1].split()[0].rstrip("。，")
    link = PortalLink.objects.get(token_hash=services.token_hash(path.rstrip("/")))
    assert (link.purpose, link.repair_order) == (Purpose.APPROVE, order)
    assert client.get(f"/p/{path}").status_code == 200
