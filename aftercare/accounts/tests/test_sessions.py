"""A user's active sessions with "sign out everywhere", administrators told of a sign-in from
a new device, and Secure cookies whenever the request came over HTTPS (docs/DOMAIN.md §24.3)."""

import pytest
from django.test import Client
from django.urls import reverse

from aftercare.accounts.models import SecurityNotice, UserSession

pytestmark = pytest.mark.django_db
PASSWORD = "Secret-pass-2026"


def _sign_in(username, device_cookie=None, **extra) -> Client:
    client = Client(HTTP_USER_AGENT="Chrome on 工位电脑", **extra)
    if device_cookie:
        client.cookies["aftercare_device"] = device_cookie
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_each_sign_in_is_listed_and_sign_out_everywhere_ends_them_all(staff):
    first, second = _sign_in("advisor"), _sign_in("advisor")
    page = first.get(reverse("accounts:my_security"))
    assert len(page.context["sessions"]) == 2
    response = first.post(reverse("accounts:my_sessions_end_all"))
    assert response.status_code == 302
    assert not UserSession.objects.filter(user=staff["advisor"]).exists()
    assert second.get("/").status_code == 302 and first.get("/").status_code == 302


def test_one_other_session_can_be_signed_out(staff):
    first, second = _sign_in("advisor"), _sign_in("advisor")
    other = UserSession.objects.exclude(session_key=first.session.session_key).get()
    first.post(reverse("accounts:my_session_end", args=[other.pk]))
    assert second.get("/").status_code == 302
    assert first.get("/").status_code == 200


def test_a_manager_signing_in_from_a_new_device_notifies_the_administrator(staff):
    first = _sign_in("service_manager")
    device = first.cookies["aftercare_device"].value
    assert not SecurityNotice.objects.exists()  # the very first device is not "new"
    _sign_in("service_manager", device_cookie=device)
    assert not SecurityNotice.objects.exists()
    _sign_in("service_manager", REMOTE_ADDR="10.9.8.7")
    notice = SecurityNotice.objects.get()
    assert (notice.recipient, notice.subject, notice.ip) == (staff["admin"], staff["service_manager"], "10.9.8.7")


def test_an_advisor_on_a_new_device_notifies_nobody(staff):
    _sign_in("advisor")
    _sign_in("advisor")
    assert not SecurityNotice.objects.exists()


def test_cookies_are_secure_on_a_request_that_came_over_https(staff):
    client = Client()
    plain = client.post(reverse("login"), {"username": "advisor", "password": PASSWORD})
    assert not plain.cookies["sessionid"]["secure"]
    secure = Client().post(reverse("login"), {"username": "advisor", "password": PASSWORD}, secure=True)
    assert secure.cookies["sessionid"]["secure"] and secure.cookies["aftercare_device"]["secure"]
