"""Repair orders with part lines, and stock to issue from."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from aftercare.catalog.models import Part
from aftercare.parts import services
from aftercare.parts.models import Supplier
from aftercare.service import services as spine
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for

OIL_FILTER = "15400-RTA-003"
PADS = "45022-TBA-A01"


@pytest.fixture
def catalogue(store):
    catalog_for(store)


@pytest.fixture
def clerk(staff):
    return staff["parts_clerk"]


@pytest.fixture
def manager(staff):
    return staff["service_manager"]


def part(store, part_no):
    return Part.objects.effective_for_store(store).get(part_no=part_no)


@pytest.fixture
def supplier(store):
    return Supplier.objects.create(
        store=store, name="广汽本田零件中心", order_cycle_days=15, lead_time_days=7, safety_days=8
    )


@pytest.fixture
def stock(store, clerk, catalogue, supplier):
    """stock(part_no, quantity, cost="30.00", bin="A-01-01") -> the store's stock item, received."""

    def make(part_no=OIL_FILTER, quantity="2", cost="30.00", bin="A-01-01", **fields):
        item = services.stock_item_ensure(store=store, part=part(store, part_no), bin=bin, supplier=supplier, **fields)
        if Decimal(str(quantity)) > 0:
            services.stock_receive(actor=clerk, item=item, quantity=quantity, unit_cost=cost, bin=bin)
        item.refresh_from_db()
        return item

    return make


@pytest.fixture
def make_order(staff, store, catalogue, django_capture_on_commit_callbacks):
    """make_order([(part_no, qty)], payer="customer", promised_in=3h) -> an approved order
    (the approval's signal has run, so its part lines are reserved)."""

    def make(parts=((OIL_FILTER, 1),), payer="customer", promised_in=timedelta(hours=3), vehicle=None):
        advisor = staff["advisor"]
        vehicle = vehicle or VehicleFactory(owner=CustomerFactory(store=store), powertrain="ICE")
        order = spine.repair_order_open(
            actor=advisor, store=store, vehicle=vehicle, customer_statement="保养",
            promised_at=timezone.now() + promised_in,
        )  # fmt: skip
        for part_no, quantity in parts:
            spine.line_add(
                actor=advisor, order=order, part=part(store, part_no), quantity=Decimal(quantity), payer=payer
            )
        spine.repair_order_transition(repair_order=order, to="estimate", actor=advisor)
        with django_capture_on_commit_callbacks(execute=True):
            spine.repair_order_authorise(actor=advisor, order=order, method="verbal", note="车主电话确认")
        order.refresh_from_db()
        return order

    return make


@pytest.fixture
def order(stock, store, supplier, clerk):
    """order([(part_no, qty)], **kwargs) -> a draft urgent supplier order."""

    def make(lines=((OIL_FILTER, "10"),), **kwargs):
        items = [(stock(no, quantity="0"), q) for no, q in lines]
        return services.order_create(
            actor=clerk, store=store, supplier=supplier, order_type="urgent", lines=items, **kwargs
        )

    return make
