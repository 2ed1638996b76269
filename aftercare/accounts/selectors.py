"""Reads about staff that other apps share."""

from collections.abc import Iterable

from django.db.models import F, Q

from aftercare.core.models import Store

from .models import Membership, User
from .roles import Role


def store_service_manager(store: Store):
    """The store's service manager (a store-level role before a group-wide one), or None:
    who owns complaints and the follow-ups nobody else is assigned."""
    membership = (
        Membership.objects.filter(role=Role.SERVICE_MANAGER, is_active=True, user__is_active=True)
        .filter(Q(store=store) | Q(store__isnull=True, group_id=store.group_id))
        .select_related("user")
        .order_by(F("store_id").asc(nulls_last=True), "id")
        .first()
    )
    return membership.user if membership else None


def staff_with_role(role: str | Iterable[str], store_ids: Iterable[int]):
    """Active users holding `role` (one or several) in any of the stores, or group-wide in
    their groups, by name: what a person filter of a list offers, so an advisor filter lists
    advisors and never technicians."""
    roles = [role] if isinstance(role, str) else list(role)
    store_ids = list(store_ids)
    group_ids = Store.objects.filter(pk__in=store_ids).values("group_id")
    memberships = Membership.objects.filter(is_active=True, role__in=roles).filter(
        Q(store_id__in=store_ids) | Q(store__isnull=True, group_id__in=group_ids)
    )
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id")).order_by("full_name", "username")
