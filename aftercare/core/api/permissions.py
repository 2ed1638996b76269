from rest_framework.permissions import BasePermission


def require(perm: str) -> type[BasePermission]:
    """A DRF permission class: the user holds `perm` in at least one store, and
    for object views, in the object's store. Scoping is still for_user()."""

    class HasPerm(BasePermission):
        def has_permission(self, request, view):
            return bool(request.user and request.user.is_authenticated and request.user.has_perm(perm))

        def has_object_permission(self, request, view, obj):
            return request.user.has_perm(perm, obj)

    HasPerm.__name__ = f"Has_{perm.replace('.', '_')}"
    return HasPerm
