"""Masking of personal data in lists, search results and the audit trail."""

import re

_DIGITS = re.compile(r"\D")


def mask_phone(value: str | None) -> str:
    """138****5678 for a mainland mobile; other numbers keep only the last 4."""
    if not value:
        return ""
    digits = _DIGITS.sub("", value)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) == 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def may_reveal(user, obj) -> bool:
    """May `user` see full contact details of `obj` (anything with a store_id)? The one
    decision behind every phone shown to staff: contact.reveal in that store."""
    from .permissions import Perm

    return user is not None and user.is_authenticated and user.has_perm(Perm.CONTACT_REVEAL, obj)


def shown_phone(user, obj, value: str | None) -> str:
    """`value`, a phone of `obj`'s customer, as `user` may see it: in full or masked."""
    return (value or "") if may_reveal(user, obj) else mask_phone(value)


def mask_name(value: str | None) -> str:
    """张** for 张三丰: keep the surname only."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


def mask_text(value: str | None) -> str:
    """For free text such as an address: keep the first 6 characters."""
    if not value:
        return ""
    return value[:6] + ("…" if len(value) > 6 else "")


# Fields whose values the audit trail never stores in clear.
PERSONAL_FIELD_MASKS = {
    "mobile": mask_phone,
    "phone": mask_phone,
    "contact_phone": mask_phone,
    "address": mask_text,
    "id_number": mask_text,
    "wechat_id": mask_text,
    "email": mask_text,
    "password": lambda value: "********",
}


def mask_field(field_name: str, value):
    masker = PERSONAL_FIELD_MASKS.get(field_name)
    if masker is None or value in (None, ""):
        return value
    return masker(str(value))


# --- Field-level access by role (docs/DOMAIN.md §24.2) -------------------------------------
# One mechanism for the pages, the API, the exports and the printed documents. The table of
# which role sees which group of fields lives next to the role matrix (accounts.roles) and is
# registered here by accounts at start-up; core knows only the questions.
HIDDEN = "—"
_policy: dict = {"fields": {}, "groups_at": None}


def register_field_policy(*, personal_fields: dict[str, dict[str, str]], groups_at) -> None:
    """`personal_fields`: model label ("customers.customer") -> {field: group};
    `groups_at(user, store_id)`: the groups the user sees in that store."""
    _policy["fields"] = personal_fields
    _policy["groups_at"] = groups_at


def field_group(model_label: str, field: str) -> str | None:
    return _policy["fields"].get(model_label, {}).get(field)


def hidden_fields(user, store_id, model_label: str) -> frozenset[str]:
    """The fields of `model_label` that `user` may not see in `store_id` (empty: all visible).
    `user` None is the system itself (scheduled jobs, the demo), which sees everything."""
    fields = _policy["fields"].get(model_label)
    groups_at = _policy["groups_at"]
    if not fields or groups_at is None or user is None:
        return frozenset()
    groups = _groups_cached(user, store_id, groups_at)
    return frozenset(name for name, group in fields.items() if group not in groups)


def _groups_cached(user, store_id, groups_at) -> frozenset[str]:
    # Per user object, i.e. per request: a list of customers asks once per store.
    cache = user.__dict__.setdefault("_visible_field_groups", {})
    if store_id not in cache:
        cache[store_id] = groups_at(user, store_id)
    return cache[store_id]


def field_visible(user, obj, field: str) -> bool:
    """May `user` see `field` of `obj` (a model instance with a store_id)?"""
    return field not in hidden_fields(user, getattr(obj, "store_id", None), obj._meta.label_lower)


def shown_field(user, obj, field: str, value=None, hidden=HIDDEN):
    """`obj.field` (or `value`) as `user` may see it: the value, or `hidden`."""
    if not field_visible(user, obj, field):
        return hidden
    return getattr(obj, field) if value is None else value
