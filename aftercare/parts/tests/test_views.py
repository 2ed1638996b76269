"""The parts clerk's pages: every screen renders, the scanner issues from the queue, the
advisor's repair-order page shows each part line's state."""

import pytest
from django.urls import reverse

from aftercare.parts import services
from aftercare.parts.choices import DemandStatus

from .conftest import OIL_FILTER, PADS

pytestmark = pytest.mark.django_db


def test_every_parts_screen_renders_for_the_clerk(stock, make_order, client_for, clerk, store, supplier):
    item = stock(OIL_FILTER, quantity="3")
    make_order([(OIL_FILTER, 1)])
    order = services.order_create(
        actor=clerk, store=store, supplier=supplier, order_type="regular", lines=[(item, "2")]
    )
    client = client_for(clerk)
    for name, args in [
        ("parts:queue", ()), ("parts:stock_list", ()), ("parts:stock_detail", (item.pk,)), ("parts:count", ()),
        ("parts:reorder", ()), ("parts:order_list", ()), ("parts:order_detail", (order.pk,)),
        ("parts:back_orders", ()), ("parts:reports", ()),
    ]:  # fmt: skip
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
    assert client.get(reverse("parts:stock_list"), {"q": "jylq"}).status_code == 200


def test_stock_lookup_finds_a_part_by_number_pinyin_initials_and_bin(stock, clerk, store):
    from aftercare.parts.selectors import stock_lookup

    item = stock(OIL_FILTER, quantity="1", bin="A-01-01")
    for q in ("15400", "jiyou", "jylq", "A-01", "机油"):
        assert [i.pk for i in stock_lookup(clerk, store, q)] == [item.pk], q


def test_a_scanned_part_number_and_enter_issues_the_earliest_line(stock, make_order, client_for, clerk):
    stock(OIL_FILTER, quantity="3")
    demand = make_order([(OIL_FILTER, 1)]).part_demands.get()
    response = client_for(clerk).post(reverse("parts:queue"), {"code": OIL_FILTER}, follow=True)
    demand.refresh_from_db()
    assert demand.status == DemandStatus.ISSUED
    assert "已将 15400-RTA-003 发料到" in response.content.decode()


def test_the_repair_order_page_shows_short_then_issued(stock, make_order, client_for, clerk, staff):
    item = stock(PADS, quantity="0")
    order = make_order([(PADS, 1)])
    advisor = client_for(staff["advisor"])
    panel = advisor.get(reverse("parts:order_panel", args=[order.pk])).content.decode()
    assert "缺件" in panel
    services.stock_receive(actor=clerk, item=item, quantity="1", unit_cost="500", bin="B-01")
    services.part_issue(actor=clerk, demand=order.part_demands.get())
    panel = advisor.get(reverse("parts:order_panel", args=[order.pk])).content.decode()
    assert "已发料" in panel and "缺件" not in panel


def test_the_queue_page_runs_a_fixed_number_of_queries(
    stock, make_order, client_for, clerk, django_assert_max_num_queries
):
    stock(OIL_FILTER, quantity="10")
    for _ in range(5):
        make_order([(OIL_FILTER, 1)])
    client = client_for(clerk)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("parts:queue")).status_code == 200


def test_another_stores_clerk_sees_nothing_of_this_store(stock, make_order, client_for, other_store):
    from aftercare.tests.factories import MembershipFactory, UserFactory

    item = stock(OIL_FILTER, quantity="1")
    outsider = UserFactory(username="parts-other")
    MembershipFactory(user=outsider, store=other_store, role="parts_clerk")
    assert client_for(outsider).get(reverse("parts:stock_detail", args=[item.pk])).status_code == 404


def test_the_clerks_home_cards_show_real_numbers(stock, make_order, client_for, clerk):
    stock(OIL_FILTER, quantity="5")
    make_order([(OIL_FILTER, 1)])
    make_order([(OIL_FILTER, 2)])
    page = client_for(clerk).get(reverse("home")).content.decode()
    card = page.split('data-testid="card-parts.to_issue"')[1].split('data-testid="count"')[1]
    assert ">2</span>" in card.split("</a>")[0]


def test_the_management_board_lists_short_lines_with_the_expected_arrival(
    stock, make_order, client_for, clerk, store, supplier, staff
):
    item = stock(PADS, quantity="0")
    order = make_order([(PADS, 1)])
    po = services.order_create(actor=clerk, store=store, supplier=supplier, order_type="urgent", lines=[(item, "2")])
    services.order_submit(actor=clerk, order=po)
    page = client_for(staff["advisor"]).get(reverse("parts:board_shortages")).content.decode()
    assert order.number in page and "缺件" in page and "预计到货" in page
