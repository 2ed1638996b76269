"""The main navigation: a few plain links and a handful of menus, each entry shown to users holding its
permission.

Project-level wiring like urls.py: it may name views of every app. A new capability adds its
entry to the menu of the work it belongs to.
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


@dataclass(frozen=True)
class NavGroup:
    """A menu of the top bar. Shown only when the user may see one of its entries; with exactly
    one, that entry stands in the bar as a plain link (a cashier's 'Cash desk' opens no menu)."""

    label: str
    icon: str
    items: tuple[NavItem, ...]


# The top bar, in order: plain links and menus.
NAV = (
    NavItem(_("Home"), "home", (), "house"),
    # A technician's or foreman's page of the day, one click away (managers do not clock jobs).
    NavItem(_("My jobs"), "workshop:my_jobs", (Perm.JOB_CLOCK,), "tools"),
    NavGroup(
        _("Workshop"),
        "wrench-adjustable",
        (
            NavItem(_("Repair orders"), "service:repair_order_list", (Perm.REPAIR_ORDER_VIEW,), "wrench"),
            NavItem(_("Management board"), "workshop:board", (Perm.REPAIR_ORDER_VIEW,), "clipboard-data"),
            NavItem(
                _("Appointments"), "appointments:day", (Perm.APPOINTMENT_EDIT, Perm.REPAIR_ORDER_VIEW), "calendar3"
            ),
            NavItem(
                _("Catalogue"),
                "catalog:home",
                (Perm.REPAIR_ORDER_VIEW, Perm.CUSTOMER_VIEW, Perm.CATALOG_MANAGE),
                "book",
            ),
            NavItem(_("Parts counter"), "parts:queue", (Perm.PARTS_MANAGE,), "box-seam"),
            NavItem(_("Electronic health records"), "healthrecords:list", (Perm.REPAIR_ORDER_VIEW,), "file-medical"),
        ),
    ),
    NavGroup(
        _("Customer care"),
        "people",
        (
            NavItem(_("Customers"), "customers:customer_list", (Perm.CUSTOMER_VIEW,), "person"),
            NavItem(_("Follow-ups"), "followups:queue", (Perm.FOLLOWUP_WORK,), "telephone"),
            NavItem(_("Complaints"), "complaints:list", (Perm.COMPLAINT_CREATE, Perm.COMPLAINT_VIEW), "megaphone"),
            NavItem(_("Surveys"), "surveys:results", (Perm.FOLLOWUP_WORK,), "emoji-smile"),
            NavItem(_("Messages"), "messaging:log", (Perm.CUSTOMER_VIEW,), "chat-dots"),
            NavItem(_("Solicitation"), "crm:solicitation", (Perm.FOLLOWUP_WORK,), "calendar-check"),
            NavItem(_("Campaigns"), "crm:campaigns", (Perm.CAMPAIGN_MANAGE,), "send"),
            NavItem(_("Segments"), "crm:segments", (Perm.CAMPAIGN_MANAGE,), "funnel"),
            NavItem(_("Retention rules"), "crm:rules", (Perm.CAMPAIGN_MANAGE,), "heart"),
            NavItem(_("VIC programme"), "vic:enrolments", (Perm.VIC_VIEW,), "gem"),
            NavItem(_("Batteries about to need service"), "ev:forecast_list", (Perm.FOLLOWUP_WORK,), "battery-half"),
        ),
    ),
    NavGroup(
        _("Service desk"),
        "headset",
        (
            NavItem(_("Rescues"), "desk:rescue_board", (Perm.DESK_WORK,), "truck"),
            NavItem(_("Standard answers"), "desk:faq", (Perm.DESK_WORK, Perm.FAQ_MANAGE), "question-circle"),
            NavItem(_("Major events"), "desk:events", (Perm.DESK_WORK,), "exclamation-triangle"),
            NavItem(_("Win-back"), "desk:recoveries", (Perm.DESK_WORK,), "arrow-repeat"),
        ),
    ),
    NavGroup(
        _("Money"),
        "cash-stack",
        (
            NavItem(_("Cash desk"), "billing:cashier", (Perm.PAYMENT_POST,), "cash-coin"),
            NavItem(
                _("Payment reconciliation"),
                "billing:reconciliation",
                (Perm.PAYMENT_REVERSE, Perm.STORE_MANAGE),
                "receipt",
            ),
            NavItem(_("Card liabilities"), "loyalty:liabilities", (Perm.REPORT_VIEW,), "wallet2"),
            NavItem(_("Card rules"), "loyalty:rules", (Perm.DISCOUNT_APPROVE,), "sliders"),
            NavItem(_("Warranty claims"), "warranty:claims", (Perm.WARRANTY_VIEW,), "shield-check"),
        ),
    ),
    NavGroup(
        _("Reports"),
        "bar-chart",
        (
            NavItem(_("Reports"), "reports:index", (Perm.REPORT_VIEW,), "bar-chart"),
            NavItem(_("KPIs"), "reports:kpis", (Perm.REPORT_VIEW,), "graph-up"),
        ),
    ),
    NavGroup(
        _("Administration"),
        "gear",
        (
            NavItem(_("Stores"), "accounts:store_list", (Perm.STORE_VIEW,), "shop"),
            NavItem(_("Users"), "accounts:user_list", (Perm.USER_MANAGE,), "people"),
            NavItem(_("Permissions"), "accounts:permission_matrix", (Perm.USER_MANAGE,), "key"),
            NavItem(_("Payment accounts"), "billing:provider_accounts", (Perm.STORE_MANAGE,), "credit-card"),
            NavItem(_("Health record platform"), "healthrecords:settings", (Perm.STORE_MANAGE,), "cloud-upload"),
            NavItem(_("Audit trail"), "core:audit_list", (Perm.AUDIT_VIEW,), "journal-text"),
            NavItem(_("Deletion log"), "core:deletion_log", (Perm.DELETION_LOG_VIEW,), "trash"),
            NavItem(_("Backups"), "core:backup_list", (Perm.BACKUP_RUN,), "hdd"),
            NavItem(_("Background work"), "core:background_health", (Perm.BACKUP_RUN,), "activity"),
            NavItem(_("Rights desk"), "privacy:requests", (Perm.PRIVACY_REQUEST,), "shield-lock"),
            NavItem(_("Access log"), "privacy:access", (Perm.PRIVACY_MANAGE,), "eye"),
            NavItem(_("Retention limits"), "privacy:retention", (Perm.PRIVACY_MANAGE,), "hourglass-split"),
        ),
    ),
)


def navigation_for(request) -> list[dict]:
    """The top bar as the templates show it: the links and menus the user may open.

    An entry is a link ({label, url, icon, current}) or a menu ({label, icon, links, current}).
    `current` is "page" on the link of the page shown, "true" on the link whose pages it is under
    (an order's page is under 'Repair orders'), and the menu holding that link is current too.
    """
    user = request.user
    path = request.path
    entries = []
    for entry in NAV:
        items = entry.items if isinstance(entry, NavGroup) else (entry,)
        links = [_link(item) for item in items if _may_see(user, item)]
        if len(links) == 1:
            entries.append(links[0])
        elif links:
            entries.append({"label": entry.label, "icon": entry.icon, "links": links, "current": ""})
    _mark_current(entries, path)
    return entries


def _may_see(user, item: NavItem) -> bool:
    return not item.perms or any(user.has_perm(perm) for perm in item.perms)


def _link(item: NavItem) -> dict:
    return {"label": item.label, "url": reverse(item.url_name), "icon": item.icon, "current": ""}


def _mark_current(entries: list[dict], path: str) -> None:
    """Marks the link whose address is the longest start of the path (Home only on itself),
    so /billing/reconciliation/ marks the reconciliation, not the cashier at /billing/."""
    best, best_entry = None, None
    for entry in entries:
        for link in entry.get("links", [entry]):
            under = path == link["url"] or (link["url"] != "/" and path.startswith(link["url"]))
            if under and (best is None or len(link["url"]) > len(best["url"])):
                best, best_entry = link, entry
    if best is not None:
        best["current"] = "page" if path == best["url"] else "true"
        if best_entry is not best:  # the menu holding it
            best_entry["current"] = "true"
