"""Two-factor sign-in with TOTP (django-otp), recovery codes and the administrator's reset
(docs/DOMAIN.md §24.1). Pages and the API call these; nothing else touches the devices."""

import base64
import binascii

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import require

from .roles import Perm

TOTP_NAME = "totp"
RECOVERY_NAME = "recovery"
RECOVERY_CODES = 10
ISSUER = "AfterCare"
# The demo's fixed secret (DEMO_MODE only, docs/DOMAIN.md §24.1): README prints it in base32 so that
# an authenticator app or `oathtool --totp -b` can produce the codes of the demo admin and manager.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test secret "1234567890…"


def demo_secret_base32() -> str:
    return base64.b32encode(binascii.unhexlify(DEMO_TOTP_KEY)).decode()


def requires_second_factor(user) -> bool:
    """Must `user` pass a second factor to use the system? Their roles decide (accounts.roles)."""
    return user.requires_second_factor()


def has_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def needs_verification(user) -> bool:
    """Required by the role, or chosen by the user (an enrolled device is always asked for)."""
    return requires_second_factor(user) or has_device(user)


def enrolment_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (a new secret), created on first call."""
    device = TOTPDevice.objects.filter(user=user, name=TOTP_NAME, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG QR code for the authenticator app (segno, as surveys do)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4)


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode()


def enrolment_confirm(*, request, user, token: str) -> list[str]:
    """The user typed a code from the app: the device is confirmed, earlier ones are removed, the
    session counts as verified, and fresh recovery codes are answered (shown once)."""
    device = TOTPDevice.objects.filter(user=user, name=TOTP_NAME, confirmed=False).first()
    if device is None or not device.verify_token((token or "").strip()):
        raise ValidationError({"token": _("The code is wrong or has expired; try the next one.")})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_issue(user)
        audit_record(actor=user, action=AuditEntry.Action.UPDATE, obj=user, reason=_("Two-factor sign-in enrolled"))
    otp_login(request, device)
    return codes


def _recovery_codes_issue(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_renew(*, user) -> list[str]:
    """New recovery codes replace the old ones (each code works once)."""
    with transaction.atomic():
        codes = _recovery_codes_issue(user)
        audit_record(actor=user, action=AuditEntry.Action.UPDATE, obj=user, reason=_("Recovery codes renewed"))
    return codes


def check(user, token: str):
    """The device that accepts `token` (a TOTP code or an unused recovery code), or None."""
    token = (token or "").strip().replace(" ", "")
    if not token or len(token) > 16:
        return None
    return match_token(user, token)


def verify(*, request, user, token: str) -> None:
    """Pass the second factor in this session, or ValidationError. A recovery code is used up."""
    device = check(user, token)
    if device is None:
        raise ValidationError({"token": _("The code is wrong or has expired.")})
    otp_login(request, device)
    if isinstance(device, StaticDevice):
        audit_record(actor=user, action=AuditEntry.Action.UPDATE, obj=user, reason=_("Signed in with a recovery code"))


def is_verified(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and getattr(user, "is_verified", lambda: False)())


def second_factor_reset(*, actor, user, store) -> None:
    """An administrator removes a user's devices and recovery codes (a lost phone): the user
    enrols again at the next sign-in; every session of theirs ends. Audited."""
    require(actor, Perm.USER_MANAGE, store)
    if actor.pk == user.pk:
        raise PermissionDenied(_("Another administrator must reset your own two-factor sign-in."))
    from .sessions import sessions_end_all

    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0]
        removed += StaticDevice.objects.filter(user=user).delete()[0]
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=user,
            store=store,
            changes={"two_factor": [bool(removed), False]},
            reason=_("Two-factor sign-in reset by an administrator"),
        )
    sessions_end_all(user=user)


def demo_device_install(user) -> TOTPDevice:
    """DEMO_MODE: the demo user's device with the published secret (docs/DOMAIN.md §24.1)."""
    if not settings.DEMO_MODE:
        raise PermissionDenied("The demo secret exists only in demo mode.")
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_NAME, key=DEMO_TOTP_KEY, confirmed=True)


def pass_in_session(session, device) -> None:
    """Mark a stored session as verified by `device` (tests and the benchmark sign in this way)."""
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id


def demo_code(user) -> str:
    """DEMO_MODE: the current code of a demo device (the published secret), shown on the
    verification page so the demo can be walked through without an authenticator app."""
    if not settings.DEMO_MODE:
        return ""
    device = TOTPDevice.objects.filter(user=user, confirmed=True, key=DEMO_TOTP_KEY).first()
    if device is None:
        return ""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
