"""Reads about staff that other apps share."""

from django.db.models import F, Q

from aftercare.core.models import Store

from .models import Membership
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
