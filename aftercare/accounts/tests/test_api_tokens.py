"""API tokens: revoked on a password change, on deactivation and by an administrator; they expire;
each user sees their own, with the last time each was used (issue 11, item 8)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from aftercare.accounts import services
from aftercare.accounts.models import ApiToken
from aftercare.core.models import AuditEntry

pytestmark = pytest.mark.django_db
PASSWORD = "Secret-pass-2026"


def _obtain(username="advisor") -> str:
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert set(response.json()) == {"token"}
    return response.json()["token"]


def _me(token: str) -> int:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api.get("/api/v1/me/").status_code


def test_the_obtain_endpoint_answers_a_token_that_works(staff):
    token = _obtain()
    assert _me(token) == 200


def test_a_token_stops_working_after_a_password_change(staff, client_for):
    token = _obtain()
    response = client_for(staff["advisor"]).post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Another-pass-2027", "new_password2": "Another-pass-2027"},
    )
    assert response.status_code == 302
    assert _me(token) == 401


def test_a_token_stops_working_when_the_password_is_set_anywhere(staff):
    token = _obtain()
    user = staff["advisor"]
    user.set_password("Another-pass-2027")
    user.save()
    assert _me(token) == 401


def test_a_token_stops_working_after_deactivation(staff, store):
    token = _obtain()
    services.user_update(actor=staff["admin"], user=staff["advisor"], store=store, is_active=False)
    assert ApiToken.for_key(token).revoked_at is not None
    assert _me(token) == 401


def test_a_token_stops_working_after_the_admin_revokes_all_tokens(staff, client_for):
    token = _obtain()
    admin = client_for(staff["admin"])
    page = admin.get(reverse("accounts:user_detail", args=[staff["advisor"].pk]))
    assert reverse("accounts:user_tokens_revoke", args=[staff["advisor"].pk]) in page.content.decode()
    response = admin.post(reverse("accounts:user_tokens_revoke", args=[staff["advisor"].pk]))
    assert response.status_code == 302
    assert _me(token) == 401
    assert AuditEntry.objects.filter(actor=staff["admin"], object_id=str(staff["advisor"].pk)).exists()


def test_only_a_user_manager_may_revoke_someone_elses_tokens(staff, client_for):
    token = _obtain()
    response = client_for(staff["cashier"]).post(reverse("accounts:user_tokens_revoke", args=[staff["advisor"].pk]))
    assert response.status_code in (403, 404)
    assert _me(token) == 200


def test_a_token_stops_working_after_its_expiry(staff, settings):
    settings.API_TOKEN_DAYS = 30
    token = _obtain()
    expires_at = ApiToken.for_key(token).expires_at
    assert expires_at - timezone.now() > timedelta(days=29)
    with time_machine.travel(expires_at - timedelta(minutes=1), tick=False):
        assert _me(token) == 200
    with time_machine.travel(expires_at + timedelta(minutes=1), tick=False):
        assert _me(token) == 401


def test_the_last_use_of_a_token_is_recorded_at_most_once_a_minute(staff):
    token = _obtain()
    assert ApiToken.for_key(token).last_used_at is None
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _me(token)
        assert ApiToken.for_key(token).last_used_at == start
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        _me(token)
        assert ApiToken.for_key(token).last_used_at == start
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        _me(token)
        assert ApiToken.for_key(token).last_used_at == start + timedelta(minutes=2)


def test_a_user_sees_only_their_own_tokens_and_revokes_one(staff, client_for):
    mine = _obtain("advisor")
    theirs = _obtain("cashier")
    client = client_for(staff["advisor"])
    page = client.get(reverse("accounts:my_tokens")).content.decode()
    assert mine[:8] in page
    assert theirs[:8] not in page
    other = ApiToken.for_key(theirs)
    assert client.post(reverse("accounts:my_token_revoke", args=[other.pk])).status_code == 404
    assert _me(theirs) == 200
    own = ApiToken.for_key(mine)
    assert client.post(reverse("accounts:my_token_revoke", args=[own.pk])).status_code == 302
    assert _me(mine) == 401
