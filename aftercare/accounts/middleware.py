from urllib.parse import quote

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from aftercare.core.models import Store

SESSION_KEY = "current_store_id"


class CurrentStoreMiddleware:
    """Sets `request.store`: the store the user is working in now.

    Staff of several stores switch it in the top bar; it is the default for
    new documents and list filters, never a substitute for for_user() scoping.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.store = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            allowed = user.store_ids()
            wanted = request.session.get(SESSION_KEY)
            store_id = wanted if wanted in allowed else (allowed[0] if allowed else None)
            if store_id is not None:
                request.store = Store.objects.filter(pk=store_id).select_related("group").first()
        return self.get_response(request)


class VerifiedOTPMiddleware(OTPMiddleware):
    """django-otp's middleware without its query per request: the device that verified the
    session is loaded only when something asks for it. A reset of the devices ends the user's
    sessions (twofactor.second_factor_reset), so a session's mark cannot outlive its device."""

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        if user.is_authenticated:
            persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
            if persistent_id:
                user.otp_device = SimpleLazyObject(lambda: Device.from_persistent_id(persistent_id))
        return user


# Pages a signed-in user who still owes the second factor may open (docs/DOMAIN.md §24.1).
SECOND_FACTOR_OPEN = ("two_factor_verify", "two_factor_enrol", "logout", "set_language", "javascript-catalog")


class SecondFactorMiddleware:
    """A user whose role requires two factors (or who enrolled a device) reaches nothing but the
    verification, enrolment and sign-out pages until the session passed the second factor.
    Requests signed with an API token never carry a session here: the token was issued only
    after the second factor (docs/DOMAIN.md §24.1)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_verified():
            pending = request.session.get(PENDING_KEY) or user.requires_second_factor()
            if pending and not self._open(request):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": _("Two-factor sign-in required.")}, status=403)
                from .twofactor import has_device

                target = "two_factor_verify" if has_device(user) else "two_factor_enrol"
                return redirect(f"{reverse(target)}?next={quote(request.get_full_path())}")
        response = self.get_response(request)
        new_device = getattr(request, "new_device_id", "")
        if new_device:
            from .sessions import DEVICE_COOKIE, DEVICE_COOKIE_AGE

            response.set_cookie(
                DEVICE_COOKIE,
                new_device,
                max_age=DEVICE_COOKIE_AGE,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response

    @staticmethod
    def _open(request) -> bool:
        if request.path.startswith(settings.STATIC_URL):
            return True
        match = getattr(request, "resolver_match", None) or _resolve(request.path_info)
        return match is not None and match.url_name in SECOND_FACTOR_OPEN


# Set at sign-in for a user who enrolled a device without their role requiring one.
PENDING_KEY = "second_factor_pending"


def _resolve(path):
    try:
        return resolve(path)
    except Resolver404:
        return None
