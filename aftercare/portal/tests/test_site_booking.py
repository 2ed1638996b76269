"""The booking link offers home service, wall-box installation and charger repair to the owner
of a plug-in car, and only to them (docs/DOMAIN.md §17.9)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aftercare.appointments.models import Appointment
from aftercare.portal import services
from aftercare.portal.choices import Purpose
from aftercare.tests.factories import CustomerFactory, VehicleFactory

pytestmark = pytest.mark.django_db

ADDRESS = "广州市天河区体育西路100号 小区地库B2-031"


@pytest.fixture
def ev(store, catalogue):
    owner = CustomerFactory(store=store, name="林小姐")
    return VehicleFactory(owner=owner, store=store, plate="粤AD23456", powertrain="BEV")


def _booking_page(client, staff, owner, **query):
    _link, token = services.link_issue(actor=staff["advisor"], customer=owner, purpose=Purpose.BOOK)
    return token, client.get(reverse("portal_public:open", args=[token]), query)


def test_the_booking_link_offers_home_service_to_an_ev_owner(client, staff, ev):
    _token, page = _booking_page(client, staff, ev.owner)
    offered = dict(page.context["services"])
    assert {"", "home", "wallbox", "charger_repair"} == set(offered)
    assert 'data-testid="portal-services"' in page.content.decode()


def test_the_booking_link_offers_no_site_work_to_an_ice_owner(client, staff, vehicle, catalogue):
    _token, page = _booking_page(client, staff, vehicle.owner, service="home")
    assert [value for value, _label in page.context["services"]] == [""]
    assert page.context["service"] == "" and 'data-testid="portal-services"' not in page.content.decode()


def test_an_ev_owner_books_a_home_service_at_their_address(client, staff, ev):
    day = timezone.localdate() + timedelta(days=1)
    token, page = _booking_page(client, staff, ev.owner, day=day.isoformat(), service="home")
    starts = page.context["starts"]
    assert starts, "a technician and a van are free tomorrow"
    client.post(
        reverse("portal_public:book", args=[token]),
        {"day": day.isoformat(), "start": timezone.localtime(starts[0]).strftime("%H:%M"), "vehicle": ev.pk,
         "complaint": "上门检查", "service": "home", "address": ADDRESS},
    )  # fmt: skip
    appointment = Appointment.objects.get()
    assert (appointment.site_kind, appointment.site_address, appointment.bay) == ("home", ADDRESS, None)
    assert appointment.van is not None and appointment.operations.get().operation.code == "H001"


def test_an_ice_owner_posting_home_service_anyway_is_refused(client, staff, vehicle, catalogue):
    day = timezone.localdate() + timedelta(days=1)
    token, page = _booking_page(client, staff, vehicle.owner, day=day.isoformat())
    response = client.post(
        reverse("portal_public:book", args=[token]),
        {"day": day.isoformat(), "start": timezone.localtime(page.context["starts"][0]).strftime("%H:%M"),
         "vehicle": vehicle.pk, "service": "home", "address": ADDRESS},
    )  # fmt: skip
    assert response.status_code == 400 and not Appointment.objects.exists()
