"""Links to the customer's phone: who opens what (docs/DOMAIN.md §15.2)."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from aftercare.core.models import AuditEntry
from aftercare.portal import services
from aftercare.portal.choices import Purpose
from aftercare.portal.models import PortalLink
from aftercare.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _url(token):
    return reverse("portal_public:open", args=[token])


def test_a_link_stores_only_the_hash_of_its_token_and_opens_its_page(client, staff, customer, order):
    link, token = services.link_issue(
        actor=staff["advisor"], customer=customer, purpose=Purpose.PROGRESS, repair_order=order
    )
    assert len(token) >= 40 and token not in link.token_hash and link.token_hash == services.token_hash(token)
    page = client.get(_url(token))
    assert page.status_code == 200 and order.number in page.content.decode()
    link.refresh_from_db()
    assert link.uses == 1 and link.last_used_at is not None
    assert page["Cache-Control"] == "no-store"
    assert AuditEntry.objects.filter(object_id=str(link.pk)).exists()


def test_a_forged_link_is_refused(client, staff, customer, order):
    _link, token = services.link_issue(
        actor=staff["advisor"], customer=customer, purpose=Purpose.PROGRESS, repair_order=order
    )
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(_url(forged)).status_code == 404
    assert client.get(_url("short")).status_code == 404


def test_an_expired_link_is_refused(client, staff, customer, order):
    _link, token = services.link_issue(
        actor=staff["advisor"], customer=customer, purpose=Purpose.PROGRESS, repair_order=order, valid_days=1
    )
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        page = client.get(_url(token))
    assert page.status_code == 410 and 'data-testid="portal-refused"' in page.content.decode()


def test_a_revoked_link_is_refused_at_once(client, staff, customer, order):
    link, token = services.link_issue(
        actor=staff["advisor"], customer=customer, purpose=Purpose.PROGRESS, repair_order=order
    )
    services.link_revoke(actor=staff["advisor"], link=link)
    assert client.get(_url(token)).status_code == 410


def test_a_link_names_only_the_customers_own_order(staff, store, order):
    stranger = CustomerFactory(store=store, name="李四")
    with pytest.raises(ValidationError):
        services.link_issue(actor=staff["advisor"], customer=stranger, purpose=Purpose.APPROVE, repair_order=order)


def test_a_link_opens_only_its_own_purpose(client, staff, customer, order):
    _link, token = services.link_issue(
        actor=staff["advisor"], customer=customer, purpose=Purpose.PROGRESS, repair_order=order
    )
    refused = client.post(reverse("portal_public:decide", args=[token]), {"signature": ""})
    assert refused.status_code == 404


def test_staff_of_another_store_cannot_issue_see_or_revoke_links(staff, customer, order, other_store, client_for):
    from aftercare.accounts.roles import Role
    from aftercare.tests.factories import MembershipFactory, UserFactory

    outsider = UserFactory(username="outsider")
    MembershipFactory(user=outsider, store=other_store, role=Role.ADVISOR)
    with pytest.raises(PermissionDenied):
        services.link_issue(actor=outsider, customer=customer, purpose=Purpose.PROGRESS, repair_order=order)
    link, _token = services.link_issue(
        actor=staff["advisor"], customer=customer, purpose=Purpose.PROGRESS, repair_order=order
    )
    browser = client_for(outsider)
    assert browser.get(reverse("portal:links_panel"), {"order": order.pk}).status_code == 404
    assert browser.post(reverse("portal:link_revoke", args=[link.pk])).status_code == 404
    assert PortalLink.objects.get(pk=link.pk).revoked_at is None


def test_staff_issue_a_link_from_the_order_and_see_it_once_with_its_qr_code(staff, order, client_for):
    advisor = client_for(staff["advisor"])
    panel = advisor.post(reverse("portal:link_issue"), {"order": order.pk, "purpose": Purpose.APPROVE}).content.decode()
    link = PortalLink.objects.get()
    assert link.purpose == Purpose.APPROVE and link.repair_order == order
    assert 'data-testid="portal-issued-url"' in panel
    qr = advisor.get(reverse("portal:issued_qr"))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    advisor.post(reverse("portal:link_revoke", args=[link.pk]))
    assert PortalLink.objects.get().revoked_at is not None


def test_the_printed_estimate_carries_a_fresh_approval_link_as_a_qr_code(staff, order, client_for):
    advisor = client_for(staff["advisor"])
    assert 'data-testid="print-qr"' in advisor.get(reverse("service:print_estimate", args=[order.pk])).content.decode()
    qr = advisor.get(reverse("portal:print_qr", args=[order.pk, "estimate"]))
    assert qr.status_code == 200 and b"<svg" in qr.content
    assert PortalLink.objects.get().purpose == Purpose.APPROVE


def test_staff_send_the_issued_link_through_the_messaging_door(staff, order, client_for):
    from aftercare.messaging.models import Message

    advisor = client_for(staff["advisor"])
    advisor.post(reverse("portal:link_issue"), {"order": order.pk, "purpose": Purpose.PROGRESS})
    advisor.post(reverse("portal:issued_send"))
    message = Message.objects.get()
    assert message.template_code == "portal_link" and message.customer == order.customer
    assert message.dedupe_key == f"portal_link:{PortalLink.objects.get().pk}"
