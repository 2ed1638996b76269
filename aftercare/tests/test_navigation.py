"""The top bar (aftercare/navigation.py): a few plain links and a handful of menus, each entry shown to
users holding one of its permissions; a menu with a single entry the user may see is that entry."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from aftercare import navigation
from aftercare.core.permissions import Perm
from aftercare.navigation import NavGroup, NavItem, navigation_for

pytestmark = pytest.mark.django_db


def _top_bar(client, url="/"):
    response = client.get(url)
    assert response.status_code == 200
    return list(response.context["nav_entries"]), response.content.decode()


def _menus(entries) -> dict[str, list[str]]:
    """{menu label in English: the addresses of its entries}."""
    with translation.override("en"):
        return {str(entry["label"]): [link["url"] for link in entry["links"]] for entry in entries if "links" in entry}


def _plain_links(entries) -> list[str]:
    return [entry["url"] for entry in entries if "links" not in entry]


def test_a_manager_sees_the_menus_with_their_entries(staff, client_for):
    entries, html = _top_bar(client_for(staff["service_manager"]))
    menus = _menus(entries)
    assert list(menus) == ["Workshop", "Customer care", "Service desk", "Money", "Reports", "Administration"]
    assert menus["Workshop"] == [
        reverse(name)
        for name in (
            "service:repair_order_list",
            "workshop:board",
            "appointments:day",
            "catalog:home",
            "parts:queue",
            "healthrecords:list",
        )
    ]
    assert menus["Money"] == [
        reverse(name)
        for name in (
            "billing:cashier",
            "billing:reconciliation",
            "loyalty:liabilities",
            "loyalty:rules",
            "warranty:claims",
        )
    ]
    assert reverse("customers:customer_list") in menus["Customer care"]
    assert reverse("desk:rescue_board") in menus["Service desk"]
    assert menus["Reports"] == [reverse("reports:index"), reverse("reports:kpis")]
    assert reverse("core:audit_list") in menus["Administration"]
    assert _plain_links(entries) == [reverse("home")]
    # Each menu opens from a button that says whether it is open.
    assert html.count('<button class="nav-link dropdown-toggle" type="button" data-bs-toggle="dropdown"') == 6
    assert html.count('aria-expanded="false"') >= 6


def test_a_technician_sees_my_jobs_as_a_plain_link_and_no_administration_menu(staff, client_for):
    entries, html = _top_bar(client_for(staff["technician"]))
    menus = _menus(entries)
    assert reverse("workshop:my_jobs") in _plain_links(entries)
    assert not any(reverse("workshop:my_jobs") in links for links in menus.values())
    assert f'<a class="nav-link" href="{reverse("workshop:my_jobs")}">' in html
    assert "Administration" not in menus and "Money" not in menus
    assert reverse("core:audit_list") not in html


def test_a_menu_with_one_entry_the_user_may_see_is_a_plain_link(staff, client_for):
    entries, _ = _top_bar(client_for(staff["cashier"]))
    assert reverse("billing:cashier") in _plain_links(entries)
    assert "Money" not in _menus(entries)


def test_the_menu_holding_the_current_page_is_marked(staff, client_for):
    entries, html = _top_bar(client_for(staff["service_manager"]), reverse("billing:reconciliation"))
    cashier = reverse("billing:cashier")
    money = next(entry for entry in entries if cashier in [link["url"] for link in entry.get("links", [])])
    assert money["current"]
    assert [link["current"] for link in money["links"]] == ["", "page", "", "", ""]  # not the cashier at /billing/
    assert not any(entry["current"] for entry in entries if entry is not money)
    assert f'href="{reverse("billing:reconciliation")}" aria-current="page"' in html
    assert html.count("aria-current=") == 1
    assert html.count('class="nav-link dropdown-toggle active"') == 1


def test_a_page_under_an_entry_marks_that_entry_and_its_menu(staff, client_for):
    entries, html = _top_bar(client_for(staff["service_manager"]), reverse("service:reception_search"))
    workshop = next(entry for entry in entries if entry.get("links") and entry["current"])
    orders = workshop["links"][0]
    assert (orders["url"], orders["current"]) == (reverse("service:repair_order_list"), "true")
    assert f'href="{reverse("service:repair_order_list")}" aria-current="true"' in html


def test_a_menu_none_of_whose_entries_the_user_may_see_is_absent(staff, monkeypatch):
    hidden = NavGroup("Vault", "lock", (NavItem("Audit", "core:audit_list", (Perm.AUDIT_VIEW,), "journal-text"),) * 2)
    shown = NavGroup("Desk", "tools", (NavItem("Jobs", "workshop:my_jobs", (Perm.JOB_CLOCK,), "tools"),) * 2)
    monkeypatch.setattr(navigation, "NAV", (hidden, shown))
    request = RequestFactory().get("/")
    request.user = staff["technician"]
    assert [entry["label"] for entry in navigation_for(request)] == ["Desk"]
    request.user = staff["service_manager"]
    assert [entry["label"] for entry in navigation_for(request)] == ["Vault"]
