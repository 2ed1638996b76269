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


def only_store_id(store_ids: list[int]) -> int:
    """The store a request means when it names none: the user's only store for the action.
    400 with what is actually wrong when there is none, or more than one to choose from."""
    from rest_framework.exceptions import ValidationError

    if not store_ids:
        raise ValidationError({"store": ["You are in no store where you may do this."]})
    if len(store_ids) > 1:
        raise ValidationError({"store": ["You work in several stores: give the store id."]})
    return store_ids[0]
