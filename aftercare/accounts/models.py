"""Staff users and their roles in stores."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.core.models import DealerGroup, Store
from aftercare.core.permissions import Perm

from .roles import ROLE_PERMISSIONS, Role


class User(AbstractUser):
    """A member of staff. What they may do comes from their memberships, not
    from Django's per-user permission tables."""

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    # High-voltage certificate for EV work (docs/DOMAIN.md §17); booking and dispatch check it.
    hv_certified = models.BooleanField(_("high-voltage certified"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        # Every way of setting a password (the password page, the admin, changepassword, a reset) and
        # every deactivation ends up here: the user's API tokens stop working with it.
        password_changed = self._password is not None
        update_fields = kwargs.get("update_fields")
        deactivated = not self.is_active and (update_fields is None or "is_active" in update_fields)
        super().save(*args, **kwargs)
        if password_changed or deactivated:
            ApiToken.objects.revoke_all(self)

    # --- roles and stores, cached for the life of the request ---------------

    def _membership_rows(self) -> list[tuple[int | None, int, str]]:
        """(store_id or None for group-wide, group_id, role) for every active membership."""
        if not hasattr(self, "_memberships_cache"):
            self._memberships_cache = list(
                self.memberships.filter(is_active=True).values_list("store_id", "group_id", "role")
            )
        return self._memberships_cache

    def _store_roles(self) -> dict[int, frozenset[str]]:
        """store id -> the roles this user holds there (group-wide roles expanded)."""
        if not hasattr(self, "_store_roles_cache"):
            rows = self._membership_rows()
            group_ids = {group_id for store_id, group_id, _role in rows if store_id is None}
            group_stores: dict[int, list[int]] = {}
            if group_ids:
                for store_id, group_id in Store.objects.filter(group_id__in=group_ids).values_list("id", "group_id"):
                    group_stores.setdefault(group_id, []).append(store_id)
            roles: dict[int, set[str]] = {}
            for store_id, group_id, role in rows:
                for sid in [store_id] if store_id is not None else group_stores.get(group_id, []):
                    roles.setdefault(sid, set()).add(role)
            self._store_roles_cache = {sid: frozenset(r) for sid, r in roles.items()}
        return self._store_roles_cache

    def roles_at(self, store_id: int) -> frozenset[str]:
        return self._store_roles().get(store_id, frozenset())

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(role for _s, _g, role in self._membership_rows())

    def _is_root(self) -> bool:
        """An active superuser (manage.py createsuperuser, DOMAIN §1.2): every store of every group,
        every permission, with or without memberships."""
        return self.is_active and self.is_superuser

    def store_ids(self, perm: str | None = None) -> list[int]:
        """Stores this user may act on, optionally only those where one of
        their roles grants `perm`. Used by every for_user() queryset."""
        if self._is_root():
            if not hasattr(self, "_all_store_ids_cache"):
                self._all_store_ids_cache = sorted(Store.objects.values_list("pk", flat=True))
            return list(self._all_store_ids_cache)
        return sorted(
            store_id
            for store_id, roles in self._store_roles().items()
            if perm is None or any(perm in ROLE_PERMISSIONS.get(role, ()) for role in roles)
        )

    def group_ids(self, perm: str) -> list[int]:
        """Groups where a group-wide role (a membership with no store) grants `perm`:
        what belongs to a whole group, such as its default catalogue, is theirs.
        An active superuser has every group."""
        if self._is_root():
            return sorted(DealerGroup.objects.values_list("pk", flat=True))
        granting = {role for role, perms in ROLE_PERMISSIONS.items() if perm in perms}
        rows = self._membership_rows()
        return sorted({group_id for store_id, group_id, role in rows if store_id is None and role in granting})

    def perms_at(self, store_id: int) -> frozenset[str]:
        if self._is_root():
            return frozenset(Perm.ALL)
        perms: set[str] = set()
        for role in self.roles_at(store_id):
            perms |= ROLE_PERMISSIONS.get(role, frozenset())
        return frozenset(perms)

    def allowed_at(self, store_id: int) -> frozenset[str]:
        """Every permission has_perm(perm, obj) grants at one store, as one set: for a
        page's several buttons without asking every backend per button. Active
        superusers hold everything, inactive users nothing."""
        if not self.is_active:
            return frozenset()
        return self.perms_at(store_id)

    def requires_second_factor(self) -> bool:
        """Does any role of this user (or being a superuser) require two-factor sign-in
        (docs/DOMAIN.md §24.1)? Read from the cached memberships: no query of its own on a page."""
        from .roles import TWO_FACTOR_ROLES

        if self._is_root():
            return True
        return any(role in TWO_FACTOR_ROLES for _s, _g, role in self._membership_rows())

    def forget_memberships(self) -> None:
        """Drop the per-request cache after memberships changed."""
        for attr in ("_memberships_cache", "_store_roles_cache", "_all_store_ids_cache"):
            self.__dict__.pop(attr, None)


class Membership(models.Model):
    """A user's role in one store, or in every store of a group (store empty)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+", verbose_name=_("dealer group"))
    store = models.ForeignKey(
        Store,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("store"),
        help_text=_("Empty for a role that spans every store of the group."),
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "store", "role"], condition=Q(store__isnull=False), name="membership_unique_store_role"
            ),
            models.UniqueConstraint(
                fields=["user", "group", "role"], condition=Q(store__isnull=True), name="membership_unique_group_role"
            ),
        ]

    def __str__(self) -> str:
        where = self.store.name if self.store_id else self.group.name
        return f"{self.user} · {self.get_role_display()} · {where}"


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())

    def revoke_all(self, user) -> int:
        """Revoke every token of `user` still in force; answers how many."""
        return self.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


class ApiToken(models.Model):
    """A key for the API (`Authorization: Token <key>`). Only a hash is stored: the key is shown
    once, when it is issued. It expires after settings.API_TOKEN_DAYS and is revoked on a
    password change, on deactivation, by an administrator or by its owner."""

    # DRF's TokenAuthentication reads `key`; here it is the hash of the key.
    key = models.CharField(_("key hash"), max_length=64, unique=True)
    prefix = models.CharField(_("key starts with"), max_length=8)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @classmethod
    def issue(cls, user, name: str = "") -> tuple["ApiToken", str]:
        """A new token for `user`: (the row, the key to hand over once)."""
        key = secrets.token_hex(20)
        token = cls.objects.create(
            user=user,
            key=_hash_key(key),
            prefix=key[:8],
            name=name,
            expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_DAYS),
        )
        return token, key

    @classmethod
    def for_key(cls, key: str) -> "ApiToken":
        return cls.objects.select_related("user").get(key=_hash_key(key))

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class UserSession(models.Model):
    """A signed-in session of a user (docs/DOMAIN.md §24.3): listed on "My sessions", ended one by
    one or all at once ("sign out everywhere"). Written at sign-in, removed at sign-out."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("user"))
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    device_hash = models.CharField(_("device"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("signed in at"), auto_now_add=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"


class KnownDevice(models.Model):
    """A browser a user has signed in from before (a long-lived random cookie, stored hashed):
    the first sign-in of an administrator-class user from a new one notifies the administrators."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("user"))
    device_hash = models.CharField(_("device"), max_length=64)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    first_seen_at = models.DateTimeField(_("first seen"), auto_now_add=True)

    class Meta:
        verbose_name = _("known device")
        verbose_name_plural = _("known devices")
        constraints = [models.UniqueConstraint(fields=["user", "device_hash"], name="known_device_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.first_seen_at:%Y-%m-%d}"


class SecurityNotice(models.Model):
    """A notice to an administrator about an account's security, e.g. a sign-in from a new device
    (docs/DOMAIN.md §24.3). Shown on the administrator's home page until read."""

    class Kind(models.TextChoices):
        NEW_DEVICE = "new_device", _("Sign-in from a new device")

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("recipient"))
    subject = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("account"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("security notice")
        verbose_name_plural = _("security notices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="security_notice_unread")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.subject}"
