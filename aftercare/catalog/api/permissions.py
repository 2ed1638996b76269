from rest_framework.permissions import SAFE_METHODS, BasePermission

from aftercare.core.api.permissions import require
from aftercare.core.permissions import Perm

from ..services import READ_PERMS, can_manage


class CatalogAccess(BasePermission):
    """Read: any permission of READ_PERMS in some store (rows are then scoped by
    for_user()). Write: CATALOG_MANAGE, and for an existing entry the right to
    change that entry (its store, or for a group default a store of its group)."""

    def has_permission(self, request, view):
        perms = READ_PERMS if request.method in SAFE_METHODS else (Perm.CATALOG_MANAGE,)
        return any(require(perm)().has_permission(request, view) for perm in perms)

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or can_manage(request.user, obj)
