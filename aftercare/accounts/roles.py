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
    R.CASHIER: frozenset(_FRONT_DESK | {Perm.PAYMENT_POST}),
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
            Perm.PRIVACY_REQUEST,
            Perm.PRIVACY_MANAGE,
        }
    ),
    R.VIC_SPECIALIST: frozenset(
        _FRONT_DESK | {Perm.CUSTOMER_EDIT, Perm.CONTACT_REVEAL, Perm.APPOINTMENT_EDIT, Perm.FOLLOWUP_WORK}
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
)
