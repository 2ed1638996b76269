"""Booking services: the two-advisors race, changes, status moves, conversion
into a repair order, and the statistics."""

import threading
import time as clock
from datetime import time
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from aftercare.appointments import selectors, services
from aftercare.appointments.choices import AppointmentStatus, Channel
from aftercare.appointments.models import Appointment, TechnicianShift
from aftercare.catalog.models import LabourRate
from aftercare.core.models import AuditEntry
from aftercare.service.choices import LineKind, Status
from aftercare.tests.factories import CustomerFactory, VehicleFactory

from .conftest import TODAY, TOMORROW, at, op

pytestmark = pytest.mark.django_db


def book(staff, store, vehicle, start, codes=("M001",), actor="advisor", **kwargs):
    return services.appointment_book(
        actor=staff[actor], store=store, vehicle=vehicle, start_at=start,
        operations=[op(store, code) for code in codes], channel=kwargs.pop("channel", Channel.PHONE), **kwargs,
    )  # fmt: skip


# --- two advisors, one last slot -------------------------------------------------------------


def _one_slot_left(store, staff):
    """The only technician works 09:00-09:30 tomorrow: one 30-minute slot in the whole day."""
    TechnicianShift.objects.create(
        store=store, technician=staff["technician"], day=TOMORROW, starts_at=time(9), ends_at=time(9, 30)
    )


def test_an_advisor_booking_from_a_stale_slot_list_is_refused(staff, store, vehicle):
    _one_slot_left(store, staff)
    # Both advisors look at the free slots before either books.
    seen_by_first = selectors.free_slots(store=store, day=TOMORROW, operations=[op(store, "M001")])
    seen_by_second = selectors.free_slots(store=store, day=TOMORROW, operations=[op(store, "M001")])
    assert [s.start for s in seen_by_first] == [s.start for s in seen_by_second] == [at(TOMORROW, 9)]
    book(staff, store, vehicle, seen_by_first[0].start)
    with pytest.raises(ValidationError):
        book(staff, store, vehicle, seen_by_second[0].start, actor="service_manager")
    assert Appointment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_advisors_booking_the_last_slot_at_once_cannot_both_succeed(
    staff, store, vehicle, monkeypatch, django_db_blocker
):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:memorydb", ":memory:")):
        pytest.skip("threads cannot share SQLite's in-memory test database; the stale-list test covers the logic")
    _one_slot_left(store, staff)
    start = at(TOMORROW, 9)
    # Widen the window between "is it free?" and the insert, so that without
    # the store lock both advisors would see the slot free and both insert.
    real_plan = services.day_plan

    def slow_plan(**kwargs):
        plan = real_plan(**kwargs)
        clock.sleep(0.3)
        return plan

    monkeypatch.setattr(services, "day_plan", slow_plan)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def advisor(role):
        try:
            barrier.wait()
            book(staff, store, vehicle, start, actor=role)
            outcomes.append("booked")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=advisor, args=(role,)) for role in ("advisor", "service_manager")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["booked", "refused"]
    assert Appointment.objects.filter(start_at=start).count() == 1


# --- changes and status moves --------------------------------------------------------------------


def test_changing_the_time_rechecks_capacity_without_counting_itself(staff, store, vehicle):
    appointment = book(staff, store, vehicle, at(TOMORROW, 9), codes=("M001", "M002"))
    moved = services.appointment_change(actor=staff["advisor"], appointment=appointment, start_at=at(TOMORROW, 9, 30))
    assert (moved.start_at, moved.end_at) == (at(TOMORROW, 9, 30), at(TOMORROW, 10, 30))
    other = book(staff, store, vehicle, at(TOMORROW, 11))
    with pytest.raises(ValidationError):
        services.appointment_change(actor=staff["advisor"], appointment=moved, start_at=at(TOMORROW, 10, 30))
    assert AuditEntry.objects.filter(object_id=str(moved.pk), action="update").exists()
    assert other.pk


def test_changing_the_work_recomputes_the_estimate(staff, store, vehicle):
    appointment = book(staff, store, vehicle, at(TOMORROW, 9))
    changed = services.appointment_change(
        actor=staff["advisor"], appointment=appointment, operations=[op(store, "B001"), op(store, "B002")]
    )
    assert changed.estimated_hours == Decimal("2.40")
    assert changed.duration_minutes == 150
    assert changed.estimated_price == Decimal("1008.00")
    assert list(changed.operations.values_list("operation__code", flat=True)) == ["B001", "B002"]


