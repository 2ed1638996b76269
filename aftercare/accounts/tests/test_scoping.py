"""Store scoping: staff of store A cannot see store B's rows, in the UI or the API."""

import pytest
from django.urls import reverse

from aftercare.accounts.roles import Role
from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry, Store
from aftercare.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_for_user_returns_only_the_users_stores(staff, store, other_store):
    assert list(Store.objects.for_user(staff["advisor"])) == [store]


def test_for_user_with_a_permission_keeps_only_stores_where_a_role_grants_it(staff, store):
    assert list(Store.objects.for_user(staff["service_manager"], "audit.view")) == [store]
    assert list(Store.objects.for_user(staff["advisor"], "audit.view")) == []


def test_anonymous_users_see_nothing(store):
    from django.contrib.auth.models import AnonymousUser

    assert not Store.objects.for_user(AnonymousUser()).exists()


def test_a_group_wide_role_covers_every_store_of_the_group(store, other_store):
    admin = UserFactory(username="groupadmin")
    MembershipFactory(user=admin, store=None, group=store.group, role=Role.ADMIN)
    assert set(Store.objects.for_user(admin)) == {store, other_store}


def test_an_inactive_membership_grants_nothing(store):
    user = UserFactory()
    MembershipFactory(user=user, store=store, role=Role.ADVISOR, is_active=False)
    assert not Store.objects.for_user(user).exists()


def test_ui_returns_404_for_another_stores_object(staff, other_store, client_for):
    response = client_for(staff["advisor"]).get(reverse("accounts:store_detail", args=[other_store.pk]))
    assert response.status_code == 404


def test_ui_shows_the_users_own_store(staff, store, client_for):
    response = client_for(staff["advisor"]).get(reverse("accounts:store_detail", args=[store.pk]))
    assert response.status_code == 200


def test_api_returns_404_for_another_stores_object(staff, other_store, api_client_for):
    response = api_client_for(staff["advisor"]).get(f"/api/v1/stores/{other_store.pk}/")
    assert response.status_code == 404


def test_api_lists_only_the_users_stores(staff, store, other_store, api_client_for):
    response = api_client_for(staff["advisor"]).get("/api/v1/stores/")
    assert [row["id"] for row in response.json()["results"]] == [store.pk]


def test_audit_trail_of_another_store_is_invisible(staff, store, other_store, client_for, api_client_for):
    audit_record(actor=None, action=AuditEntry.Action.UPDATE, obj=other_store, object_repr="secret-change")
    audit_record(actor=None, action=AuditEntry.Action.UPDATE, obj=store, object_repr="own-change")
    page = client_for(staff["service_manager"]).get(reverse("core:audit_list")).content.decode()
    assert "own-change" in page
    assert "secret-change" not in page
    rows = api_client_for(staff["service_manager"]).get("/api/v1/audit/").json()["results"]
    assert [row["object_repr"] for row in rows] == ["own-change"]


def test_switching_to_a_store_without_a_role_is_refused(staff, other_store, client_for):
    response = client_for(staff["advisor"]).post(reverse("accounts:switch_store"), {"store": other_store.pk})
    assert response.status_code == 403


def test_the_user_list_shows_the_users_of_the_managed_stores_with_their_active_roles(
    staff, store, other_store, client_for, django_assert_num_queries
):
    outsider = UserFactory(username="outsider")
    MembershipFactory(user=outsider, store=other_store, role=Role.ADVISOR)
    former = UserFactory(username="former", full_name="前任顾问")
    MembershipFactory(user=former, store=store, role=Role.CASHIER, is_active=False)
    MembershipFactory(user=former, store=store, role=Role.ADVISOR)
    client = client_for(staff["admin"])
    url = reverse("accounts:user_list")
    client.get(url)  # the first request of a session stores the current store in it
    # session, user, memberships, current store, one page of users (no COUNT), their memberships
    with django_assert_num_queries(6):
        response = client.get(url)
    html = response.content.decode()
    assert f'href="{reverse("accounts:user_detail", args=[former.pk])}">former</a>' in html
    assert "outsider" not in html
    row = html[html.index(">former</a>") :]
    row = row[: row.index("</tr>")]
    assert "前任顾问" in row and "收银员" not in row and "服务顾问" in row


def _superuser(username="it"):
    from aftercare.accounts.models import User

    return User.objects.create_superuser(username, "it@example.com", "Secret-pass-2026")


def test_an_active_superuser_sees_every_store_of_every_group(store, other_store, api_client_for):
    from aftercare.core.permissions import Perm
    from aftercare.tests.factories import DealerGroupFactory, StoreFactory

    far = StoreFactory(group=DealerGroupFactory(code="other", name="另一集团"))
    root = _superuser()
    everywhere = {store.pk, other_store.pk, far.pk}
    assert set(root.store_ids()) == everywhere and set(root.store_ids(Perm.CONTACT_REVEAL)) == everywhere
    assert set(Store.objects.for_user(root, Perm.CUSTOMER_VIEW)) == {store, other_store, far}
    client = api_client_for(root)
    stores = client.get("/api/v1/stores/").json()
    ids = {row["id"] for row in (stores["results"] if isinstance(stores, dict) else stores)}
    assert ids == everywhere
    me = client.get(reverse("api-me")).json()
    assert {row["store_id"] for row in me["stores"]} == everywhere
    assert all(Perm.CUSTOMER_EDIT in row["permissions"] for row in me["stores"])


def test_an_inactive_superuser_sees_no_store(store):
    root = _superuser()
    root.is_active = False
    root.save()
    assert root.store_ids() == []


def test_a_superuser_works_in_the_ui_in_a_store(store, client_for):
    response = client_for(_superuser()).get(reverse("customers:customer_list"))
    assert response.status_code == 200 and response.wsgi_request.store == store


def test_posting_a_customer_with_no_store_says_there_is_no_store(db, api_client_for):
    response = api_client_for(_superuser()).post("/api/v1/customers/", {"name": "李雷"}, format="json")
    assert response.status_code == 400
    assert "several" not in str(response.json()) and "no store" in str(response.json())
