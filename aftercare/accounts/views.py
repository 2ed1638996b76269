from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.core.forms import StyledFormMixin
from aftercare.core.home import home_cards
from aftercare.core.models import Store
from aftercare.core.tables import lazy_page
from aftercare.core.views import htmx_partial, permission_required, post_form, run_action

from . import services
from .forms import MembershipForm, StoreForm, UserCreateForm
from .middleware import SESSION_KEY
from .models import ApiToken, Membership, User
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
