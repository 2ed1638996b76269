"""Signing in past the second factor in tests (docs/DOMAIN.md §24.1).

The root conftest makes `Client.force_login` (and so `client_for`, and any test that calls
force_login itself) leave the session verified by a TOTP device, as a real sign-in with a code
would: tests of other features log in as a manager or an administrator unchanged. Tests of the
second factor itself use `force_login_unverified`. Browser tests that type a password call
`browser_second_factor` on the page that asks for the code."""

import base64

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

TEST_KEY = "3132333435363738393031323334353637383930"

force_login_unverified = Client.force_login


def otp_device_for(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="totp", key=TEST_KEY, confirmed=True)


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def pass_second_factor(client: Client, user) -> None:
    """Mark `client`'s session verified by `user`'s device (created if they have none)."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = otp_device_for(user).persistent_id
    session.save()


def force_login_verified(self, user, backend=None):
    force_login_unverified(self, user, backend)
    pass_second_factor(self, user)


def browser_second_factor(page, user) -> None:
    """On the page after the password: type the code of the user's device, or, on the
    enrolment page of a user who has none, the code of the secret the page shows (then
    continue past the recovery codes)."""
    page.locator("#id_token").wait_for()
    secret = page.locator("[data-testid=totp-secret]")
    if secret.count():
        key = base64.b32decode(secret.inner_text().strip()).hex()
        page.fill("#id_token", current_code(TOTPDevice(user=user, key=key)))
        page.click("form button[type=submit]")
        page.locator("[data-testid=recovery-codes]").wait_for()
        page.click("[data-testid=recovery-done]")
        return
    device = otp_device_for(user)
    # A second sign-in within the same 30 s would repeat the code, which TOTP refuses as a replay.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    page.fill("#id_token", current_code(device))
    page.click("form button[type=submit]")
