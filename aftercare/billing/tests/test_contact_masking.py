"""The repair order's contact phone is masked like the customer's mobile it was copied
from, for every role without contact.reveal: in the API, on the order page and on every print."""

import pytest
from django.urls import reverse

from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder

pytestmark = pytest.mark.django_db

FULL = "13912345678"
MASKED = "139****5678"


@pytest.fixture
def delivered_order(make_order):
    order = make_order(status=Status.DELIVERED)
    RepairOrder.objects.filter(pk=order.pk).update(contact_phone=FULL)
    return order


def _pages(order):
    return [
        reverse("service:repair_order_detail", args=[order.pk]),
        reverse("service:print_estimate", args=[order.pk]),
        reverse("service:print_check_in", args=[order.pk]),
        reverse("billing:statement", args=[order.pk]),
        reverse("billing:delivery_sheet", args=[order.pk]),
    ]


@pytest.mark.parametrize("role", ["technician", "foreman", "parts_clerk", "cashier"])
def test_roles_without_contact_reveal_see_the_contact_phone_masked_everywhere(
    role, delivered_order, staff, client_for, api_client_for
):
    body = api_client_for(staff[role]).get(f"/api/v1/repair-orders/{delivered_order.pk}/").json()
    assert body["contact_phone"] == MASKED
    client = client_for(staff[role])
    for url in _pages(delivered_order):
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        assert FULL not in content and MASKED in content, url


def test_an_advisor_sees_the_full_contact_phone(delivered_order, staff, client_for, api_client_for):
    body = api_client_for(staff["advisor"]).get(f"/api/v1/repair-orders/{delivered_order.pk}/").json()
    assert body["contact_phone"] == FULL
    client = client_for(staff["advisor"])
    for url in _pages(delivered_order):
        assert FULL in client.get(url).content.decode(), url
