import time

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from .audit import current_ip


class AuditContextMiddleware:
    """Remembers the client address of the current request for the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(request.META.get("REMOTE_ADDR"))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)


class SessionRefreshMiddleware:
    """Sliding idle timeout without a write per request: when a signed-in
    user's session was last refreshed more than SESSION_REFRESH_SECONDS ago,
    mark it modified so Django saves it with a new expiry."""

    KEY = "_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty() and session.get("_auth_user_id"):
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[self.KEY] = now
        return response


class ContentSecurityPolicyMiddleware:
    """Sends settings.CONTENT_SECURITY_POLICY on every response that has none: scripts only from the
    app's own static files (no inline script or handler: pages bind behaviour by data attributes in
    static/aftercare/behaviours.js), everything else from the app itself."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class SecureCookiesMiddleware:
    """Every cookie set on a response to a request that came over HTTPS is Secure, whatever
    SESSION_COOKIE_SECURE says (docs/DOMAIN.md §24.3): an installation served over HTTPS never
    sends the session over plain HTTP, even when HTTPS=1 was forgotten. It sits above the session
    middleware so that it sees the session and CSRF cookies too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.is_secure():
            for morsel in response.cookies.values():
                morsel["secure"] = True
        return response


class NullCharacterMiddleware:
    """Answers 400 to a request whose address or query carries a NUL character. No text a user
    means holds one, PostgreSQL cannot store or compare it, and the views that read a query
    parameter by hand would otherwise pass it to the database (forms and serializers already
    refuse it in bodies)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad = [key for key, values in request.GET.lists() if "\x00" in key or any("\x00" in v for v in values)]
        if bad or "\x00" in request.path:
            message = _("Null characters are not allowed.")
            if request.path.startswith("/api/"):
                return JsonResponse({key or "non_field_errors": [message] for key in bad or [""]}, status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)
