"""Two-factor sign-in (docs/DOMAIN.md §24.1): required for the administrator, the manager and
every role that can export personal data; optional for the rest; enrolment with a QR code,
recovery codes shown once, a reset by an administrator with an audit row; API tokens only for
a user who passed the second factor; the lockout rules unchanged."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from aftercare.accounts.roles import ROLE_PERMISSIONS, TWO_FACTOR_ROLES, Role
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm
from aftercare.tests.otp import current_code, force_login_unverified, otp_device_for

pytestmark = pytest.mark.django_db
PASSWORD = "Secret-pass-2026"


def _signed_in_without_second_factor(user) -> Client:
    client = Client()
    force_login_unverified(client, user)
    return client


def test_the_roles_that_need_two_factors_are_derived_from_the_matrix():
    exporters = {
        role for role, perms in ROLE_PERMISSIONS.items() if perms & {Perm.DATA_EXPORT, Perm.PRIVACY_REQUEST}
    }
    assert TWO_FACTOR_ROLES == {Role.ADMIN, Role.SERVICE_MANAGER} | exporters
    # The rights desk prepares a customer's whole file: customer care signs in with two factors.
    assert Role.CUSTOMER_CARE in TWO_FACTOR_ROLES
    assert Role.ADVISOR not in TWO_FACTOR_ROLES and Role.TECHNICIAN not in TWO_FACTOR_ROLES


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SERVICE_MANAGER])
def test_a_role_that_needs_two_factors_reaches_nothing_before_enrolling(staff, role):
    client = _signed_in_without_second_factor(staff[role])
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("two_factor_enrol"))
    assert client.get("/api/v1/me/").status_code == 403
    otp_device_for(staff[role])
    assert client.get("/")["Location"].startswith(reverse("two_factor_verify"))


def test_an_advisor_may_work_without_a_second_factor(staff):
    assert _signed_in_without_second_factor(staff["advisor"]).get("/").status_code == 200


def test_enrolment_shows_a_qr_code_and_the_recovery_codes_once_then_the_code_lets_in(staff):
    manager = staff["service_manager"]
    client = _signed_in_without_second_factor(manager)
    page = client.get(reverse("two_factor_enrol"))
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    assert client.post(reverse("two_factor_enrol"), {"token": "000000"}).status_code == 200
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code delays the next try (django-otp's throttling)
    confirmed = client.post(reverse("two_factor_enrol"), {"token": current_code(device)})
    assert confirmed.context["codes"] and len(confirmed.context["codes"]) == 10
    assert client.get("/").status_code == 200
    assert StaticToken.objects.filter(device__user=manager).count() == 10


def test_a_recovery_code_works_once(staff):
    manager = staff["service_manager"]
    client = _signed_in_without_second_factor(manager)
    device = TOTPDevice.objects.create(user=manager, name="totp", confirmed=False)
    codes = client.post(reverse("two_factor_enrol"), {"token": current_code(device)}).context["codes"]

    again = _signed_in_without_second_factor(manager)
    assert again.post(reverse("two_factor_verify"), {"token": codes[0]}).status_code == 302
    assert again.get("/").status_code == 200
    third = _signed_in_without_second_factor(manager)
    assert third.post(reverse("two_factor_verify"), {"token": codes[0]}).status_code == 200
    assert third.get("/").status_code == 302


def test_an_advisor_who_enrolled_is_asked_for_the_code_at_sign_in(staff):
    advisor = staff["advisor"]
    otp_device_for(advisor)
    client = Client()
    client.post(reverse("login"), {"username": "advisor", "password": PASSWORD})
    assert client.get("/")["Location"].startswith(reverse("two_factor_verify"))


def test_an_administrator_resets_a_lost_phone_with_an_audit_row_and_the_sessions_end(staff, client_for):
    manager = staff["service_manager"]
    session = client_for(manager)
    assert session.get("/").status_code == 200
    response = client_for(staff["admin"]).post(reverse("accounts:user_two_factor_reset", args=[manager.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=manager).exists()
    assert AuditEntry.objects.filter(object_id=str(manager.pk), changes__two_factor=[True, False]).exists()
    assert session.get("/").status_code == 302  # signed out everywhere


def test_the_token_endpoint_requires_the_second_factor_of_a_manager(staff):
    api = APIClient()
    body = {"username": "service_manager", "password": PASSWORD}
    assert api.post("/api/v1/auth/token/", body, format="json").status_code == 403
    device = otp_device_for(staff["service_manager"])
    assert api.post("/api/v1/auth/token/", {**body, "otp_token": "000000"}, format="json").status_code == 403
    device.refresh_from_db()
    device.throttle_reset()
    issued = api.post("/api/v1/auth/token/", {**body, "otp_token": current_code(device)}, format="json")
    assert issued.status_code == 200 and issued.json()["token"]


def test_a_token_is_issued_on_the_page_only_in_a_session_that_passed_the_second_factor(staff, client_for):
    advisor = staff["advisor"]
    unverified = _signed_in_without_second_factor(advisor)
    assert unverified.post(reverse("accounts:my_token_issue")).status_code == 302
    assert not advisor.api_tokens.exists()
    page = client_for(advisor).post(reverse("accounts:my_token_issue"))
    assert page.status_code == 200 and page.context["new_key"]
    assert advisor.api_tokens.count() == 1


def test_the_lockout_still_counts_failed_passwords_of_a_manager(staff, settings):
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "service_manager", "password": "wrong"})
    locked = client.post(reverse("login"), {"username": "service_manager", "password": PASSWORD})
    assert locked.status_code == 429
