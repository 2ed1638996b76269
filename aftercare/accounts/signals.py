"""Log-ins and log-outs go to the audit trail (who saw the system, and when)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry


@receiver(user_logged_in)
def _audit_login(sender, request, user, **kwargs):
    audit_record(actor=user, action=AuditEntry.Action.LOGIN, obj=user)
    if request is None or not hasattr(request, "session"):
        return
    from .middleware import PENDING_KEY
    from .sessions import session_started
    from .twofactor import has_device

    # docs/DOMAIN.md §24.1: a user who chose two factors is asked for them like one who must.
    if not user.requires_second_factor() and has_device(user):
        request.session[PENDING_KEY] = True
    session_started(request=request, user=user)


@receiver(user_logged_out)
def _audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action=AuditEntry.Action.LOGOUT, obj=user)
    session = getattr(request, "session", None)
    if session is not None:
        from .sessions import session_ended

        session_ended(session_key=session.session_key)


@receiver(user_login_failed)
def _audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit_record(actor=None, action=AuditEntry.Action.LOGIN_FAILED, object_repr=username)
