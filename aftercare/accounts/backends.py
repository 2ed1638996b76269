from .models import User


class RolePermissionBackend:
    """Answers `user.has_perm(perm, obj)` from the user's roles.

    With an object, the roles held at the object's store count; without one,
    a role anywhere counts (used to show or hide navigation). Authentication
    itself is left to ModelBackend.
    """

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        return None

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        if not user_obj.is_active or not isinstance(user_obj, User):
            return False
        if obj is None:
            return bool(user_obj.store_ids(perm))
        store_id = getattr(obj, "store_id", None)
        return store_id is not None and perm in user_obj.perms_at(store_id)

    def has_module_perms(self, user_obj, app_label) -> bool:
        return False
