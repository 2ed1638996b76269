"""Quantities, prices and totals stay within what a shop recognises and what the
columns hold (docs/DOMAIN.md §4.1): refused at input, refused before a write
whose totals would not fit, and a row that is out of range all the same never
takes a list or a page down."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from aftercare.catalog.models import LabourOperation, OtherCharge, PackageJobLine, Part
from aftercare.service import services
from aftercare.service.forms import DiscountForm, LineAddForm
from aftercare.service.models import RepairOrder, RepairOrderLine
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/repair-orders/"
sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL refuses an out-of-range value when it is written"
)


@pytest.fixture
def vehicle(store):
    catalog_for(store)
    return VehicleFactory(owner=CustomerFactory(store=store, name="李四"), plate="粤A88888")


@pytest.fixture
def order(staff, store, vehicle):
    return services.repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle, odometer_km=30000)


@pytest.fixture
def api(staff, api_client_for):
    return api_client_for(staff["advisor"])


def _part(store) -> Part:
    return Part.objects.effective_for_store(store).order_by("id").first()


def _dearest_part(store) -> Part:
    """A store part at the highest unit price the catalogue takes."""
    part = _part(store)
    return Part.objects.create(
        group=store.group, store=store, part_no="BIG-1", name="总成", unit_price=Decimal("999999.99"),
        brand=part.brand,
    )  # fmt: skip


def test_thirty_part_lines_of_a_huge_quantity_are_refused_and_nothing_is_written(api, store, order):
    body = [{"part": _part(store).pk, "quantity": "999999.99"} for _ in range(30)]
    response = api.post(f"{URL}{order.pk}/lines/", body, format="json")
    assert response.status_code == 400
    assert all("quantity" in errors for errors in response.json())
    assert not RepairOrderLine.objects.filter(repair_order=order).exists()
    order.refresh_from_db()
    assert order.total == order.customer_total == 0


def test_a_quantity_is_between_a_hundredth_and_9999_everywhere_it_is_entered(api, staff, store, order):
    assert api.post(f"{URL}{order.pk}/lines/", {"part": _part(store).pk, "quantity": "10000"}).status_code == 400
    assert api.post(f"{URL}{order.pk}/lines/", {"part": _part(store).pk, "quantity": "9999"}).status_code == 201
    assert not LineAddForm(data={"kind": "part", "item": 1, "quantity": "10000", "payer": "customer"}).is_valid()
    with pytest.raises(ValidationError) as refused:
        services.line_add(actor=staff["advisor"], order=order, part=_part(store), quantity=Decimal("10000"))
    assert "quantity" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.line_add(actor=staff["advisor"], order=order, part=_part(store), quantity=Decimal("0.001"))


def test_a_charge_amount_above_the_price_limit_is_refused(staff, store, order):
    charge = OtherCharge.objects.effective_for_store(store).first()
    with pytest.raises(ValidationError) as refused:
        services.line_add(actor=staff["advisor"], order=order, other_charge=charge, amount=Decimal("1000000"))
    assert "amount" in refused.value.message_dict
    assert not RepairOrderLine.objects.filter(repair_order=order).exists()


def test_catalogue_prices_hours_and_package_quantities_are_bounded(store, vehicle):
    part = Part(group=store.group, store=store, part_no="X1", name="件", unit_price=Decimal("1000000.00"))
    with pytest.raises(ValidationError) as refused:
        part.full_clean(validate_constraints=False)
    assert "unit_price" in refused.value.message_dict
    charge = OtherCharge(group=store.group, store=store, code="X", name="费", default_amount=Decimal("1000000"))
    with pytest.raises(ValidationError) as refused:
        charge.full_clean(validate_constraints=False)
    assert "default_amount" in refused.value.message_dict
    operation = LabourOperation.objects.effective_for_store(store).first()
    operation.frt_hours = Decimal("1000")
    with pytest.raises(ValidationError) as refused:
        operation.full_clean(validate_constraints=False)
    assert "frt_hours" in refused.value.message_dict
    line = PackageJobLine(part=_part(store), quantity=Decimal("10000"))
    with pytest.raises(ValidationError) as refused:
        line.clean_fields(exclude=["package"])
    assert "quantity" in refused.value.message_dict


def test_a_manager_discount_above_the_price_limit_is_refused_by_the_form():
    assert not DiscountForm(data={"amount": "1000000", "reason": "老客户"}).is_valid()


def test_lines_whose_totals_would_not_fit_the_column_are_refused_and_nothing_is_written(staff, store, order):
    dearest = _dearest_part(store)
    items = [services.LineItem(part=dearest, quantity=Decimal("9999")) for _ in range(2)]
    with pytest.raises(ValidationError) as refused:
        services.lines_add(actor=staff["advisor"], order=order, items=items)
    assert "quantity" in refused.value.message_dict
    assert not RepairOrderLine.objects.filter(repair_order=order).exists()
    order.refresh_from_db()
    assert order.total == 0
    # One of them fits, and is added.
    services.lines_add(actor=staff["advisor"], order=order, items=items[:1])
    order.refresh_from_db()
    assert order.total == RepairOrderLine.objects.get(repair_order=order).amount


def test_opening_an_order_with_lines_that_would_not_fit_opens_nothing(staff, store, vehicle):
    dearest = _dearest_part(store)
    items = [services.LineItem(part=dearest, quantity=Decimal("9999")) for _ in range(2)]
    with pytest.raises(ValidationError):
        services.repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle, items=items)
    assert not RepairOrder.objects.filter(vehicle=vehicle).exists()


def test_a_labour_line_whose_hours_would_not_fit_is_refused(staff, store, order):
    operation = LabourOperation.objects.effective_for_store(store).get(code="M001")
    LabourOperation.objects.filter(pk=operation.pk).update(frt_hours=Decimal("999.99"))
    operation.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.line_add(actor=staff["advisor"], order=order, operation=operation, quantity=Decimal("9999"))
    assert "quantity" in refused.value.message_dict
    assert not RepairOrderLine.objects.filter(repair_order=order).exists()


@sqlite_only
def test_an_order_whose_stored_total_is_out_of_range_still_lists_and_opens(staff, store, order, api, client_for):
    services.line_add(actor=staff["advisor"], order=order, part=_part(store))
    # What an earlier release let through: a total past the 12-digit column.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE service_repairorder SET total = 11039999889.60, customer_total = 11039999889.60, "
            "parts_total = 11039999889.60 WHERE id = %s",
            [order.pk],
        )
    assert api.get(URL).status_code == 200
    assert api.get(f"{URL}{order.pk}/").status_code == 200
    advisor = client_for(staff["advisor"])
    assert advisor.get(reverse("service:repair_order_list")).status_code == 200
    assert advisor.get(reverse("service:repair_order_detail", args=[order.pk])).status_code == 200
    assert advisor.get(reverse("customers:customer_detail", args=[order.customer_id])).status_code == 200
    assert advisor.get(reverse("service:customer_history", args=[order.customer_id])).status_code == 200
    assert client_for(staff["cashier"]).get(reverse("billing:cashier")).status_code == 200
    # And the advisor can repair it: removing the line brings the totals back.
    line = RepairOrderLine.objects.get(repair_order=order)
    assert api.delete(f"{URL}{order.pk}/lines/{line.pk}/").status_code == 204
    order.refresh_from_db()
    assert order.total == 0


@sqlite_only
def test_an_order_whose_stored_total_is_out_of_range_can_still_be_cancelled(staff, store, order, api):
    services.line_add(actor=staff["advisor"], order=order, part=_part(store))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE service_repairorder SET total = 11039999889.60 WHERE id = %s", [order.pk])
    response = api.post(f"{URL}{order.pk}/transition/", {"to": "cancelled", "note": "客户取消"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
