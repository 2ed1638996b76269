"""The green channel: a VIC order goes to the top of the dispatch queue, is marked on the board,
and its parts are issued first (docs/DOMAIN.md §13.3)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aftercare.parts import selectors as parts_selectors
from aftercare.parts.tests.conftest import OIL_FILTER
from aftercare.service import services as spine
from aftercare.tests.factories import CustomerFactory, VehicleFactory
from aftercare.workshop import selectors as workshop_selectors

pytestmark = pytest.mark.django_db


def test_a_vic_order_goes_to_the_top_of_the_dispatch_queue_and_is_marked_on_the_board(
    store, staff, vic_vehicle, open_order, client_for
):
    ordinary = open_order(store, VehicleFactory(owner=CustomerFactory(store=store)), promised_in=timedelta(hours=1))
    vic = open_order(store, vic_vehicle, promised_in=timedelta(hours=5))

    rows = workshop_selectors.board(user=staff["foreman"], store=store)
    assert [row.order.pk for row in rows] == [vic.pk, ordinary.pk]
    assert rows[0].order.mark and not rows[1].order.mark

    page = client_for(staff["foreman"]).get(reverse("workshop:board")).content.decode()
    assert page.count('data-testid="priority-mark"') == 1
    assert page.index(vic.number) < page.index(ordinary.number)


def test_a_vic_orders_part_lines_come_first_in_the_parts_issue_queue(
    store,
    staff,
    vic_vehicle,
    stock,
    clerk,
    django_capture_on_commit_callbacks,
):
    from decimal import Decimal

    from aftercare.catalog.models import Part

    stock(OIL_FILTER, quantity="5")
    part = Part.objects.effective_for_store(store).get(part_no=OIL_FILTER)
    advisor = staff["advisor"]

    def approved(vehicle, promised_in):
        order = spine.repair_order_open(
            actor=advisor,
            store=store,
            vehicle=vehicle,
            customer_statement="保养",
            promised_at=timezone.now() + promised_in,
        )
        spine.line_add(actor=advisor, order=order, part=part, quantity=Decimal("1"))
        spine.repair_order_transition(repair_order=order, to="estimate", actor=advisor)
        with django_capture_on_commit_callbacks(execute=True):
            spine.repair_order_authorise(actor=advisor, order=order, method="verbal", note="电话确认")
        return order

    ordinary = approved(VehicleFactory(owner=CustomerFactory(store=store)), timedelta(hours=1))
    vic = approved(vic_vehicle, timedelta(hours=6))

    queue = parts_selectors.issue_queue(clerk, store)
    assert [row.repair_order_id for row in queue] == [vic.pk, ordinary.pk]
    assert queue[0].priority_mark and not queue[1].priority_mark
    # A limit keeps the priority line: it is ordered in the query, not after it.
    assert [row.repair_order_id for row in parts_selectors.issue_queue(clerk, store, limit=1)] == [vic.pk]
