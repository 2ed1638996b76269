"""A user's signed-in sessions, "sign out everywhere", and the administrators' notice of a
sign-in from a new device (docs/DOMAIN.md §24.3)."""

import hashlib
import secrets

from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.db.models import Q

from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry

from .models import KnownDevice, SecurityNotice, User, UserSession
from .roles import Role

DEVICE_COOKIE = "aftercare_device"
DEVICE_COOKIE_AGE = 400 * 24 * 3600  # browsers cap cookies at 400 days


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def device_id(request) -> str:
    """The browser's device cookie; a new one (set on the response by the middleware) if absent."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    if len(value) != 32 or not value.isalnum():
        value = getattr(request, "new_device_id", "") or secrets.token_hex(16)
        request.new_device_id = value
    return value


def session_started(*, request, user) -> UserSession | None:
    """At sign-in: record the session and, for a user whose role needs two factors, notify the
    administrators when the browser is one the user never signed in from."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    if session.session_key is None:
        session.save()
    device_hash = _hash(device_id(request))
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    ip = request.META.get("REMOTE_ADDR") or None
    row, _created = UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={"user": user, "device_hash": device_hash, "ip": ip, "user_agent": user_agent},
    )
    _known, new_device = KnownDevice.objects.get_or_create(
        user=user, device_hash=device_hash, defaults={"user_agent": user_agent}
    )
    if new_device and user.requires_second_factor() and _has_signed_in_before(user, device_hash):
        _notify_admins(user=user, ip=ip, user_agent=user_agent)
    return row


def _has_signed_in_before(user, device_hash) -> bool:
    # The very first sign-in of an account is not "a new device": there is no old one.
    return KnownDevice.objects.filter(user=user).exclude(device_hash=device_hash).exists()


def _notify_admins(*, user, ip, user_agent) -> None:
    store_ids = user.store_ids()
    group_ids = {group for _s, group, _r in user._membership_rows()}
    admins = (
        User.objects.filter(is_active=True, memberships__is_active=True, memberships__role=Role.ADMIN)
        .filter(
            Q(memberships__store_id__in=store_ids)
            | Q(memberships__store__isnull=True, memberships__group_id__in=group_ids)
        )
        .distinct()
    )
    SecurityNotice.objects.bulk_create(
        [
            SecurityNotice(
                recipient=admin, subject=user, kind=SecurityNotice.Kind.NEW_DEVICE, ip=ip, user_agent=user_agent
            )
            for admin in admins
        ]
    )


def session_ended(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def active_sessions(user):
    """The user's sessions that still exist (expired ones are dropped from the list as it is read)."""
    rows = list(UserSession.objects.filter(user=user))
    alive = [row for row in rows if SessionStore().exists(row.session_key)]
    gone = [row.pk for row in rows if row not in alive]
    if gone:
        UserSession.objects.filter(pk__in=gone).delete()
    return alive


def session_end(*, user, pk: int) -> None:
    """End one of the user's own sessions."""
    row = UserSession.objects.get(user=user, pk=pk)
    SessionStore(session_key=row.session_key).delete()
    row.delete()


def sessions_end_all(*, user, actor=None, keep: str | None = None) -> int:
    """Sign out everywhere: every session of `user` ends (except `keep`, the current one, when
    the user asks for the others only). Audited. Answers how many ended."""
    with transaction.atomic():
        rows = list(UserSession.objects.filter(user=user).exclude(session_key=keep or ""))
        for row in rows:
            SessionStore(session_key=row.session_key).delete()
        UserSession.objects.filter(pk__in=[row.pk for row in rows]).delete()
        audit_record(
            actor=actor or user,
            action=AuditEntry.Action.LOGOUT,
            obj=user,
            reason=f"sign out everywhere ({len(rows)})",
        )
    return len(rows)


def unread_notices(user):
    return SecurityNotice.objects.filter(recipient=user, read_at__isnull=True).select_related("subject")
