"""Capacity: opening hours, bays equipped for the work, certified technicians
for high-voltage work, shifts, and no double booking of a bay or technician."""

from datetime import time
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from aftercare.appointments import selectors, services
from aftercare.appointments.choices import Channel
from aftercare.appointments.models import StoreSchedule, TechnicianShift

from .conftest import TODAY, TOMORROW, at, bay, op

pytestmark = pytest.mark.django_db


def book(staff, store, vehicle, start, codes=("M001",), **kwargs):
    return services.appointment_book(
        actor=staff["advisor"], store=store, vehicle=vehicle, start_at=start,
        operations=[op(store, code) for code in codes], channel=kwargs.pop("channel", Channel.PHONE), **kwargs,
    )  # fmt: skip


def test_free_slots_run_from_opening_until_the_work_still_fits_before_closing(staff, store, catalogue):
    slots = selectors.free_slots(store=store, day=TOMORROW, operations=[op(store, "M001")])
    assert slots[0].start == at(TOMORROW, 8, 30)
    assert slots[-1].start == at(TOMORROW, 17, 30) and slots[-1].end == at(TOMORROW, 18, 0)
    assert len(slots) == 19


def test_todays_slots_do_not_start_in_the_past(staff, store, catalogue):
    slots = selectors.free_slots(store=store, day=TODAY, operations=[], now=at(TODAY, 10, 10))
    assert slots[0].start == at(TODAY, 10, 30)


def test_no_slots_on_a_past_day(staff, store, catalogue):
    assert selectors.free_slots(store=store, day=TODAY.replace(day=1), operations=[]) == []


def test_the_duration_is_the_frt_hours_rounded_up_to_whole_slots_and_the_price_frt_times_the_rate(
    staff, store, vehicle
):
    appointment = book(staff, store, vehicle, at(TOMORROW, 9), codes=("M001", "M002"))
    assert appointment.estimated_hours == Decimal("0.80")
    assert appointment.duration_minutes == 60
    assert appointment.end_at == at(TOMORROW, 10)
    # general repair at ¥420/h: 0.5 h and 0.3 h, each rounded to the cent.
    assert appointment.estimated_price == Decimal("336.00")
    assert [line.amount for line in appointment.operations.all()] == [Decimal("210.00"), Decimal("126.00")]


def test_the_slot_size_is_a_setting_of_the_store(staff, store, vehicle):
    StoreSchedule.objects.create(store=store, slot_minutes=15)
    appointment = book(staff, store, vehicle, at(TOMORROW, 9), codes=("M001", "M002"))
    assert appointment.duration_minutes == 60  # 48 minutes → 4 slots of 15
    appointment = book(staff, store, vehicle, at(TOMORROW, 11), codes=("M002",))
    assert appointment.duration_minutes == 30  # 18 minutes → 2 slots of 15


def test_ordinary_work_goes_to_a_plain_bay_before_the_special_ones(staff, store, vehicle):
    appointment = book(staff, store, vehicle, at(TOMORROW, 9))
    assert appointment.bay.code == "B01"
    assert appointment.technician == staff["technician"]


def test_high_voltage_work_needs_the_ev_bay_and_a_certified_technician(staff, store, ev, add_technician):
    hv_work = [op(store, "V001")]
    assert selectors.free_slots(store=store, day=TOMORROW, operations=hv_work) == []
    certified = add_technician("王高压", hv_certified=True)
    slots = selectors.free_slots(store=store, day=TOMORROW, operations=hv_work)
    assert {b.code for b in slots[0].bays} == {"B06"}
    assert slots[0].technicians == [certified]
    appointment = book(staff, store, ev, at(TOMORROW, 9), codes=("V001",))
    assert (appointment.bay.code, appointment.technician) == ("B06", certified)


def test_high_voltage_work_is_refused_for_an_uncertified_technician_or_an_ordinary_bay(
    staff, store, ev, add_technician
):
    add_technician("王高压", hv_certified=True)
    with pytest.raises(ValidationError) as refused:
        book(staff, store, ev, at(TOMORROW, 9), codes=("V001",), technician=staff["technician"])
    assert "technician" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        book(staff, store, ev, at(TOMORROW, 9), codes=("V001",), bay=bay(store, "B01"))
    assert "bay" in refused.value.message_dict


