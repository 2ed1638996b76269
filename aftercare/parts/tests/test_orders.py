"""Supplier orders: submission, receiving (partial, over, under), back orders and their
cancellation rule, special-part documents, serial-numbered EV parts."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from aftercare.parts import services
from aftercare.parts.choices import DocumentKind, OrderStatus, SerialStatus
from aftercare.parts.models import SerialUnit

from .conftest import PADS

pytestmark = pytest.mark.django_db


def test_submitting_puts_the_quantities_on_order(order, clerk):
    po = services.order_submit(actor=clerk, order=order())
    line = po.lines.get()
    line.item.refresh_from_db()
    assert po.status == OrderStatus.SUBMITTED and line.item.on_order == 10
    assert line.expected_at == timezone.localdate(po.submitted_at) + timedelta(days=7)


def test_a_partial_receipt_leaves_a_back_order_and_the_rest_closes_the_order(order, clerk):
    po = services.order_submit(actor=clerk, order=order())
    line = po.lines.get()
    services.order_receive(actor=clerk, order=po, receipts=[{"line": line.pk, "quantity": "6", "bin": "A-01-01"}])
    line.refresh_from_db()
    item = line.item
    item.refresh_from_db()
    assert (item.on_hand, item.on_order, item.back_ordered) == (6, 0, 4)
    assert line.back_ordered_at is not None and line.open_quantity == 4
    services.order_receive(actor=clerk, order=po, receipts=[{"line": line.pk, "quantity": "5", "bin": "A-01-01"}])
    item.refresh_from_db()
    po.refresh_from_db()
    # one more than ordered came: taken into stock, nothing left on order
    assert (item.on_hand, item.on_order, item.back_ordered) == (11, 0, 0)
    assert po.status == OrderStatus.CLOSED


def test_receiving_refuses_a_bad_quantity_and_writes_nothing(order, clerk):
    po = services.order_submit(actor=clerk, order=order())
    line = po.lines.get()
    with pytest.raises(ValidationError):
        services.order_receive(actor=clerk, order=po, receipts=[{"line": line.pk, "quantity": "-1"}])
    assert line.item.movements.count() == 0


def test_a_back_order_is_cancelled_only_after_a_month_and_with_a_managers_approval(order, clerk, manager):
    po = services.order_submit(actor=clerk, order=order())
    line = po.lines.get()
    services.order_receive(actor=clerk, order=po, receipts=[{"line": line.pk, "quantity": "6"}])
    with pytest.raises(PermissionDenied):
        services.back_order_cancel(actor=clerk, line=line, approver=clerk, reason="厂家停产")
    with translation.override("en"), pytest.raises(ValidationError, match="one month"):
        services.back_order_cancel(actor=clerk, line=line, approver=manager, reason="厂家停产")
    with time_machine.travel(po.submitted_at + timedelta(days=32)):
        services.back_order_cancel(actor=clerk, line=line, approver=manager, reason="厂家停产")
    line.refresh_from_db()
    line.item.refresh_from_db()
    assert line.cancelled == 4 and line.cancel_approved_by == manager and line.item.back_ordered == 0


def test_a_special_part_order_is_refused_naming_each_missing_document(order, clerk):
    po = order(lines=((PADS, "1"),), part_class="special", for_company_vehicle=True)
    services.document_add(
        actor=clerk, order=po, kind=DocumentKind.PHOTO_FRONT, file=SimpleUploadedFile("f.jpg", b"x"), shows_plate=False
    )
    with pytest.raises(ValidationError) as error:
        services.order_submit(actor=clerk, order=po)
    text = str(error.value)
    for kind in DocumentKind:
        if kind != DocumentKind.PHOTO_FRONT:
            assert str(kind.label) in text
    assert str(DocumentKind.PHOTO_FRONT.label) not in text
    for kind in DocumentKind:
        services.document_add(
            actor=clerk,
            order=po,
            kind=kind,
            file=SimpleUploadedFile("d.jpg", b"x"),
            shows_plate=kind == "photo_left_front",
        )
    assert services.order_submit(actor=clerk, order=po).status == OrderStatus.SUBMITTED


def test_ev_core_parts_are_traced_by_serial_from_the_order_to_the_vehicle(stock, store, supplier, clerk, make_order):
    battery = stock(PADS, quantity="0", serialized=True)
    po = services.order_create(
        actor=clerk, store=store, supplier=supplier, order_type="emergency", lines=[(battery, "2")]
    )
    services.order_submit(actor=clerk, order=po)
    line = po.lines.get()
    with pytest.raises(ValidationError):
        services.order_receive(actor=clerk, order=po, receipts=[{"line": line.pk, "quantity": "2", "serials": ["BP1"]}])
    services.order_receive(
        actor=clerk, order=po, receipts=[{"line": line.pk, "quantity": "2", "serials": ["BP-0001", "BP-0002"]}]
    )
    ro = make_order([(PADS, 1)])
    demand = ro.part_demands.get()
    with pytest.raises(ValidationError):
        services.part_issue(actor=clerk, demand=demand, serial="BP-9999")
    services.part_issue(actor=clerk, demand=demand, serial="BP-0002")
    unit = SerialUnit.objects.get(serial="BP-0002")
    assert unit.status == SerialStatus.FITTED and unit.vehicle == ro.vehicle and unit.order_line.order == po
    assert list(ro.vehicle.part_serials.values_list("serial", flat=True)) == ["BP-0002"]
    services.part_return(actor=clerk, demand=demand, quantity="1", serial="BP-0002")
    unit.refresh_from_db()
    assert unit.status == SerialStatus.IN_STOCK and unit.vehicle is None
