"""Roles (docs/DOMAIN.md §1.2) and what each may do: the one place where roles get permissions.

Permissions (core/permissions.py) are plain strings "<area>.<action>". `user.has_perm(perm, obj)`
answers for the store of obj (RolePermissionBackend); querysets use
`Model.objects.for_user(user, perm)`. The matrix is pinned by
accounts/tests/test_permissions.py, so any change here is a visible decision.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftercare.core.permissions import Perm


class Role(models.TextChoices):
    ADVISOR = "advisor", _("Service advisor")
    TECHNICIAN = "technician", _("Technician")
    FOREMAN = "foreman", _("Foreman / QC inspector")
    PARTS_CLERK = "parts_clerk", _("Parts clerk")
    CASHIER = "cashier", _("Cashier")
    CUSTOMER_CARE = "customer_care", _("Customer-care specialist")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    VIC_SPECIALIST = "vic_specialist", _("VIC specialist")
    ADMIN = "admin", _("Administrator")
    WARRANTY_CLERK = "warranty_clerk", _("Warranty clerk")


R = Role
_FRONT_DESK = {Perm.STORE_VIEW, Perm.CUSTOMER_VIEW, Perm.REPAIR_ORDER_VIEW, Perm.COMPLAINT_CREATE}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    R.ADVISOR: frozenset(
        _FRONT_DESK
        | {
            Perm.CUSTOMER_EDIT,
            Perm.CONTACT_REVEAL,
            Perm.APPOINTMENT_EDIT,
            Perm.REPAIR_ORDER_EDIT,
            Perm.FOLLOWUP_WORK,
            Perm.VIC_VIEW,
            Perm.DESK_WORK,
        }
    ),
    R.TECHNICIAN: frozenset({Perm.STORE_VIEW, Perm.CUSTOMER_VIEW, Perm.REPAIR_ORDER_VIEW, Perm.JOB_CLOCK}),
    R.FOREMAN: frozenset(
        {
            Perm.STORE_VIEW,
            Perm.CUSTOMER_VIEW,
            Perm.REPAIR_ORDER_VIEW,
            Perm.REPAIR_ORDER_EDIT,
            Perm.DISPATCH,
            Perm.JOB_CLOCK,
            Perm.QUALITY_CHECK,
        }
    ),
    R.PARTS_CLERK: frozenset({Perm.STORE_VIEW, Perm.REPAIR_ORDER_VIEW, Perm.PARTS_MANAGE}),
    R.CASHIER: frozenset(_FRONT_DESK | {Perm.PAYMENT_POST, Perm.VIC_VIEW}),
    # A customer specialist sees basic customer information but not complaint
    # details, which belong to the service manager (docs/DOMAIN.md §1.2, §8.1).
    R.CUSTOMER_CARE: frozenset(
        {
            Perm.STORE_VIEW,
            Perm.CUSTOMER_VIEW,
            Perm.CUSTOMER_EDIT,
            Perm.CONTACT_REVEAL,
            Perm.FOLLOWUP_WORK,
            Perm.COMPLAINT_CREATE,
            Perm.CAMPAIGN_MANAGE,
            Perm.PRIVACY_REQUEST,
            # The service desk (docs/DOMAIN.md §25.1): rescues, answers, alerts, recoveries.
            Perm.DESK_WORK,
            Perm.FAQ_MANAGE,
        }
    ),
    R.SERVICE_MANAGER: frozenset(
        _FRONT_DESK
        | {
            Perm.AUDIT_VIEW,
            Perm.CATALOG_MANAGE,
            Perm.CUSTOMER_EDIT,
            Perm.CUSTOMER_MERGE,
            Perm.CONTACT_REVEAL,
            Perm.DATA_EXPORT,
            Perm.APPOINTMENT_EDIT,
            Perm.REPAIR_ORDER_EDIT,
            Perm.REPAIR_ORDER_DELETE,
            Perm.APPOINTMENT_DELETE,
            Perm.COMPLAINT_DELETE,
            Perm.DELETION_LOG_VIEW,
            Perm.DISPATCH,
            Perm.QUALITY_CHECK,
            Perm.PARTS_MANAGE,
            Perm.PARTS_APPROVE,
            Perm.PAYMENT_POST,
            Perm.PAYMENT_REVERSE,
            Perm.CREDIT_APPROVE,
            Perm.DISCOUNT_APPROVE,
            Perm.FOLLOWUP_WORK,
            Perm.COMPLAINT_VIEW,
            Perm.COMPLAINT_MANAGE,
            Perm.CAMPAIGN_MANAGE,
            Perm.REPORT_VIEW,
            Perm.TARGET_SET,
            Perm.WARRANTY_VIEW,
            Perm.WARRANTY_APPROVE,
            Perm.PRIVACY_REQUEST,
            Perm.PRIVACY_MANAGE,
            Perm.VIC_VIEW,
            Perm.VIC_WORK,
            Perm.VIC_ENROL,
            Perm.DESK_WORK,
            Perm.FAQ_MANAGE,
        }
    ),
    # 保修专员: claims to the carmaker and the policies they rest on (docs/DOMAIN.md §14).
    R.WARRANTY_CLERK: frozenset(
        {Perm.STORE_VIEW, Perm.CUSTOMER_VIEW, Perm.REPAIR_ORDER_VIEW, Perm.WARRANTY_VIEW, Perm.WARRANTY_MANAGE}
    ),
    R.VIC_SPECIALIST: frozenset(
        _FRONT_DESK
        | {
            Perm.CUSTOMER_EDIT,
            Perm.CONTACT_REVEAL,
            Perm.APPOINTMENT_EDIT,
            Perm.FOLLOWUP_WORK,
            Perm.VIC_VIEW,
            Perm.VIC_WORK,
            Perm.DESK_WORK,
        }
    ),
    # The administrator runs the system, not the service desk: no customer data.
    R.ADMIN: frozenset(
        {
            Perm.STORE_VIEW,
            Perm.STORE_MANAGE,
            Perm.USER_MANAGE,
            Perm.AUDIT_VIEW,
            Perm.BACKUP_RUN,
            Perm.CATALOG_MANAGE,
            # The access log and its alerts, retention limits (docs/DOMAIN.md §16.6, §16.7).
            Perm.PRIVACY_MANAGE,
        }
    ),
}


def role_has_perm(role: str, perm: str) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())


# The demo's login name per role (seed_demo creates them; the login page lists
# them in demo mode). Staff of the demo's later stores get a number suffix.
DEMO_LOGINS: tuple[tuple[str, Role], ...] = (
    ("advisor", Role.ADVISOR),
    ("tech", Role.TECHNICIAN),
    ("foreman", Role.FOREMAN),
    ("parts", Role.PARTS_CLERK),
    ("cashier", Role.CASHIER),
    ("care", Role.CUSTOMER_CARE),
    ("manager", Role.SERVICE_MANAGER),
    ("vic", Role.VIC_SPECIALIST),
    ("admin", Role.ADMIN),
    ("warranty", Role.WARRANTY_CLERK),
)


# --- Two-factor sign-in (docs/DOMAIN.md §24.1) --------------------------------
# A second factor is required of the administrator, the service manager and every role that
# holds a permission to take personal data out of the system in bulk. The set is derived from
# the matrix above, so a role given such a permission later needs two factors at once.
# The rights desk prepares and downloads a customer's whole file (docs/DOMAIN.md §16.5).
PERSONAL_DATA_EXPORT_PERMS: tuple[str, ...] = (Perm.DATA_EXPORT, Perm.PRIVACY_REQUEST)
TWO_FACTOR_ROLES: frozenset[str] = frozenset(
    {R.ADMIN, R.SERVICE_MANAGER}
    | {role for role, perms in ROLE_PERMISSIONS.items() if perms & set(PERSONAL_DATA_EXPORT_PERMS)}
)


def role_requires_second_factor(role: str) -> bool:
    return role in TWO_FACTOR_ROLES


# --- Field-level access (docs/DOMAIN.md §24.2) ---------------------------------
# Which personal fields each role sees, next to the permission matrix: one table that the
# serializers, the pages, the exports and the printed documents read through core.masking.
# A field group not listed for a role is hidden from it (shown as "—", left out of an export).
class FieldGroup(models.TextChoices):
    BASIC = "basic", _("Basic information (name, mobile, kind)")
    VEHICLE = "vehicle", _("Vehicles and work")
    ADDRESS = "address", _("Address")
    BIRTHDAY = "birthday", _("Birthday")
    IDENTITY = "identity", _("ID number and WeChat")
    SPEND = "spend", _("Spend and customer class")
    COMPLAINT_NOTES = "complaint_notes", _("Complaints' internal notes")


F = FieldGroup
_ALL_CUSTOMER = frozenset({F.BASIC, F.VEHICLE, F.ADDRESS, F.BIRTHDAY, F.IDENTITY, F.SPEND})
ROLE_FIELDS: dict[str, frozenset[str]] = {
    R.ADVISOR: _ALL_CUSTOMER,
    R.TECHNICIAN: frozenset({F.BASIC, F.VEHICLE}),
    R.FOREMAN: frozenset({F.BASIC, F.VEHICLE}),
    R.PARTS_CLERK: frozenset({F.BASIC, F.VEHICLE}),
    R.CASHIER: frozenset({F.BASIC, F.VEHICLE, F.ADDRESS, F.IDENTITY, F.SPEND}),
    R.CUSTOMER_CARE: frozenset({F.BASIC, F.VEHICLE, F.BIRTHDAY}),
    R.SERVICE_MANAGER: _ALL_CUSTOMER | {F.COMPLAINT_NOTES},
    R.VIC_SPECIALIST: _ALL_CUSTOMER,
    R.ADMIN: frozenset(),
    # The carmaker's claim names the vehicle and its work, never the owner's private details.
    R.WARRANTY_CLERK: frozenset({F.BASIC, F.VEHICLE}),
}

# model label -> {field name: field group}; a field not named here is not personal.
PERSONAL_FIELDS: dict[str, dict[str, str]] = {
    "customers.customer": {
        "address": F.ADDRESS,
        "region": F.ADDRESS,
        "birthday": F.BIRTHDAY,
        "wechat_id": F.IDENTITY,
        "email": F.IDENTITY,
        "abc_class": F.SPEND,
        "member_card_no": F.SPEND,
    },
    "complaints.complaint": {
        "resolution_plan": F.COMPLAINT_NOTES,
        "result": F.COMPLAINT_NOTES,
        "closing_note": F.COMPLAINT_NOTES,
    },
}


def fields_visible_at(roles) -> frozenset[str]:
    """The field groups any of `roles` sees (the union: a second role adds, never takes away)."""
    groups: set[str] = set()
    for role in roles:
        groups |= ROLE_FIELDS.get(role, frozenset())
    return frozenset(groups)


def visible_field_groups(user, store_id) -> frozenset[str]:
    """What core.masking asks (registered in AccountsConfig.ready): the groups `user` sees in
    `store_id`; an active superuser sees every group."""
    if user.is_active and user.is_superuser:
        return frozenset(FieldGroup)
    if store_id is None or not hasattr(user, "roles_at"):
        return frozenset()
    return fields_visible_at(user.roles_at(store_id))