def test_a_cancelled_appointment_can_no_longer_change_or_be_cancelled(staff, store, vehicle):
    appointment = book(staff, store, vehicle, at(TOMORROW, 9))
    services.appointment_cancel(actor=staff["advisor"], appointment=appointment, reason="客户改期")
    with pytest.raises(services.TransitionRefused):
        services.appointment_cancel(actor=staff["advisor"], appointment=appointment)
    with pytest.raises(services.TransitionRefused):
        services.appointment_change(actor=staff["advisor"], appointment=appointment, complaint="x")


def test_a_no_show_is_only_recorded_once_the_time_has_begun(staff, store, vehicle):
    appointment = book(staff, store, vehicle, at(TODAY, 9))
    with pytest.raises(services.TransitionRefused):
        services.appointment_mark_no_show(actor=staff["advisor"], appointment=appointment)
    services.appointment_mark_no_show(actor=staff["advisor"], appointment=appointment, now=at(TODAY, 9, 20))
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.NO_SHOW


def test_every_move_of_an_appointment_is_a_history_row_with_who_and_why(staff, store, vehicle):
    appointment = book(staff, store, vehicle, at(TOMORROW, 9))
    services.appointment_mark_arrived(actor=staff["advisor"], appointment=appointment)
    services.appointment_cancel(actor=staff["advisor"], appointment=appointment, reason=" 客户改期 ")
    rows = list(appointment.status_changes.values_list("from_status", "to_status", "changed_by", "note"))
    assert rows == [
        ("", "booked", staff["advisor"].pk, ""),
        ("booked", "arrived", staff["advisor"].pk, ""),
        ("arrived", "cancelled", staff["advisor"].pk, "客户改期"),
    ]
    appointment.refresh_from_db()
    assert appointment.cancel_reason == "客户改期" and appointment.cancelled_at and appointment.arrived_at


def test_a_refused_move_writes_no_history_row(staff, store, vehicle):
    appointment = book(staff, store, vehicle, at(TOMORROW, 9))
    with pytest.raises(services.TransitionRefused):
        services.appointment_mark_no_show(actor=staff["advisor"], appointment=appointment)
    assert list(appointment.status_changes.values_list("to_status", flat=True)) == ["booked"]


def test_only_opening_the_repair_order_converts_an_appointment(staff, store, vehicle):
    appointment = book(staff, store, vehicle, at(TODAY, 9))
    with pytest.raises(services.TransitionRefused, match="开立工单"):
        services.appointment_transition(actor=staff["advisor"], appointment=appointment, to=AppointmentStatus.CONVERTED)
    order = services.appointment_convert(actor=staff["advisor"], appointment=appointment)
    change = appointment.status_changes.get(to_status=AppointmentStatus.CONVERTED)
    assert change.from_status == AppointmentStatus.BOOKED
    assert AuditEntry.objects.filter(
        object_id=str(appointment.pk),
        changes__repair_order=[None, order.number],
        changes__status=["booked", "converted"],
    ).exists()


def test_appointment_moves_announce_themselves_after_commit(staff, store, vehicle, django_capture_on_commit_callbacks):
    appointment = book(staff, store, vehicle, at(TOMORROW, 9))
    received = []
    services.appointment_status_changed.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="appt")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.appointment_mark_arrived(actor=staff["advisor"], appointment=appointment)
    finally:
        services.appointment_status_changed.disconnect(dispatch_uid="appt")
    assert [(kw["appointment_id"], kw["from_status"], kw["to_status"]) for kw in received] == [
        (appointment.pk, "booked", "arrived")
    ]


def test_a_technician_may_not_book(staff, store, vehicle):
    with pytest.raises(PermissionDenied):
        book(staff, store, vehicle, at(TOMORROW, 9), actor="technician")


# --- arrival: open the repair order in one step ------------------------------------------------------


