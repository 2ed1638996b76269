"""The booking form keeps the day it was opened for, in Chinese too."""

from datetime import timedelta

import pytest
from django.urls import reverse

from aftercare.appointments import services
from aftercare.appointments.choices import Channel
from aftercare.tests.browser_forms import submitted

from .conftest import TODAY, at, op

pytestmark = pytest.mark.django_db


def test_new_appointment_from_the_day_view_books_the_day_shown(staff, client_for, catalogue):
    client = client_for(staff["advisor"])
    later = TODAY + timedelta(days=3)
    day = client.get(reverse("appointments:day"), {"date": later.isoformat()}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    link = f"{reverse('appointments:create')}?date={later.isoformat()}"
    assert link in day.content.decode()

    # Moving to another day with the htmx buttons swaps the part that holds the link.
    partial = client.get(reverse("appointments:day"), {"date": later.isoformat()}, HTTP_HX_REQUEST="true")
    assert link in partial.content.decode()

    form = client.get(link, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert submitted(form.content.decode(), having="day")["day"] == later.isoformat()


def test_editing_an_appointment_untouched_in_chinese_keeps_its_time(staff, store, vehicle, client_for):
    appointment = services.appointment_book(
        actor=staff["advisor"], store=store, vehicle=vehicle, start_at=at(TODAY + timedelta(days=1), 10, 30),
        operations=[op(store, "M001")], channel=Channel.PHONE, complaint="刹车异响",
    )  # fmt: skip
    client = client_for(staff["advisor"])
    url = reverse("appointments:edit", args=[appointment.pk])
    data = submitted(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode(), having="day")
    assert client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 302

    appointment.refresh_from_db()
    assert appointment.start_at == at(TODAY + timedelta(days=1), 10, 30)
