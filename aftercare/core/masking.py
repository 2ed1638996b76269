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
