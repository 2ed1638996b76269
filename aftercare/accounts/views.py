from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.core.forms import StyledFormMixin
from aftercare.core.home import home_cards
from aftercare.core.models import Store
from aftercare.core.tables import lazy_page
from aftercare.core.views import htmx_partial, permission_required, post_form, run_action

from . import services, sessions, twofactor
from .forms import MembershipForm, SecondFactorForm, StoreForm, UserCreateForm
from .middleware import PENDING_KEY, SESSION_KEY
from .models import ApiToken, Membership, SecurityNotice, User, UserSession
from .roles import DEMO_LOGINS, ROLE_PERMISSIONS, Perm, Role


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.DEMO_MODE:
            context["demo_logins"] = DEMO_LOGINS
            context["demo_password"] = settings.DEMO_PASSWORD
        return context


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's live work list (docs/DOMAIN.md §22): the cards the apps registered for
    the user's roles at the current store, counted, overdue first. htmx polls the cards."""
    store = request.store
    roles = request.user.roles_at(store.pk) if store else frozenset()
    role_labels = [str(label) for value, label in Role.choices if value in roles]
    cards = home_cards(user=request.user, store=store, roles=roles, now=timezone.now())
    context = {"cards": cards, "role_names": role_labels, "has_roles": bool(roles)}
    template = "accounts/home.html#cards" if htmx_partial(request) else "accounts/home.html"
    return render(request, template, context)


@login_required
@require_POST
def switch_store(request: HttpRequest) -> HttpResponse:
    store_id = request.POST.get("store", "")
    store_id = int(store_id) if store_id.isdigit() else 0
    if store_id not in request.user.store_ids():
        raise PermissionDenied
    request.session[SESSION_KEY] = store_id
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    return redirect(next_url)


@login_required
def store_list(request: HttpRequest) -> HttpResponse:
    stores = Store.objects.for_user(request.user).select_related("group")
    return render(request, "accounts/store_list.html", {"stores": stores})


@login_required
def store_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # for_user() first: a store the user does not belong to is a 404, not a 403,
    # so its existence is not revealed.
    store = get_object_or_404(Store.objects.for_user(request.user).select_related("group"), pk=pk)
    can_manage = request.user.has_perm(Perm.STORE_MANAGE, store)
    form = None
    if can_manage:
        form = StoreForm(request.POST or None, instance=Store.objects.get(pk=store.pk))
        if request.method == "POST":
            saved = post_form(
                request,
                form,
                lambda data: services.store_update(actor=request.user, store=store, **data),
                success=_("Store settings saved."),
            )
            if saved.ok:
                return redirect("accounts:store_detail", pk=store.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(request, "accounts/store_detail.html", {"store": store, "form": form})


def _users_of(stores):
    return (
        User.objects.filter(memberships__store__in=stores)
        .distinct()
        .prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("store", "group").order_by("id"))
        )
        .order_by("username")
    )


@permission_required(Perm.USER_MANAGE)
def user_list(request: HttpRequest) -> HttpResponse:
    stores = Store.objects.for_user(request.user, Perm.USER_MANAGE)
    page = lazy_page(request, _users_of(stores), per_page=50)
    return render(request, "accounts/user_list.html", {"page": page, "form": UserCreateForm()})


@permission_required(Perm.USER_MANAGE)
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST":
        outcome = post_form(
            request,
            form,
            lambda data: services.user_create(actor=request.user, store=request.store, **data),
            success=lambda user: _("User %(name)s created.") % {"name": user},
        )
        if outcome.ok:
            return redirect("accounts:user_detail", pk=outcome.result.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@permission_required(Perm.USER_MANAGE)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    stores = Store.objects.for_user(request.user, Perm.USER_MANAGE)
    user = get_object_or_404(_users_of(stores), pk=pk)
    form = MembershipForm(request.POST or None)
    if request.method == "POST":
        granted = post_form(
            request,
            form,
            lambda data: services.membership_grant(
                actor=request.user, user=user, store=request.store, role=data["role"]
            ),
            success=_("Role added."),
        )
        if granted.ok:
            return redirect("accounts:user_detail", pk=user.pk)
    tokens_in_force = ApiToken.objects.usable().filter(user=user).count()
    return render(
        request, "accounts/user_detail.html", {"subject": user, "form": form, "tokens_in_force": tokens_in_force}
    )


@permission_required(Perm.USER_MANAGE)
@require_POST
def user_tokens_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    stores = Store.objects.for_user(request.user, Perm.USER_MANAGE)
    user = get_object_or_404(_users_of(stores), pk=pk)
    run_action(
        request,
        lambda: services.api_tokens_revoke(actor=request.user, user=user, store=request.store),
        success=lambda count: _("%(count)s API tokens revoked.") % {"count": count},
    )
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
def my_tokens(request: HttpRequest) -> HttpResponse:
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "accounts/my_tokens.html", {"tokens": tokens, "days": settings.API_TOKEN_DAYS})


@login_required
@require_POST
def my_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=pk)
    run_action(
        request,
        lambda: services.api_token_revoke_own(user=request.user, token=token),
        success=_("API token revoked."),
    )
    return redirect("accounts:my_tokens")


