"""The main navigation: one list, each entry shown to users holding its permission.

Project-level wiring like urls.py: it may name views of every app. A new
capability adds its entry here.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftercare.core.permissions import Perm


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    # Shown to users holding any of these permissions (none: everyone).
    perms: tuple[str, ...]
    icon: str = ""  # a Bootstrap Icons name (static/vendor/bootstrap-icons), never an emoji


NAV_ITEMS = [
    NavItem(_("Home"), "home", (), "house"),
    NavItem(_("Repair orders"), "service:repair_order_list", (Perm.REPAIR_ORDER_VIEW,), "wrench"),
    NavItem(_("Management board"), "workshop:board", (Perm.REPAIR_ORDER_VIEW,), "clipboard-data"),
    NavItem(_("My jobs"), "workshop:my_jobs", (Perm.JOB_CLOCK,), "tools"),
    NavItem(_("Customers"), "customers:customer_list", (Perm.CUSTOMER_VIEW,), "person"),
    NavItem(_("Appointments"), "appointments:day", (Perm.APPOINTMENT_EDIT, Perm.REPAIR_ORDER_VIEW), "calendar3"),
    NavItem(_("Catalogue"), "catalog:home", (Perm.REPAIR_ORDER_VIEW, Perm.CUSTOMER_VIEW, Perm.CATALOG_MANAGE), "book"),
    NavItem(_("Complaints"), "complaints:list", (Perm.COMPLAINT_CREATE, Perm.COMPLAINT_VIEW), "megaphone"),
    NavItem(_("Follow-ups"), "followups:queue", (Perm.FOLLOWUP_WORK,), "telephone"),
    NavItem(_("Rescues"), "desk:rescue_board", (Perm.DESK_WORK,), "truck"),
    NavItem(_("Standard answers"), "desk:faq", (Perm.DESK_WORK, Perm.FAQ_MANAGE), "question-circle"),
    NavItem(_("Major events"), "desk:events", (Perm.DESK_WORK,), "exclamation-triangle"),
    NavItem(_("Win-back"), "desk:recoveries", (Perm.DESK_WORK,), "arrow-repeat"),
    NavItem(_("Messages"), "messaging:log", (Perm.CUSTOMER_VIEW,), "chat-dots"),
    NavItem(_("Parts counter"), "parts:queue", (Perm.PARTS_MANAGE,), "box-seam"),
    NavItem(_("Warranty claims"), "warranty:claims", (Perm.WARRANTY_VIEW,), "shield-check"),
    NavItem(_("VIC programme"), "vic:enrolments", (Perm.VIC_VIEW,), "gem"),
    NavItem(_("Cashier"), "billing:cashier", (Perm.PAYMENT_POST,), "cash-coin"),
    NavItem(_("Electronic health records"), "healthrecords:list", (Perm.REPAIR_ORDER_VIEW,), "file-medical"),
    NavItem(
        _("Payment reconciliation"), "billing:reconciliation", (Perm.PAYMENT_REVERSE, Perm.STORE_MANAGE), "receipt"
    ),
    NavItem(_("Surveys"), "surveys:results", (Perm.FOLLOWUP_WORK,), "emoji-smile"),
    NavItem(_("Reports"), "reports:index", (Perm.REPORT_VIEW,), "bar-chart"),
    NavItem(_("KPIs"), "reports:kpis", (Perm.REPORT_VIEW,), "graph-up"),
    NavItem(_("Card liabilities"), "loyalty:liabilities", (Perm.REPORT_VIEW,), "wallet2"),
    NavItem(_("Card rules"), "loyalty:rules", (Perm.DISCOUNT_APPROVE,), "sliders"),
    NavItem(_("Retention rules"), "crm:rules", (Perm.CAMPAIGN_MANAGE,), "heart"),
    NavItem(_("Segments"), "crm:segments", (Perm.CAMPAIGN_MANAGE,), "funnel"),
    NavItem(_("Campaigns"), "crm:campaigns", (Perm.CAMPAIGN_MANAGE,), "megaphone"),
    NavItem(_("Solicitation"), "crm:solicitation", (Perm.FOLLOWUP_WORK,), "calendar-check"),
    NavItem(_("Batteries about to need service"), "ev:forecast_list", (Perm.FOLLOWUP_WORK,), "battery-half"),
    NavItem(_("Rights desk"), "privacy:requests", (Perm.PRIVACY_REQUEST,), "shield-lock"),
    NavItem(_("Access log"), "privacy:access", (Perm.PRIVACY_MANAGE,), "eye"),
    NavItem(_("Retention limits"), "privacy:retention", (Perm.PRIVACY_MANAGE,), "hourglass-split"),
    NavItem(_("Stores"), "accounts:store_list", (Perm.STORE_VIEW,), "shop"),
    NavItem(_("Users"), "accounts:user_list", (Perm.USER_MANAGE,), "people"),
    NavItem(_("Permissions"), "accounts:permission_matrix", (Perm.USER_MANAGE,), "key"),
    NavItem(_("Payment accounts"), "billing:provider_accounts", (Perm.STORE_MANAGE,), "credit-card"),
    NavItem(_("Health record platform"), "healthrecords:settings", (Perm.STORE_MANAGE,), "cloud-upload"),
    NavItem(_("Audit trail"), "core:audit_list", (Perm.AUDIT_VIEW,), "journal-text"),
    NavItem(_("Deletion log"), "core:deletion_log", (Perm.DELETION_LOG_VIEW,), "trash"),
    NavItem(_("Backups"), "core:backup_list", (Perm.BACKUP_RUN,), "hdd"),
    NavItem(_("Background work"), "core:background_health", (Perm.BACKUP_RUN,), "activity"),
]


def navigation_for(request) -> list[dict]:
    """The entries the user may see, as the templates show them."""
    user = request.user
    current = request.resolver_match.view_name if request.resolver_match else ""
    return [
        {"label": item.label, "url": reverse(item.url_name), "icon": item.icon, "active": item.url_name == current}
        for item in NAV_ITEMS
        if not item.perms or any(user.has_perm(perm) for perm in item.perms)
    ]
