from django.contrib.auth.backends import ModelBackend

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


class LoginBackend(ModelBackend):
    """Checks a login name and password, and nothing else.

    Permissions come from roles (RolePermissionBackend). Django's own
    per-user and per-group permission tables are never used here, yet
    ModelBackend would read them on the first `has_perm` of every request
    (two queries a page) before the role backend is asked.
    """

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        return set()

    def has_perm(self, user_obj, perm, obj=None):
        return False

    def has_module_perms(self, user_obj, app_label):
        return False
