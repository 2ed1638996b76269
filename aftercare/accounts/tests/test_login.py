"""Login, lockout per login name, logout, password change, idle timeout."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from aftercare.core.models import AuditEntry

pytestmark = pytest.mark.django_db
PASSWORD = "Secret-pass-2026"
OFFICE_IP = "10.1.2.3"


def _login_page_for_home() -> str:
    return f"{reverse('login')}?next={reverse('home')}"


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=OFFICE_IP)


def test_a_user_logs_in_and_reaches_the_home_page(staff):
    client = Client()
    response = _login(client, "advisor", PASSWORD)
    assert (response.status_code, response.url) == (302, reverse("home"))
    assert client.get("/").status_code == 200


def test_a_wrong_password_shows_an_error_and_not_a_500(staff):
    response = _login(Client(), "advisor", "wrong")
    assert response.status_code == 200
    assert response.context["form"].errors


def test_five_failures_lock_that_login_even_with_the_right_password(staff):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "advisor", "wrong")
    response = _login(client, "advisor", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_locked_login_does_not_lock_colleagues_behind_the_same_ip(staff):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), "advisor", "wrong")
    colleague = Client()
    response = _login(colleague, "cashier", PASSWORD)
    assert (response.status_code, response.url) == (302, reverse("home"))


def test_the_api_token_endpoint_counts_towards_the_same_lockout(staff):
    from rest_framework.test import APIClient

    api = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api.post("/api/v1/auth/token/", {"username": "advisor", "password": "wrong"}, REMOTE_ADDR=OFFICE_IP)
    response = api.post("/api/v1/auth/token/", {"username": "advisor", "password": PASSWORD}, REMOTE_ADDR=OFFICE_IP)
    # The right password, refused all the same: the login is locked.
    assert response.status_code == 400
    assert "token" not in response.json()


def test_an_api_token_authenticates_requests(staff):
    from rest_framework.test import APIClient

    api = APIClient()
    response = api.post("/api/v1/auth/token/", {"username": "advisor", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get("/api/v1/me/").json()
    assert me["username"] == "advisor"
    assert "customer.view" in me["stores"][0]["permissions"]


def test_the_api_refuses_requests_without_a_token():
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/stores/").status_code == 401


def test_logins_and_failures_are_in_the_audit_trail(staff):
    _login(Client(), "advisor", "wrong")
    _login(Client(), "advisor", PASSWORD)
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert AuditEntry.Action.LOGIN_FAILED in actions
    assert AuditEntry.Action.LOGIN in actions


def test_pages_need_a_login():
    response = Client().get("/")
    assert (response.status_code, response.url) == (302, _login_page_for_home())


def test_logout_ends_the_session(staff, client_for):
    client = client_for(staff["advisor"])
    client.post(reverse("logout"))
    response = client.get("/")
    assert (response.status_code, response.url) == (302, _login_page_for_home())


def test_a_user_changes_their_password(staff, client_for):
    client = client_for(staff["advisor"])
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Brand-new-pass-77", "new_password2": "Brand-new-pass-77"},
    )
    assert (response.status_code, response.url) == (302, reverse("home"))
    staff["advisor"].refresh_from_db()
    assert staff["advisor"].check_password("Brand-new-pass-77")


def test_a_session_expires_after_30_idle_minutes_but_activity_keeps_it_alive(staff):
    import datetime as dt

    import time_machine

    start = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    client = Client()
    with time_machine.travel(start, tick=False):
        _login(client, "advisor", PASSWORD)
    for minutes in (20, 40, 60):  # a page every 20 minutes: still signed in after an hour
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            assert client.get("/").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=60 + 31), tick=False):
        response = client.get("/")
        assert (response.status_code, response.url) == (302, _login_page_for_home())


def test_passwords_are_hashed_with_argon2_in_production():
    from importlib import reload

    import aftercare.settings as production_settings

    reload(production_settings)
    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_demo_logins_are_shown_only_in_demo_mode(settings):
    settings.DEMO_MODE = False
    assert "demo_logins" not in Client().get(reverse("login")).context
    settings.DEMO_MODE = True
    assert Client().get(reverse("login")).context["demo_logins"]
