"""The repair order's spine: open, price, authorise, additional work, and every move."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aftercare.catalog.models import LabourOperation, OtherCharge, PackageJob, Part
from aftercare.service import services
from aftercare.service.choices import TRANSITIONS, LineStatus, Status
from aftercare.service.models import RepairOrder, StatusChange
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(store):
    catalog_for(store)


@pytest.fixture
def vehicle(store):
    return VehicleFactory(owner=CustomerFactory(store=store, name="张三"), plate="粤A12345", powertrain="ICE")


@pytest.fixture
def order(staff, store, vehicle, catalogue):
    return services.repair_order_open(
        actor=staff["advisor"], store=store, vehicle=vehicle, customer_statement="刹车有异响", odometer_km=20000
    )


def _op(store, code="M001"):
    return LabourOperation.objects.effective_for_store(store).get(code=code)


def test_opening_an_order_numbers_it_records_the_odometer_and_history(order, vehicle):
    vehicle.refresh_from_db()
    assert order.number == "RO0000001"
    assert order.status == Status.RECEPTION
    assert vehicle.odometer_km == 20000
    assert list(order.status_changes.values_list("to_status", flat=True)) == ["reception"]


def test_labour_is_frt_hours_times_the_repair_types_rate(staff, store, order):
    op = _op(store)
    (line,) = services.line_add(actor=staff["advisor"], order=order, operation=op)
    order.refresh_from_db()
    assert line.amount == (op.frt_hours * Decimal("420.00")).quantize(Decimal("0.01"))
    assert order.labour_total == line.amount == order.total == order.customer_total


def test_a_package_expands_into_its_lines(staff, store, order):
    package = PackageJob.objects.effective_for_store(store).first()
    lines = services.line_add(actor=staff["advisor"], order=order, package=package)
    order.refresh_from_db()
    assert len(lines) == package.lines.count()
    assert order.total == sum(line.amount for line in lines)


def test_the_discount_level_reduces_customer_lines_only(staff, store, vehicle, catalogue):
    vehicle.discount_level = "GOLD"
    vehicle.save()
    order = services.repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle)
    part = Part.objects.effective_for_store(store).first()
    (paid,) = services.line_add(actor=staff["advisor"], order=order, part=part)
    (warranty,) = services.line_add(actor=staff["advisor"], order=order, part=part, payer="warranty")
    assert paid.discount_amount > 0 and warranty.discount_amount == 0


def test_a_manager_discount_is_a_negative_line_and_needs_the_permission(staff, store, order):
    services.line_add(actor=staff["advisor"], order=order, operation=_op(store))
    with pytest.raises(PermissionDenied):
        services.repair_order_discount(actor=staff["advisor"], order=order, amount=Decimal("10"), reason="老客户")
    services.repair_order_discount(actor=staff["service_manager"], order=order, amount=Decimal("10"), reason="老客户")
    order.refresh_from_db()
    assert order.discount_total == Decimal("10.00")


def _to_estimate(staff, store, order):
    services.line_add(actor=staff["advisor"], order=order, operation=_op(store))
    return services.repair_order_transition(order=order, to=Status.ESTIMATE, actor=staff["advisor"])


def test_work_cannot_start_before_the_customer_authorises(staff, store, order):
    _to_estimate(staff, store, order)
    with pytest.raises(services.TransitionRefused):
        services.repair_order_transition(order=order, to=Status.APPROVED, actor=staff["advisor"])
    with pytest.raises(ValidationError):
        services.repair_order_authorise(actor=staff["advisor"], order=order, method="verbal")
    order = services.repair_order_authorise(
        actor=staff["advisor"], order=order, method="verbal", note="车主电话确认 10:20"
    )
    assert order.status == Status.APPROVED and order.authorised_at


def test_additional_work_is_proposed_until_the_customer_decides(staff, store, order):
    _to_estimate(staff, store, order)
    services.repair_order_authorise(
        actor=staff["advisor"], order=order, method="signature", signature="data:image/png;base64,AAA"
    )
    total_before = RepairOrder.objects.get(pk=order.pk).total
    (extra,) = services.line_add(actor=staff["advisor"], order=order, operation=_op(store, "B001"))
    assert extra.status == LineStatus.PROPOSED and extra.is_additional
    assert RepairOrder.objects.get(pk=order.pk).total == total_before
    services.repair_order_transition(order=order, to=Status.IN_PROGRESS, actor=staff["foreman"])
    with pytest.raises(services.TransitionRefused):
        services.repair_order_transition(order=order, to=Status.QUALITY_CHECK, actor=staff["foreman"])
    services.line_decide(actor=staff["advisor"], line=extra, approve=False, method="link")
    extra.refresh_from_db()
    assert extra.status == LineStatus.DECLINED  # kept, for a later follow-up offer
    services.repair_order_transition(order=order, to=Status.QUALITY_CHECK, actor=staff["foreman"])


ALL_STATES = [s.value for s in Status]


@pytest.mark.parametrize(("source", "target"), [(a, b) for a in ALL_STATES for b in ALL_STATES])
def test_every_move_is_allowed_exactly_when_the_table_says(source, target, staff, store, order, monkeypatch):
    # The table alone: other apps' guards (QC passed, balance paid) are tested where they live.
    monkeypatch.setattr(services, "TRANSITION_GUARDS", {})
    # An order with one line, authorised, placed directly in `source`.
    charge = OtherCharge.objects.effective_for_store(store).first()
    services.line_add(actor=staff["service_manager"], order=order, other_charge=charge)
    RepairOrder.objects.filter(pk=order.pk).update(status=source, authorised_at="2026-01-01T00:00:00Z")
    order.refresh_from_db()
    allowed = target in TRANSITIONS[source]
    if allowed:
        moved = services.repair_order_transition(order=order, to=target, actor=staff["service_manager"])
        assert moved.status == target
        assert StatusChange.objects.filter(repair_order=order, from_status=source, to_status=target).exists()
    else:
        with pytest.raises(services.TransitionRefused):
            services.repair_order_transition(order=order, to=target, actor=staff["service_manager"])
        assert RepairOrder.objects.get(pk=order.pk).status == source


def test_a_technician_cannot_cancel_an_order(staff, order):
    with pytest.raises(PermissionDenied):
        services.repair_order_transition(order=order, to=Status.CANCELLED, actor=staff["technician"])


def test_a_registered_guard_can_refuse_a_move(staff, store, order, monkeypatch):
    monkeypatch.setitem(services.TRANSITION_GUARDS, Status.ESTIMATE, [lambda o: "车辆未检查"])
    services.line_add(actor=staff["advisor"], order=order, operation=_op(store))
    with pytest.raises(services.TransitionRefused, match="车辆未检查"):
        services.repair_order_transition(order=order, to=Status.ESTIMATE, actor=staff["advisor"])


def test_moves_announce_themselves_after_commit(staff, store, order, django_capture_on_commit_callbacks):
    received = []
    services.repair_order_status_changed.connect(
        lambda **kw: received.append(kw["to_status"]), weak=False, dispatch_uid="t"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _to_estimate(staff, store, order)
    finally:
        services.repair_order_status_changed.disconnect(dispatch_uid="t")
    assert received == ["estimate"]
