"""The customer's notices of a booking go through the messaging door: the
confirmation in the booking's transaction, again for a new time, and the
reminder the day before exactly once however often the hourly job runs."""

import pytest
import time_machine

from aftercare.appointments import services
from aftercare.appointments.choices import Channel
from aftercare.messaging.models import Message

from .conftest import TODAY, TOMORROW, at, op

pytestmark = pytest.mark.django_db


def test_a_booking_confirms_and_the_day_before_reminds_once(staff, store, vehicle):
    appointment = services.appointment_book(
        actor=staff["advisor"], store=store, vehicle=vehicle, start_at=at(TOMORROW, 10),
        operations=[op(store, "M001")], channel=Channel.PHONE,
    )  # fmt: skip
    [confirmed] = Message.objects.filter(template_code="appointment_confirmed")
    assert confirmed.source == appointment and confirmed.state == "queued"
    assert "粤A12345" in confirmed.text and "3月3日 10:00" in confirmed.text

    with time_machine.travel(at(TODAY, 9), tick=False):
        assert services.appointment_reminders_send() == 1
        assert services.appointment_reminders_send() == 0
    assert Message.objects.filter(template_code="appointment_reminder").count() == 1

    services.appointment_change(actor=staff["advisor"], appointment=appointment, start_at=at(TOMORROW, 14))
    assert Message.objects.filter(template_code="appointment_confirmed").exclude(state="cancelled").count() == 2
