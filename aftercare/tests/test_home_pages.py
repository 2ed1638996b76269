"""Each role's home is its live work list (docs/DOMAIN.md §22): cards registered by
the apps that own the work, counts linking to the filtered lists, overdue first,
polled by htmx, in a pinned number of queries."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from aftercare.catalog.models import LabourOperation
from aftercare.core import home
from aftercare.service import services as spine
from aftercare.service.choices import LineKind
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for
from aftercare.workshop import services as workshop

NOW = timezone.make_aware(timezone.datetime(2026, 3, 4, 10, 0))

EXPECTED = {
    "advisor": {
        "appointments.today", "service.reception", "service.estimate", "service.additional", "service.settled",
        "workshop.findings", "followups.now", "followups.problems", "desk.rescues", "desk.alerts",
    },
    "foreman": {"workshop.dispatch", "workshop.rework", "service.quality_check", "service.in_progress"},
    "technician": {"workshop.my_jobs"},
    "cashier": {"billing.ready", "billing.unpaid", "billing.payments"},
    "customer_care": {"followups.now", "followups.upcoming", "followups.problems", "privacy.requests",
                      "messaging.failed", "desk.rescues", "desk.recoveries"},
    "service_manager": {
        "complaints.open", "followups.escalated", "service.late", "followups.now", "followups.problems",
        "privacy.requests", "privacy.alerts", "messaging.failed", "desk.rescues", "desk.alerts", "desk.recoveries",
    },
    "parts_clerk": {"service.in_progress", "parts.to_issue", "parts.back_orders", "parts.reorder"},
    "vic_specialist": {"followups.now", "vic.customers", "vic.away", "vic.arrivals", "vic.pickups", "vic.loans",
                       "vic.answers", "vic.errands", "desk.rescues", "desk.alerts"},
    "warranty_clerk": {"warranty.to_submit", "warranty.rejected"},
}  # fmt: skip

# What the placeholders promised before the features existed: no card may say it.
NOT_BUILT = ["Reminders"]


@pytest.fixture
def order_at(staff, store):
    """order_at(status, promised_in) -> an order of the advisor at that step."""
    catalog_for(store)
    advisor = staff["advisor"]

    def make(status="reception", promised_in=timedelta(hours=2), codes=("M009",)):
        vehicle = VehicleFactory(owner=CustomerFactory(store=store))
        order = spine.repair_order_open(
            actor=advisor, store=store, vehicle=vehicle, customer_statement="异响", odometer_km=20000,
            promised_at=timezone.now() + promised_in,
        )  # fmt: skip
        for code in codes:
            spine.line_add(
                actor=advisor, order=order, operation=LabourOperation.objects.effective_for_store(store).get(code=code)
            )
        if status in ("estimate", "approved"):
            spine.repair_order_transition(repair_order=order, to="estimate", actor=advisor)
        if status == "approved":
            spine.repair_order_authorise(actor=advisor, order=order, method="verbal", note="电话确认")
        order.refresh_from_db()
        return order

    return make


def _shown_count(response, key: str) -> int:
    """The number a card shows, read from the HTML (an htmx fragment has no context)."""
    html = response.content.decode()
    card = html[html.index(f'data-testid="card-{key}"') :]
    return int(re.search(r'data-testid="count">\s*<span[^>]*>(\d+)</span>', card).group(1))


def _cards(response) -> dict:
    return {row["card"].key: row for row in response.context["cards"]}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_the_cards_of_the_work_that_exists_for_it(role, staff, client_for):
    response = client_for(staff[role]).get(reverse("home"))

    assert response.status_code == 200
    assert set(_cards(response)) == EXPECTED[role]
    page = response.content.decode()
    assert not [words for words in NOT_BUILT if words in page]


def test_a_count_links_to_the_filtered_list_showing_the_same_orders(order_at, staff, client_for):
    late = order_at("reception", promised_in=timedelta(hours=-1))
    on_time = order_at("reception")
    order_at("estimate")
    client = client_for(staff["advisor"])

    card = _cards(client.get(reverse("home")))["service.reception"]

    assert (card["total"], card["overdue"]) == (2, 1)
    listed = client.get(card["url"]).content.decode()
    assert late.number in listed and on_time.number in listed
    overdue_list = client.get(card["overdue_url"]).content.decode()
    assert late.number in overdue_list and on_time.number not in overdue_list


def test_cards_with_overdue_items_come_first(order_at, staff, client_for):
    order_at("estimate", promised_in=timedelta(hours=-1))
    order_at("reception")

    keys = [row["card"].key for row in client_for(staff["advisor"]).get(reverse("home")).context["cards"]]

    assert keys[0] == "service.estimate"
    assert keys.index("service.reception") < keys.index("service.settled")  # work before the empty ones


def test_extra_work_a_technician_reports_is_on_the_advisors_home_at_the_next_refresh(order_at, staff, client_for):
    order = order_at("approved")
    line = order.lines.get(kind=LineKind.LABOUR)
    workshop.job_dispatch(actor=staff["foreman"], line=line, technician=staff["technician"])
    client = client_for(staff["advisor"])
    before = client.get(reverse("home"), headers={"HX-Request": "true"})

    workshop.finding_report(actor=staff["technician"], line=line, description="刹车片磨损到极限")
    refreshed = client.get(reverse("home"), headers={"HX-Request": "true"})

    assert _shown_count(before, "workshop.findings") == 0
    assert _shown_count(refreshed, "workshop.findings") == 1
    assert b"<html" not in refreshed.content  # the cards alone, swapped in place
    listed = client.get(reverse("workshop:findings")).content.decode()
    assert "刹车片磨损到极限" in listed and order.number in listed


def test_a_finding_waiting_over_thirty_minutes_is_overdue(order_at, staff, client_for):
    order = order_at("approved")
    line = order.lines.get(kind=LineKind.LABOUR)
    workshop.job_dispatch(actor=staff["foreman"], line=line, technician=staff["technician"])
    with time_machine.travel(NOW, tick=False):
        workshop.finding_report(actor=staff["technician"], line=line, description="轮胎鼓包")
    client = client_for(staff["advisor"])

    with time_machine.travel(NOW + timedelta(minutes=29), tick=False):
        assert _cards(client.get(reverse("home")))["workshop.findings"]["overdue"] == 0
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
        assert _cards(client.get(reverse("home")))["workshop.findings"]["overdue"] == 1


def test_the_cards_refresh_themselves_like_the_board(staff, client_for):
    page = client_for(staff["advisor"]).get(reverse("home")).content.decode()

    assert 'id="home-cards"' in page and 'hx-trigger="every 30s"' in page and f'hx-get="{reverse("home")}"' in page


def test_a_later_app_adds_its_card_to_a_role_through_the_registry(staff, client_for):
    card = home.HomeCard(
        key="later.invitations", label="A later app's card", roles=("parts_clerk",),
        count=lambda ctx: (3, 1), url=lambda ctx: "/later/",
    )  # fmt: skip
    home.register(card)
    try:
        cards = _cards(client_for(staff["parts_clerk"]).get(reverse("home")))
    finally:
        home.unregister(card.key)

    assert (cards["later.invitations"]["total"], cards["later.invitations"]["overdue"]) == (3, 1)
    assert next(iter(cards)) == "later.invitations"


# The session, the user, the memberships and the store: then one aggregate per card.
PAGE_QUERIES = 4
QUERIES = {role: PAGE_QUERIES + len(cards) for role, cards in EXPECTED.items()}


@pytest.mark.parametrize("role", sorted(QUERIES))
def test_each_home_page_answers_in_a_pinned_number_of_queries(
    role, order_at, staff, client_for, django_assert_num_queries
):
    for status in ("reception", "estimate", "approved"):
        order_at(status)
    client = client_for(staff[role])
    client.get(reverse("home"))  # warm the session

    with django_assert_num_queries(QUERIES[role]):
        response = client.get(reverse("home"))

    assert response.status_code == 200
