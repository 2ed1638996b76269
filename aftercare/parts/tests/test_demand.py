"""Part lines of an approved repair order: reserved on approval, issued and returned from the
counter, short lines (缺件) reserved when stock arrives, warranty return tags, serials."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from aftercare.parts import selectors, services
from aftercare.parts.choices import DemandStatus, MovementKind
from aftercare.parts.models import LineDemand, Movement, StockItem

from .conftest import OIL_FILTER, PADS


def _state(item):
    item.refresh_from_db()
    return item.on_hand, item.reserved


@pytest.mark.django_db
def test_approval_reserves_the_part_lines_and_a_line_without_stock_is_short(stock, make_order):
    item = stock(OIL_FILTER, quantity="1")
    first = make_order([(OIL_FILTER, 1)])
    second = make_order([(OIL_FILTER, 1)])
    assert _state(item) == (1, 1)
    assert first.part_demands.get().status == DemandStatus.WAITING
    assert second.part_demands.get().status == DemandStatus.SHORT


@pytest.mark.django_db
def test_issue_and_return_keep_reserved_on_hand_and_the_movements_consistent(stock, make_order, clerk):
    item = stock(OIL_FILTER, quantity="3", cost="30.00")
    demand = make_order([(OIL_FILTER, 2)]).part_demands.get()
    assert _state(item) == (3, 2)
    services.part_issue(actor=clerk, demand=demand, bin="A-01-01")
    demand.refresh_from_db()
    assert _state(item) == (1, 0) and demand.issued == 2 and demand.status == DemandStatus.ISSUED
    services.part_return(actor=clerk, demand=demand, quantity="1", bin="A-01-01")
    demand.refresh_from_db()
    assert _state(item) == (2, 0) and demand.issued == 1 and demand.status == DemandStatus.ISSUED
    kinds = list(Movement.objects.filter(line=demand.line).order_by("id").values_list("kind", "quantity", "unit_cost"))
    assert kinds == [(MovementKind.ISSUE, -2, Decimal("30.00")), (MovementKind.RETURN, 1, Decimal("30.00"))]
    assert item.on_hand == sum(item.movements.values_list("quantity", flat=True))
    with pytest.raises(ValidationError):
        services.part_return(actor=clerk, demand=demand, quantity="2")


@pytest.mark.django_db
def test_a_short_line_cannot_be_issued_and_is_reserved_when_stock_arrives(stock, make_order, clerk):
    item = stock(OIL_FILTER, quantity="0")
    demand = make_order([(OIL_FILTER, 1)]).part_demands.get()
    with pytest.raises(ValidationError) as error:
        services.part_issue(actor=clerk, demand=demand)
    assert "缺件" in str(error.value)
    assert item.movements.count() == 0
    services.stock_receive(actor=clerk, item=item, quantity="4", unit_cost="30", bin="A-01-01")
    demand.refresh_from_db()
    assert demand.status == DemandStatus.WAITING and _state(item) == (4, 1)


@pytest.mark.django_db
def test_cancelling_the_order_releases_its_reservation(stock, make_order, staff, django_capture_on_commit_callbacks):
    from aftercare.service import services as spine

    item = stock(OIL_FILTER, quantity="2")
    order = make_order([(OIL_FILTER, 2)])
    with django_capture_on_commit_callbacks(execute=True):
        spine.repair_order_transition(actor=staff["advisor"], repair_order=order, to="cancelled", note="客户取消")
    assert _state(item) == (2, 0)
    assert order.part_demands.get().status == DemandStatus.CLOSED


@pytest.mark.django_db
def test_a_warranty_line_is_issued_only_with_the_old_parts_return_tag(stock, make_order, clerk):
    stock(PADS, quantity="1")
    demand = make_order([(PADS, 1)], payer="warranty").part_demands.get()
    with pytest.raises(ValidationError) as error:
        services.part_issue(actor=clerk, demand=demand)
    assert "return_tag" in error.value.message_dict
    services.part_issue(actor=clerk, demand=demand, return_tag="WT-2026-0001")
    demand.refresh_from_db()
    assert demand.return_tag == "WT-2026-0001"


@pytest.mark.django_db
def test_a_scanned_part_number_finds_the_earliest_promised_open_line(stock, make_order, store):
    from datetime import timedelta

    stock(OIL_FILTER, quantity="5")
    make_order([(OIL_FILTER, 1)], promised_in=timedelta(hours=5))
    early = make_order([(OIL_FILTER, 1)], promised_in=timedelta(hours=1))
    assert services.demand_by_code(store=store, code=" 15400-rta-003 ").repair_order == early
    assert services.demand_by_code(store=store, code="NOPE") is None


@pytest.mark.django_db
def test_the_queue_lists_open_lines_by_promised_time_with_the_expected_arrival(stock, make_order, clerk, staff):
    from datetime import timedelta

    stock(OIL_FILTER, quantity="0")
    late = make_order([(OIL_FILTER, 1)], promised_in=timedelta(hours=6))
    soon = make_order([(OIL_FILTER, 1)], promised_in=timedelta(hours=1))
    rows = selectors.issue_queue(clerk)
    assert [row.repair_order for row in rows] == [soon, late]
    assert all(row.status == DemandStatus.SHORT for row in rows)
    assert not selectors.issue_queue(staff["technician"])


@pytest.mark.django_db(transaction=True)
def test_two_clerks_issuing_the_last_unit_at_once_get_one_success_and_one_clear_error(stock, make_order, clerk, staff):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between threads need PostgreSQL (SQLite's IMMEDIATE transactions serialise writers)")
    item = stock(OIL_FILTER, quantity="1")
    demand = make_order([(OIL_FILTER, 2)]).part_demands.get()
    assert demand.reserved == 1
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def issue(user) -> None:
        try:
            barrier.wait()
            services.part_issue(actor=user, demand=demand, quantity="1")
            outcomes.append("issued")
        except ValidationError as error:
            outcomes.append("缺件" if "缺件" in str(error) else str(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(user,)) for user in (clerk, staff["service_manager"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["issued", "缺件"]
    item = StockItem.objects.get(pk=item.pk)
    assert (item.on_hand, item.reserved) == (0, 0)
    assert LineDemand.objects.get(pk=demand.pk).issued == 1
    assert item.movements.filter(kind=MovementKind.ISSUE).count() == 1


@pytest.mark.django_db
def test_issuing_one_after_the_other_on_sqlite_refuses_the_second_as_well(stock, make_order, clerk):
    item = stock(OIL_FILTER, quantity="1")
    demand = make_order([(OIL_FILTER, 2)]).part_demands.get()
    services.part_issue(actor=clerk, demand=demand, quantity="1")
    with pytest.raises(ValidationError, match="缺件"):
        services.part_issue(actor=clerk, demand=demand, quantity="1")
    assert _state(item) == (0, 0)


@pytest.mark.django_db
def test_additional_work_approved_after_the_order_reserves_its_parts_at_once(
    stock, make_order, staff, store, django_capture_on_commit_callbacks
):
    from aftercare.service import services as spine
    from aftercare.service.choices import LineStatus

    from .conftest import part

    pads = stock(PADS, quantity="4", bin="B-02-01")
    order = make_order([(OIL_FILTER, 1)])
    advisor = staff["advisor"]
    (extra,) = spine.line_add(actor=advisor, order=order, part=part(store, PADS), quantity=Decimal(2))
    (declined,) = spine.line_add(actor=advisor, order=order, part=part(store, "17220-5PA-A00"), quantity=Decimal(1))
    assert extra.status == LineStatus.PROPOSED and not LineDemand.objects.filter(line=extra).exists()
    with django_capture_on_commit_callbacks(execute=True):
        spine.line_decide(actor=advisor, line=declined, approve=False, method="verbal", note="车主电话")
    assert not LineDemand.objects.filter(line=declined).exists()
    with django_capture_on_commit_callbacks(execute=True):
        spine.line_decide(actor=advisor, line=extra, approve=True, method="verbal", note="车主电话")
    demand = LineDemand.objects.get(line=extra)
    assert (demand.quantity, demand.reserved, demand.status) == (2, 2, DemandStatus.WAITING)
    assert _state(pads) == (4, 2)
    assert [d.pk for d in selectors.issue_queue(staff["parts_clerk"], store) if d.line_id == extra.pk] == [demand.pk]