def test_paint_work_needs_the_paint_booth(staff, store, vehicle):
    appointment = book(staff, store, vehicle, at(TOMORROW, 9), codes=("P001",))
    assert appointment.bay.code == "B08"


def test_a_technician_is_never_double_booked(staff, store, vehicle):
    book(staff, store, vehicle, at(TOMORROW, 9), codes=("M001", "M002"))
    with pytest.raises(ValidationError) as refused:
        book(staff, store, vehicle, at(TOMORROW, 9, 30))
    assert "start_at" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        book(staff, store, vehicle, at(TOMORROW, 9, 30), technician=staff["technician"])
    assert "technician" in refused.value.message_dict
    assert book(staff, store, vehicle, at(TOMORROW, 10)).technician == staff["technician"]


def test_a_bay_is_never_double_booked(staff, store, vehicle, add_technician):
    add_technician("赵师傅")
    book(staff, store, vehicle, at(TOMORROW, 9), bay=bay(store, "B05"))
    with pytest.raises(ValidationError) as refused:
        book(staff, store, vehicle, at(TOMORROW, 9), bay=bay(store, "B05"))
    assert "bay" in refused.value.message_dict
    second = book(staff, store, vehicle, at(TOMORROW, 9))
    assert second.bay.code == "B01" and second.technician != staff["technician"]


def test_the_last_alignment_bay_once_booked_leaves_no_slot_for_alignment(staff, store, vehicle, add_technician):
    add_technician("赵师傅")
    alignment = [op(store, "T001")]
    before = {slot.start for slot in selectors.free_slots(store=store, day=TOMORROW, operations=alignment)}
    book(staff, store, vehicle, at(TOMORROW, 9), codes=("T001",))
    after = {slot.start for slot in selectors.free_slots(store=store, day=TOMORROW, operations=alignment)}
    assert before - after == {at(TOMORROW, 8, 30), at(TOMORROW, 9), at(TOMORROW, 9, 30)}


def test_an_absent_technician_gives_no_slots_and_a_shift_limits_them(staff, store, catalogue):
    shift = TechnicianShift.objects.create(store=store, technician=staff["technician"], day=TOMORROW, is_absent=True)
    assert selectors.free_slots(store=store, day=TOMORROW, operations=[]) == []
    shift.is_absent, shift.starts_at, shift.ends_at = False, time(13, 0), time(18, 0)
    shift.save()
    slots = selectors.free_slots(store=store, day=TOMORROW, operations=[])
    assert slots[0].start == at(TOMORROW, 13)


def test_a_cancelled_booking_gives_its_time_back(staff, store, vehicle):
    first = book(staff, store, vehicle, at(TOMORROW, 9))
    services.appointment_cancel(actor=staff["advisor"], appointment=first, reason="客户改期")
    assert book(staff, store, vehicle, at(TOMORROW, 9)).technician == staff["technician"]


@pytest.mark.parametrize(
    ("start", "why"),
    [
        (at(TODAY.replace(day=1), 9), "The time is in the past."),
        (at(TOMORROW, 7, 30), "opening hours"),
        (at(TOMORROW, 17, 45), "opening hours"),
    ],
)
def test_a_booking_in_the_past_or_outside_opening_hours_is_a_field_error(staff, store, vehicle, start, why):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        book(staff, store, vehicle, start)
    assert why in " ".join(refused.value.message_dict["start_at"])


def test_a_booking_needs_work_or_a_complaint_and_operations_for_the_vehicle(staff, store, vehicle):
    with pytest.raises(ValidationError) as refused:
        book(staff, store, vehicle, at(TOMORROW, 9), codes=())
    assert "complaint" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        book(staff, store, vehicle, at(TOMORROW, 9), codes=("V004",))  # BEV motor check on a petrol car
    assert "operations" in refused.value.message_dict
    diagnosis = book(staff, store, vehicle, at(TOMORROW, 9), codes=(), complaint="底盘异响")
    assert diagnosis.duration_minutes == 30 and diagnosis.estimated_price == Decimal("0.00")


def test_nobody_books_in_a_store_where_they_have_no_role(staff, store, other_store, vehicle):
    with pytest.raises(PermissionDenied):
        book(staff, other_store, vehicle, at(TOMORROW, 9))
