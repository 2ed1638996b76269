"""The access log of personal data and its volume alert (docs/DOMAIN.md §16.7)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftercare.core.audit import personal_data_viewed
from aftercare.core.home import home_cards
from aftercare.customers.services import contact_reveal
from aftercare.privacy import selectors
from aftercare.privacy.choices import AccessKind
from aftercare.privacy.models import AccessAlert, AccessLog, PrivacySettings
from aftercare.privacy.receivers import on_personal_data_viewed
from aftercare.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_opening_a_customer_s_page_logs_who_when_and_from_where(client_for, staff, store):
    customer = CustomerFactory(store=store, name="李娜")
    client = client_for(staff["advisor"])
    assert client.get(f"/customers/{customer.pk}/", REMOTE_ADDR="10.1.2.3").status_code == 200
    row = AccessLog.objects.get()
    assert (row.user, row.customer, row.kind, row.ip_address, row.records) == (
        staff["advisor"],
        customer,
        AccessKind.PROFILE,
        "10.1.2.3",
        1,
    )


def test_the_api_detail_is_logged_too(api_client_for, staff, store):
    customer = CustomerFactory(store=store)
    assert api_client_for(staff["advisor"]).get(f"/api/v1/customers/{customer.pk}/").status_code == 200
    assert AccessLog.objects.get().kind == AccessKind.API_DETAIL


def test_the_log_is_append_only(staff, store):
    personal_data_viewed.send(sender=None, user=staff["advisor"], store_id=store.pk, customer_ids=[], kind="profile")
    with pytest.raises(PermissionDenied):
        AccessLog.objects.all().delete()
    with pytest.raises(PermissionDenied):
        AccessLog.objects.update(records=5)


def test_the_log_costs_the_customer_page_two_statements(client_for, staff, store):
    customer = CustomerFactory(store=store)
    client = client_for(staff["advisor"])
    client.get(f"/customers/{customer.pk}/")  # warm the template caches
    with CaptureQueriesContext(connection) as logged:
        client.get(f"/customers/{customer.pk}/")
    personal_data_viewed.disconnect(dispatch_uid="privacy_access_log")
    try:
        with CaptureQueriesContext(connection) as unlogged:
            client.get(f"/customers/{customer.pk}/")
    finally:
        personal_data_viewed.connect(on_personal_data_viewed, dispatch_uid="privacy_access_log")
    assert len(logged) - len(unlogged) == 2


def test_viewing_more_profiles_an_hour_than_the_store_allows_alerts_the_admin_once(client_for, staff, store):
    PrivacySettings.objects.create(store=store, profile_views_per_hour=3)
    customers = [CustomerFactory(store=store) for _ in range(5)]
    client = client_for(staff["advisor"])
    for customer in customers[:3]:
        client.get(f"/customers/{customer.pk}/")
    assert not AccessAlert.objects.exists()
    for customer in customers[3:]:
        client.get(f"/customers/{customer.pk}/")
    alert = AccessAlert.objects.get()
    assert (alert.user, alert.views) == (staff["advisor"], 4)
    from django.utils import timezone

    cards = home_cards(user=staff["admin"], store=store, roles=["admin"], now=timezone.now())
    assert [row["total"] for row in cards if row["card"].key == "privacy.alerts"] == [1]


def test_the_manager_sees_who_looked_at_a_customer_and_what_a_user_looked_at(client_for, staff, store):
    customer = CustomerFactory(store=store, name="李娜")
    client_for(staff["advisor"]).get(f"/customers/{customer.pk}/")
    contact_reveal(actor=staff["advisor"], customer=customer)
    looks = selectors.who_looked_at(staff["service_manager"], customer)
    assert sorted(look.kind for look in looks) == sorted([AccessKind.PROFILE.label, AccessKind.REVEAL.label])
    manager = client_for(staff["service_manager"])
    assert "李娜" in manager.get(f"/privacy/access/users/{staff['advisor'].pk}/").content.decode()
    page = manager.get(f"/privacy/access/customers/{customer.pk}/").content.decode()
    assert "advisor" in page
    assert client_for(staff["advisor"]).get(f"/privacy/access/customers/{customer.pk}/").status_code == 403
