"""Changes to users, roles and stores. Each runs in one transaction and writes
the audit trail."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.core.audit import audit_record, diff, snapshot
from aftercare.core.models import AuditEntry, Store
from aftercare.core.permissions import require

from .models import ApiToken, Membership, User
from .roles import Perm

USER_AUDIT_FIELDS = ["username", "full_name", "mobile", "email", "is_active", "hv_certified"]
STORE_AUDIT_FIELDS = ["name", "address", "phone", "rescue_phone", "opens_at", "closes_at", "is_active"]


def user_create(
    *,
    actor: User,
    store: Store,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    mobile: str = "",
    email: str = "",
    hv_certified: bool = False,
) -> User:
    """Create a staff user with a first role in `store`."""
    require(actor, Perm.USER_MANAGE, store)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This login name is already taken.")})
    with transaction.atomic():
        user = User(username=username, full_name=full_name, mobile=mobile, email=email, hv_certified=hv_certified)
        user.set_password(password)
        user.save()
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE,
            obj=user,
            store=store,
            changes=diff({}, snapshot(user, USER_AUDIT_FIELDS)),
        )
        membership_grant(actor=actor, user=user, store=store, role=role)
    return user


def user_update(*, actor: User, user: User, store: Store, **fields) -> User:
    """Change a user's details. `store` is the store in which the actor manages them."""
    require(actor, Perm.USER_MANAGE, store)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = snapshot(user, USER_AUDIT_FIELDS)
        for name, value in fields.items():
            if name not in USER_AUDIT_FIELDS:
                raise ValueError(f"{name} is not an editable user field")
            setattr(user, name, value)
        user.full_clean(exclude=["password"])
        user.save(update_fields=list(fields))
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=user,
            store=store,
            changes=diff(before, snapshot(user, USER_AUDIT_FIELDS)),
        )
    return user


def api_tokens_revoke(*, actor: User, user: User, store: Store) -> int:
    """An administrator revokes every API token of `user` still in force; answers how many."""
    require(actor, Perm.USER_MANAGE, store)
    with transaction.atomic():
        count = ApiToken.objects.revoke_all(user)
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=user,
            store=store,
            changes={"api_tokens_in_force": [count, 0]},
            reason=_("All API tokens revoked"),
        )
    return count


def api_token_revoke_own(*, user: User, token: ApiToken) -> None:
    """A user revokes one of their own API tokens."""
    if token.user_id != user.pk:
        raise PermissionDenied
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def membership_grant(*, actor: User, user: User, store: Store, role: str) -> Membership:
    require(actor, Perm.USER_MANAGE, store)
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, store=store, role=role, defaults={"group_id": store.group_id}
        )
        if not created and membership.is_active:
            return membership
        if not created:
            membership.is_active = True
            membership.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE,
            obj=membership,
            store=store,
            changes={"role": [None, role], "user": [None, user.username]},
        )
    user.forget_memberships()
    return membership


def membership_revoke(*, actor: User, membership: Membership) -> None:
    """Deactivate a role; the row stays so the audit trail keeps its meaning."""
    store = membership.store
    if store is None:
        raise PermissionDenied(_("Group-wide roles are changed by the group administrator."))
    require(actor, Perm.USER_MANAGE, store)
    if membership.user_id == actor.pk and membership.role == "admin":
        raise ValidationError(_("You cannot remove your own administrator role."))
    with transaction.atomic():
        updated = Membership.objects.filter(pk=membership.pk, is_active=True).update(is_active=False)
        if updated:
            audit_record(
                actor=actor,
                action=AuditEntry.Action.UPDATE,
                obj=membership,
                store=store,
                changes={"is_active": [True, False], "role": [membership.role, membership.role]},
            )


def store_update(*, actor: User, store: Store, **fields) -> Store:
    require(actor, Perm.STORE_MANAGE, store)
    with transaction.atomic():
        store = Store.objects.select_for_update().get(pk=store.pk)
        before = snapshot(store, STORE_AUDIT_FIELDS)
        for name, value in fields.items():
            if name not in STORE_AUDIT_FIELDS:
                raise ValueError(f"{name} is not an editable store field")
            setattr(store, name, value)
        store.full_clean()
        store.save(update_fields=[*fields, "updated_at"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=store,
            changes=diff(before, snapshot(store, STORE_AUDIT_FIELDS)),
        )
    return store