@permission_required(Perm.USER_MANAGE)
@require_POST
def membership_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    stores = Store.objects.for_user(request.user, Perm.USER_MANAGE)
    membership = get_object_or_404(Membership.objects.filter(store__in=stores), pk=pk)
    run_action(
        request,
        lambda: services.membership_revoke(actor=request.user, membership=membership),
        success=_("Role removed."),
    )
    return redirect("accounts:user_detail", pk=membership.user_id)


@permission_required(Perm.USER_MANAGE)
def permission_matrix(request: HttpRequest) -> HttpResponse:
    roles = list(Role)
    rows = [
        {"perm": perm, "label": label, "cells": [perm in ROLE_PERMISSIONS[role] for role in roles]}
        for perm, label in Perm.LABELS.items()
    ]
    return render(request, "accounts/permission_matrix.html", {"roles": roles, "rows": rows})


class StyledPasswordChangeForm(StyledFormMixin, PasswordChangeForm):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    form_class = StyledPasswordChangeForm

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)

    def get_success_url(self):
        return "/"


# --- Two-factor sign-in (docs/DOMAIN.md §24.1) --------------------------------


def _next_url(request) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    return next_url


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator app or a recovery code."""
    if not twofactor.has_device(request.user) and not twofactor.is_verified(request):
        return redirect("two_factor_enrol")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST":
        outcome = post_form(
            request, form, lambda data: twofactor.verify(request=request, user=request.user, token=data["token"])
        )
        if outcome.ok:
            request.session.pop(PENDING_KEY, None)
            return redirect(_next_url(request))
    demo_code = twofactor.demo_code(request.user) if settings.DEMO_MODE else ""
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": _next_url(request), "demo_code": demo_code},
    )


@login_required
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Enrolment: scan the QR code, type a code to confirm; recovery codes are shown once.
    A user who already has a device must have passed it in this session to replace it."""
    if twofactor.has_device(request.user) and not twofactor.is_verified(request):
        return redirect("two_factor_verify")
    device = twofactor.enrolment_device(request.user)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST":
        outcome = post_form(
            request,
            form,
            lambda data: twofactor.enrolment_confirm(request=request, user=request.user, token=data["token"]),
            success=_("Two-factor sign-in is on."),
        )
        if outcome.ok:
            request.session.pop(PENDING_KEY, None)
            return render(
                request, "accounts/recovery_codes.html", {"codes": outcome.result, "next": _next_url(request)}
            )
    context = {
        "form": form,
        "qr": twofactor.qr_svg(device),
        "secret": twofactor.secret_base32(device),
        "next": _next_url(request),
        "required": request.user.requires_second_factor(),
    }
    return render(request, "accounts/two_factor_enrol.html", context)


@login_required
@require_POST
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    if not twofactor.is_verified(request):
        return redirect("two_factor_verify")
    codes = twofactor.recovery_codes_renew(user=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("accounts:my_security")})


@permission_required(Perm.USER_MANAGE)
@require_POST
def user_two_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    stores = Store.objects.for_user(request.user, Perm.USER_MANAGE)
    user = get_object_or_404(_users_of(stores), pk=pk)
    run_action(
        request,
        lambda: twofactor.second_factor_reset(actor=request.user, user=user, store=request.store),
        success=_("Two-factor sign-in reset: the user enrols again at the next sign-in."),
    )
    return redirect("accounts:user_detail", pk=user.pk)


# --- Sessions (docs/DOMAIN.md §24.3) ------------------------------------------


@login_required
def my_security(request: HttpRequest) -> HttpResponse:
    """Two-factor status, the active sessions with "sign out everywhere", and (administrators)
    the notices of sign-ins from new devices."""
    rows = sessions.active_sessions(request.user)
    notices = list(sessions.unread_notices(request.user)[:50])
    context = {
        "sessions": rows,
        "current": request.session.session_key,
        "has_device": twofactor.has_device(request.user),
        "required": request.user.requires_second_factor(),
        "verified": twofactor.is_verified(request),
        "notices": notices,
    }
    return render(request, "accounts/my_security.html", context)


@login_required
@require_POST
def my_session_end(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(UserSession.objects.filter(user=request.user), pk=pk)
    sessions.session_end(user=request.user, pk=pk)
    messages.success(request, _("The session was signed out."))
    return redirect("accounts:my_security")


@login_required
@require_POST
def my_sessions_end_all(request: HttpRequest) -> HttpResponse:
    """Sign out everywhere, this browser included."""
    count = sessions.sessions_end_all(user=request.user)
    logout(request)
    messages.success(request, _("%(count)s sessions signed out.") % {"count": count})
    return redirect("login")


@login_required
@require_POST
def my_notices_read(request: HttpRequest) -> HttpResponse:
    SecurityNotice.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("accounts:my_security")


@login_required
@require_POST
def my_token_issue(request: HttpRequest) -> HttpResponse:
    """A new API token, from a session that passed the second factor (docs/DOMAIN.md §24.1);
    the key is shown once."""
    if not twofactor.is_verified(request):
        messages.error(request, _("Pass two-factor sign-in before you issue an API token."))
        return redirect("two_factor_enrol" if not twofactor.has_device(request.user) else "two_factor_verify")
    _token, key = ApiToken.issue(request.user, name="web")
    tokens = ApiToken.objects.filter(user=request.user)
    context = {"tokens": tokens, "days": settings.API_TOKEN_DAYS, "new_key": key}
    return render(request, "accounts/my_tokens.html", context)
