"""The repair order's spine: open, price, authorise, additional work, and every move."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from aftercare.catalog.models import LabourOperation, OtherCharge, PackageJob, Part, RepairType
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm
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


@pytest.mark.parametrize("odometer_km", [None, 30000])
def test_opening_an_order_marks_the_visit_on_the_car_and_its_owner(staff, store, vehicle, catalogue, odometer_km):
    order = services.repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle, odometer_km=odometer_km)
    vehicle.refresh_from_db()
    vehicle.owner.refresh_from_db()
    assert vehicle.last_visit_at == vehicle.owner.last_visit_at == order.opened_at
    assert vehicle.odometer_km == odometer_km


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
    return services.repair_order_transition(repair_order=order, to=Status.ESTIMATE, actor=staff["advisor"])


def test_work_cannot_start_before_the_customer_authorises(staff, store, order):
    _to_estimate(staff, store, order)
    with pytest.raises(services.TransitionRefused):
        services.repair_order_transition(repair_order=order, to=Status.APPROVED, actor=staff["advisor"])
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
    services.repair_order_transition(repair_order=order, to=Status.IN_PROGRESS, actor=staff["foreman"])
    with pytest.raises(services.TransitionRefused):
        services.repair_order_transition(repair_order=order, to=Status.QUALITY_CHECK, actor=staff["foreman"])
    services.line_decide(actor=staff["advisor"], line=extra, approve=False, method="verbal", note="车主电话")
    extra.refresh_from_db()
    assert extra.status == LineStatus.DECLINED  # kept, for a later follow-up offer
    services.repair_order_transition(repair_order=order, to=Status.QUALITY_CHECK, actor=staff["foreman"])


ALL_STATES = [s.value for s in Status]


@pytest.mark.parametrize(("source", "target"), [(a, b) for a in ALL_STATES for b in ALL_STATES])
def test_every_move_is_allowed_exactly_when_the_table_says(source, target, staff, store, order, monkeypatch):
    # The table alone: guards (QC passed, balance paid) are tested where they live.
    monkeypatch.setattr(services.REPAIR_ORDER_WORKFLOW, "guards", {})
    # An order with one line, authorised, placed directly in `source`.
    charge = OtherCharge.objects.effective_for_store(store).first()
    services.line_add(actor=staff["service_manager"], order=order, other_charge=charge)
    RepairOrder.objects.filter(pk=order.pk).update(status=source, authorised_at="2026-01-01T00:00:00Z")
    order.refresh_from_db()
    allowed = target in TRANSITIONS[source]
    if allowed:
        moved = services.repair_order_transition(
            repair_order=order, to=target, actor=staff["service_manager"], note="移动原因"
        )
        assert moved.status == target
        assert StatusChange.objects.filter(repair_order=order, from_status=source, to_status=target).exists()
    else:
        with pytest.raises(services.TransitionRefused):
            services.repair_order_transition(repair_order=order, to=target, actor=staff["service_manager"])
        assert RepairOrder.objects.get(pk=order.pk).status == source


def test_a_technician_cannot_cancel_an_order(staff, order):
    with pytest.raises(PermissionDenied):
        services.repair_order_transition(
            repair_order=order, to=Status.CANCELLED, actor=staff["technician"], note="客户取消"
        )


def test_a_registered_guard_can_refuse_a_move(staff, store, order, monkeypatch):
    monkeypatch.setitem(services.TRANSITION_GUARDS, Status.ESTIMATE, [lambda o: "车辆未检查"])
    services.line_add(actor=staff["advisor"], order=order, operation=_op(store))
    with pytest.raises(services.TransitionRefused, match="车辆未检查"):
        services.repair_order_transition(repair_order=order, to=Status.ESTIMATE, actor=staff["advisor"])


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


# --- several items at once (lines_add) and what each write costs --------------------------------


def _eight_items(store):
    """3 operations and 5 parts, as the estimate screen adds a package or a set of operations."""
    operations = [_op(store, code) for code in ("M001", "B001", "M009")]
    parts = list(Part.objects.effective_for_store(store).order_by("part_no")[:5])
    return [services.LineItem(operation=op) for op in operations] + [services.LineItem(part=p) for p in parts]


def _audit_rows(order):
    return list(
        AuditEntry.objects.filter(
            object_type="service.repairorder", object_id=str(order.pk), changes__has_key="lines_added"
        )
        .order_by("id")
        .values_list("changes", flat=True)
    )


def test_several_items_are_added_at_once_priced_and_totalled_as_one_at_a_time(staff, store, vehicle, order):
    items = _eight_items(store)
    lines = services.lines_add(actor=staff["advisor"], order=order, items=items)
    one_by_one = services.repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle)
    for item in items:
        services.line_add(actor=staff["advisor"], order=one_by_one, operation=item.operation, part=item.part)
    together, separately = RepairOrder.objects.get(pk=order.pk), RepairOrder.objects.get(pk=one_by_one.pk)
    assert [(line.code, line.amount, line.position) for line in lines] == [
        (line.code, line.amount, line.position) for line in separately.lines.all()
    ]
    assert [getattr(together, name) for name in services.TOTAL_FIELDS] == [
        getattr(separately, name) for name in services.TOTAL_FIELDS
    ]
    assert _audit_rows(together) == _audit_rows(separately)  # one row per item, with the same content
    assert len(_audit_rows(together)) == 8


def test_the_totals_kept_from_the_new_lines_match_a_full_recalculation(staff, store, order):
    services.lines_add(actor=staff["advisor"], order=order, items=_eight_items(store))
    services.repair_order_discount(actor=staff["service_manager"], order=order, amount=Decimal("50"), reason="老客户")
    charge = OtherCharge.objects.effective_for_store(store).get(code="WASH")
    warranty_part = services.LineItem(part=_eight_items(store)[4].part, payer="warranty")
    services.lines_add(
        actor=staff["advisor"], order=order, items=[services.LineItem(other_charge=charge), warranty_part]
    )
    kept = RepairOrder.objects.get(pk=order.pk)
    recalculated = services.repair_order_recalculate(RepairOrder.objects.get(pk=order.pk))
    assert [getattr(kept, name) for name in services.TOTAL_FIELDS] == [
        getattr(recalculated, name) for name in services.TOTAL_FIELDS
    ]
    assert list(kept.lines.values_list("position", flat=True)) == list(range(11))


@pytest.mark.parametrize(
    "bad",
    [
        {"quantity": 0},
        {"payer": "nobody"},
        {"operation": "high-voltage"},  # an EV job on a petrol car, refused under the lock
    ],
)
def test_one_refused_item_adds_none_of_them(staff, store, order, bad):
    items = _eight_items(store)
    if bad.get("operation") == "high-voltage":
        items.insert(3, services.LineItem(operation=_op(store, "V002")))
    else:
        items.insert(3, services.LineItem(part=items[4].part, **bad))
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        services.lines_add(actor=staff["advisor"], order=order, items=items)
    assert not order.lines.exists()
    assert RepairOrder.objects.get(pk=order.pk).total == 0
    assert AuditEntry.objects.count() == audit_before


def test_an_item_must_name_exactly_one_thing_and_the_list_must_not_be_empty(staff, store, order):
    with pytest.raises(ValidationError):
        services.lines_add(actor=staff["advisor"], order=order, items=[])
    with pytest.raises(ValidationError):
        services.lines_add(
            actor=staff["advisor"],
            order=order,
            items=[services.LineItem(operation=_op(store), part=_eight_items(store)[3].part)],
        )
    with pytest.raises(PermissionDenied):
        services.lines_add(actor=staff["technician"], order=order, items=_eight_items(store))


def test_packages_and_single_items_mix_in_one_call(staff, store, order):
    package = PackageJob.objects.effective_for_store(store).first()
    lines = services.lines_add(
        actor=staff["advisor"], order=order, items=[services.LineItem(operation=_op(store)), {"package": package}]
    )
    assert len(lines) == 1 + package.lines.count()
    assert all(line.package_id == package.pk for line in lines[1:])
    assert len(_audit_rows(order)) == 2


def test_opening_an_order_and_adding_eight_lines_runs_a_pinned_number_of_queries(
    staff, store, vehicle, catalogue, django_assert_num_queries
):
    advisor = staff["advisor"]
    general = RepairType.objects.effective_for_store(store).get(code="general")
    items = _eight_items(store)
    advisor.has_perm(Perm.REPAIR_ORDER_EDIT, store)  # the role is read once per request
    services.repair_order_open(actor=advisor, store=store, vehicle=vehicle)  # the store's number series exists
    # A savepoint and its release (the test's transaction), the number, the order,
    # its check-in sheet, its first status, the last visit of the car and of its owner, the audit row,
    # and the VIC programme's look-up of the customer on the new order (docs/DOMAIN.md §13.3).
    with django_assert_num_queries(10):
        order = services.repair_order_open(actor=advisor, store=store, vehicle=vehicle, repair_type=general)
    # Savepoint, lock, position, labour rate, one INSERT of the 8 lines, the totals,
    # one INSERT of the 8 audit rows, release.
    with django_assert_num_queries(8):
        services.lines_add(actor=advisor, order=order, items=items)


def test_opening_with_items_gives_the_lines_totals_and_audit_rows_of_opening_then_adding_them(
    staff, store, vehicle, catalogue
):
    items = _eight_items(store)
    at_once = services.repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle, items=items)
    in_two = services.repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle)
    services.lines_add(actor=staff["advisor"], order=in_two, items=items)
    at_once_read, in_two_read = RepairOrder.objects.get(pk=at_once.pk), RepairOrder.objects.get(pk=in_two.pk)
    assert [(line.code, line.amount, line.position, line.status) for line in at_once_read.lines.all()] == [
        (line.code, line.amount, line.position, line.status) for line in in_two_read.lines.all()
    ]
    assert [getattr(at_once_read, name) for name in services.TOTAL_FIELDS] == [
        getattr(in_two_read, name) for name in services.TOTAL_FIELDS
    ]
    assert [getattr(at_once, name) for name in services.TOTAL_FIELDS] == [
        getattr(at_once_read, name) for name in services.TOTAL_FIELDS
    ]  # the returned order carries its totals
    assert at_once_read.total > 0
    assert _audit_rows(at_once) == _audit_rows(in_two) and len(_audit_rows(at_once)) == 8
    opened = AuditEntry.objects.filter(object_id=str(at_once.pk), action=AuditEntry.Action.CREATE)
    assert opened.get().object_type == "service.repairorder"


def test_opening_with_eight_items_is_one_transaction_with_a_pinned_number_of_queries(
    staff, store, vehicle, catalogue, django_assert_num_queries
):
    advisor = staff["advisor"]
    general = RepairType.objects.effective_for_store(store).get(code="general")
    items = _eight_items(store)
    advisor.has_perm(Perm.REPAIR_ORDER_EDIT, store)
    services.repair_order_open(actor=advisor, store=store, vehicle=vehicle)  # the store's number series exists
    # Savepoint, labour rate, number, the order with its totals, one INSERT of the 8 lines,
    # the last visit of the car, check-in sheet, first status, the owner's last visit,
    # one INSERT of the 9 audit rows, release: 11 where opening then adding took 17 in two transactions;
    # + the VIC programme's look-up of the customer (docs/DOMAIN.md §13.3).
    with django_assert_num_queries(12) as captured:
        services.repair_order_open(actor=advisor, store=store, vehicle=vehicle, repair_type=general, items=items)
    statements = [query["sql"].upper() for query in captured.captured_queries]
    assert sum(sql.startswith("SAVEPOINT") for sql in statements) == 1
    assert not any("FOR UPDATE" in sql for sql in statements)  # the new order is nobody else's yet


@pytest.mark.parametrize("bad", [{"quantity": 0}, {"payer": "nobody"}, {"operation": "high-voltage"}])
def test_a_refused_item_at_opening_leaves_no_order(staff, store, vehicle, catalogue, bad):
    items = _eight_items(store)
    if bad.get("operation") == "high-voltage":
        items.insert(3, services.LineItem(operation=_op(store, "V002")))  # an EV job on a petrol car
    else:
        items.insert(3, services.LineItem(part=items[4].part, **bad))
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        services.repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle, odometer_km=1000, items=items)
    vehicle.refresh_from_db()
    assert not RepairOrder.objects.filter(vehicle=vehicle).exists()
    assert AuditEntry.objects.count() == audit_before
    assert vehicle.last_visit_at is None and vehicle.odometer_km != 1000
    first = services.repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle)
    assert first.number == "RO0000001"  # the refused opening took no number


def test_adding_one_line_runs_a_pinned_number_of_queries(staff, store, order, django_assert_num_queries):
    staff["advisor"].has_perm(Perm.REPAIR_ORDER_EDIT, store)
    operation, part = _op(store), _eight_items(store)[3].part
    with django_assert_num_queries(8):  # as for eight: savepoint, lock, position, rate, line, totals, audit, release
        services.line_add(actor=staff["advisor"], order=order, operation=operation)
    with django_assert_num_queries(7):  # a part needs no labour rate
        services.line_add(actor=staff["advisor"], order=order, part=part)


# --- moving an order the caller has locked ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_locked_move_needs_the_callers_transaction(staff, order):
    from django.db.transaction import TransactionManagementError

    with pytest.raises(TransactionManagementError):
        services.repair_order_move_locked(
            repair_order=order, to=Status.CANCELLED, actor=staff["advisor"], note="客户取消"
        )


def test_a_locked_move_checks_role_table_and_guards_and_records_like_a_transition(
    staff, store, order, monkeypatch, django_capture_on_commit_callbacks
):
    seen = []
    monkeypatch.setitem(
        services.TRANSITION_GUARDS,
        Status.ESTIMATE,
        [lambda o: None, lambda o, context: seen.append(context) or None],
    )
    services.line_add(actor=staff["advisor"], order=order, operation=_op(store))
    received = []
    services.repair_order_status_changed.connect(
        lambda **kw: received.append(kw["to_status"]), weak=False, dispatch_uid="locked"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            locked = RepairOrder.objects.select_for_update().get(pk=order.pk)
            with pytest.raises(PermissionDenied):
                services.repair_order_move_locked(repair_order=locked, to=Status.ESTIMATE, actor=staff["technician"])
            with pytest.raises(services.TransitionRefused):
                services.repair_order_move_locked(repair_order=locked, to=Status.READY, actor=staff["service_manager"])
            services.repair_order_move_locked(
                repair_order=locked, to=Status.ESTIMATE, actor=staff["advisor"], context={"checked": True}
            )
    finally:
        services.repair_order_status_changed.disconnect(dispatch_uid="locked")
    assert seen == [{"note": "", "checked": True}]
    assert received == ["estimate"]
    assert StatusChange.objects.filter(repair_order=order, from_status="reception", to_status="estimate").exists()
    assert AuditEntry.objects.filter(object_id=str(order.pk), changes__status=["reception", "estimate"]).exists()


def test_the_customers_decision_on_additional_work_is_announced_after_commit(
    staff, store, order, django_capture_on_commit_callbacks
):
    _to_estimate(staff, store, order)
    services.repair_order_authorise(actor=staff["advisor"], order=order, method="verbal", note="车主电话确认")
    (extra,) = services.line_add(actor=staff["advisor"], order=order, operation=_op(store, "B001"))
    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    services.repair_order_line_decided.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.line_decide(actor=staff["advisor"], line=extra, approve=True, method="verbal", note="车主电话")
            assert heard == []  # not before the decision is committed
    finally:
        services.repair_order_line_decided.disconnect(listener)
    assert [(h["repair_order_id"], h["line_id"], h["approved"]) for h in heard] == [(order.pk, extra.pk, True)]
