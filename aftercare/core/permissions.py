"""The names of every permission the product checks.

Names live in core so that every app can check them; which role holds which
is decided in one place, accounts/roles.py.
"""

from django.utils.translation import gettext_lazy as _


class Perm:
    """Every permission the product checks, with a label for the matrix page."""

    STORE_VIEW = "store.view"
    STORE_MANAGE = "store.manage"
    USER_MANAGE = "user.manage"
    AUDIT_VIEW = "audit.view"
    BACKUP_RUN = "backup.run"
    CATALOG_MANAGE = "catalog.manage"
    CUSTOMER_VIEW = "customer.view"
    CUSTOMER_EDIT = "customer.edit"
    CUSTOMER_MERGE = "customer.merge"
    CONTACT_REVEAL = "contact.reveal"
    DATA_EXPORT = "data.export"
    APPOINTMENT_EDIT = "appointment.edit"
    APPOINTMENT_DELETE = "appointment.delete"
    REPAIR_ORDER_VIEW = "repair_order.view"
    REPAIR_ORDER_EDIT = "repair_order.edit"
    REPAIR_ORDER_DELETE = "repair_order.delete"
    DISPATCH = "workshop.dispatch"
    JOB_CLOCK = "workshop.clock"
    QUALITY_CHECK = "workshop.quality_check"
    PARTS_MANAGE = "parts.manage"
    PARTS_APPROVE = "parts.approve"
    PAYMENT_POST = "payment.post"
    PAYMENT_REVERSE = "payment.reverse"
    CREDIT_APPROVE = "payment.credit_approve"
    DISCOUNT_APPROVE = "discount.approve"
    FOLLOWUP_WORK = "followup.work"
    COMPLAINT_CREATE = "complaint.create"
    COMPLAINT_VIEW = "complaint.view"
    COMPLAINT_MANAGE = "complaint.manage"
    COMPLAINT_DELETE = "complaint.delete"
    DELETION_LOG_VIEW = "deletion_log.view"
    CAMPAIGN_MANAGE = "campaign.manage"
    REPORT_VIEW = "report.view"
    TARGET_SET = "report.targets"
    WARRANTY_VIEW = "warranty.view"
    WARRANTY_MANAGE = "warranty.manage"
    WARRANTY_APPROVE = "warranty.approve"
    PRIVACY_REQUEST = "privacy.request"
    PRIVACY_MANAGE = "privacy.manage"
    VIC_VIEW = "vic.view"
    VIC_WORK = "vic.work"
    VIC_ENROL = "vic.enrol"
    DESK_WORK = "desk.work"
    FAQ_MANAGE = "faq.manage"

    LABELS = {
        STORE_VIEW: _("See the store"),
        STORE_MANAGE: _("Manage store settings"),
        USER_MANAGE: _("Manage users and roles"),
        AUDIT_VIEW: _("Browse the audit trail"),
        BACKUP_RUN: _("Run and restore backups"),
        CATALOG_MANAGE: _("Edit the service catalogue"),
        CUSTOMER_VIEW: _("See customers and vehicles"),
        CUSTOMER_EDIT: _("Edit customers and vehicles"),
        CUSTOMER_MERGE: _("Merge customer records"),
        CONTACT_REVEAL: _("See full contact details"),
        DATA_EXPORT: _("Export lists"),
        APPOINTMENT_EDIT: _("Book and change appointments"),
        APPOINTMENT_DELETE: _("Delete appointments"),
        REPAIR_ORDER_VIEW: _("See repair orders"),
        REPAIR_ORDER_EDIT: _("Create and edit repair orders"),
        REPAIR_ORDER_DELETE: _("Delete repair orders"),
        DISPATCH: _("Dispatch jobs"),
        JOB_CLOCK: _("Clock on and off jobs"),
        QUALITY_CHECK: _("Final inspection"),
        PARTS_MANAGE: _("Manage parts and stock"),
        PARTS_APPROVE: _("Approve stock variances and back-order cancellations"),
        PAYMENT_POST: _("Post payments"),
        PAYMENT_REVERSE: _("Reverse payments and refund"),
        CREDIT_APPROVE: _("Approve delivery on credit"),
        DISCOUNT_APPROVE: _("Approve discounts"),
        FOLLOWUP_WORK: _("Work follow-up calls"),
        COMPLAINT_CREATE: _("Record complaints"),
        COMPLAINT_VIEW: _("See complaint details"),
        COMPLAINT_MANAGE: _("Handle and close complaints"),
        COMPLAINT_DELETE: _("Delete complaints"),
        DELETION_LOG_VIEW: _("Browse the deletion log"),
        CAMPAIGN_MANAGE: _("Manage campaigns"),
        REPORT_VIEW: _("See reports and KPIs"),
        TARGET_SET: _("Set the stores' targets"),
        WARRANTY_VIEW: _("See warranty policies and claims"),
        WARRANTY_MANAGE: _("Manage warranty policies and claims"),
        WARRANTY_APPROVE: _("Approve warranty overrides"),
        PRIVACY_REQUEST: _("Handle customers' personal-information requests"),
        PRIVACY_MANAGE: _("Set retention limits and read the access log"),
        VIC_VIEW: _("See the VIC programme"),
        VIC_WORK: _("Serve VIC customers: pick-ups, courtesy cars, events, errands"),
        VIC_ENROL: _("Enrol VIC customers and set the tier rule"),
        DESK_WORK: _("Work the service desk: rescues, standard answers, major events, recoveries"),
        FAQ_MANAGE: _("Write standard answers and read their usage"),
    }

    ALL = tuple(LABELS)


def require(actor, perm: str, store) -> None:
    """The one check a service makes before it changes a store's rows: the actor holds `perm`
    in `store` (or group-wide), else PermissionDenied with a message the user can read.
    `actor` None is the system itself (scheduled jobs, the demo), which may do anything."""
    from django.core.exceptions import PermissionDenied

    if actor is not None and not actor.has_perm(perm, store):
        raise PermissionDenied(_("You do not have permission to do this in %(store)s.") % {"store": store})