def test_converting_opens_a_repair_order_with_the_booked_work(staff, store, vehicle):
    appointment = book(staff, store, vehicle, at(TODAY, 9), codes=("M001", "M002"), complaint="保养到期")
    services.appointment_mark_arrived(actor=staff["advisor"], appointment=appointment)
    order = services.appointment_convert(actor=staff["advisor"], appointment=appointment, odometer_km=15000)
    appointment.refresh_from_db()
    vehicle.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONVERTED and appointment.repair_order == order
    assert order.status == Status.RECEPTION and order.customer_statement == "保养到期"
    assert list(order.lines.filter(kind=LineKind.LABOUR).values_list("code", flat=True)) == ["M001", "M002"]
    assert order.labour_total == appointment.estimated_price
    assert vehicle.odometer_km == 15000


def test_an_appointment_is_converted_only_once(staff, store, vehicle):
    appointment = book(staff, store, vehicle, at(TODAY, 9))
    services.appointment_convert(actor=staff["advisor"], appointment=appointment)
    with pytest.raises(services.TransitionRefused):
        services.appointment_convert(actor=staff["advisor"], appointment=appointment)


def test_a_failed_conversion_leaves_no_repair_order(staff, store, vehicle):
    appointment = book(staff, store, vehicle, at(TODAY, 9))
    vehicle.odometer_km = 50000
    vehicle.save()
    with pytest.raises(ValidationError):
        services.appointment_convert(actor=staff["advisor"], appointment=appointment, odometer_km=100)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED and appointment.repair_order is None
    assert not vehicle.repair_orders.exists()


def test_converting_audits_the_order_and_each_booked_operation(staff, store, vehicle):
    appointment = book(staff, store, vehicle, at(TODAY, 9), codes=("M001", "M002"))
    order = services.appointment_convert(actor=staff["advisor"], appointment=appointment)
    rows = AuditEntry.objects.filter(object_type="service.repairorder", object_id=str(order.pk)).order_by("id")
    assert [row.action for row in rows] == [
        AuditEntry.Action.CREATE,
        AuditEntry.Action.UPDATE,
        AuditEntry.Action.UPDATE,
    ]
    assert order.total == order.customer_total == appointment.estimated_price


def test_a_booked_operation_refused_at_conversion_opens_no_repair_order(staff, store, vehicle):
    appointment = book(staff, store, vehicle, at(TODAY, 9))
    LabourRate.objects.all().delete()  # the labour can no longer be priced
    with pytest.raises(ValidationError):
        services.appointment_convert(actor=staff["advisor"], appointment=appointment)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED and appointment.repair_order is None
    assert not vehicle.repair_orders.exists()


# --- statistics ------------------------------------------------------------------------------------------


def test_statistics_count_booked_arrived_no_shows_and_channels_for_a_date_range(staff, store, vehicle):
    other = VehicleFactory(owner=CustomerFactory(store=store), plate="粤B55555")
    a = book(staff, store, vehicle, at(TODAY, 9), channel=Channel.WECHAT)
    b = book(staff, store, other, at(TODAY, 10), channel=Channel.PHONE)
    c = book(staff, store, vehicle, at(TODAY, 11), channel=Channel.PHONE)
    d = book(staff, store, other, at(TOMORROW, 9), channel=Channel.WEB)
    book(staff, store, vehicle, at(TOMORROW, 10), channel=Channel.WALK_IN)
    services.appointment_convert(actor=staff["advisor"], appointment=a)
    services.appointment_mark_arrived(actor=staff["advisor"], appointment=b)
    services.appointment_mark_no_show(actor=staff["advisor"], appointment=c, now=at(TODAY, 12))
    services.appointment_cancel(actor=staff["advisor"], appointment=d)
    stats = selectors.appointment_statistics(appointments=Appointment.objects.all(), date_from=TODAY, date_to=TODAY)
    assert (stats["total"], stats["arrived"], stats["no_show"], stats["booked"]) == (3, 2, 1, 0)
    assert stats["show_rate"] == Decimal("66.7")
    assert {value: n for value, _label, n in stats["by_channel"]} == {"phone": 2, "wechat": 1, "web": 0, "walk_in": 0}
    week = selectors.appointment_statistics(appointments=Appointment.objects.all(), date_from=TODAY, date_to=TOMORROW)
    assert (week["total"], week["cancelled"], week["booked"]) == (5, 1, 1)
