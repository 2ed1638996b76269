"""The main navigation: one list, each entry shown to users holding its permission.

Project-level wiring like urls.py: it may name views of every app. A new
capability adds its entry here.
"""

import functools
from dataclasses import dataclass

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aftercare.core.permissions import Perm
from aftercare.core.tables import url_for


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    # Shown to users holding any of these permissions (none: everyone).
    perms: tuple[str, ...]
    icon: str = ""


NAV_ITEMS = [
    NavItem(_("Home"), "home", (), "⌂"),
    NavItem(_("Repair orders"), "service:repair_order_list", (Perm.REPAIR_ORDER_VIEW,), "🔧"),
    NavItem(_("Management board"), "workshop:board", (Perm.REPAIR_ORDER_VIEW,), "📋"),
    NavItem(_("My jobs"), "workshop:my_jobs", (Perm.JOB_CLOCK,), "🛠"),
    NavItem(_("Customers"), "customers:customer_list", (Perm.CUSTOMER_VIEW,), "👤"),
    NavItem(_("Appointments"), "appointments:day", (Perm.APPOINTMENT_EDIT, Perm.REPAIR_ORDER_VIEW), "📅"),
    NavItem(_("Catalogue"), "catalog:home", (Perm.REPAIR_ORDER_VIEW, Perm.CUSTOMER_VIEW, Perm.CATALOG_MANAGE), "📘"),
    NavItem(_("Complaints"), "complaints:list", (Perm.COMPLAINT_CREATE, Perm.COMPLAINT_VIEW), "📣"),
    NavItem(_("Follow-ups"), "followups:queue", (Perm.FOLLOWUP_WORK,), "☎"),
    NavItem(_("Cashier"), "billing:cashier", (Perm.PAYMENT_POST,), "💴"),
    NavItem(_("Surveys"), "surveys:results", (Perm.FOLLOWUP_WORK,), "☺"),
    NavItem(_("KPIs"), "reports:kpis", (Perm.REPORT_VIEW,), "📈"),
    NavItem(_("Stores"), "accounts:store_list", (Perm.STORE_VIEW,), "🏬"),
    NavItem(_("Users"), "accounts:user_list", (Perm.USER_MANAGE,), "👥"),
    NavItem(_("Permissions"), "accounts:permission_matrix", (Perm.USER_MANAGE,), "🔑"),
    NavItem(_("Audit trail"), "core:audit_list", (Perm.AUDIT_VIEW,), "📜"),
    NavItem(_("Backups"), "core:backup_list", (Perm.BACKUP_RUN,), "💾"),
]


def navigation_for(request) -> tuple[dict, ...]:
    """The entries the user may see, as the templates show them (shared between requests: read only)."""
    user = request.user
    current = request.resolver_match.view_name if request.resolver_match else ""
    shown = tuple(
        index
        for index, item in enumerate(NAV_ITEMS)
        if not item.perms or any(user.has_perm(perm) for perm in item.perms)
    )
    return _entries(get_language(), get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), shown, current)


@functools.lru_cache(maxsize=512)
def _entries(language: str, urlconf: str, prefix: str, shown: tuple[int, ...], current: str) -> tuple[dict, ...]:
    # Labels translated and URLs reversed once per language, URLconf, set of entries and page
    # (≈ 0.1 ms on every page otherwise); the arguments the cache is keyed on are what they depend on.
    return tuple(
        {"label": str(item.label), "url": url_for(item.url_name), "icon": item.icon, "active": item.url_name == current}
        for item in (NAV_ITEMS[index] for index in shown)
    )
