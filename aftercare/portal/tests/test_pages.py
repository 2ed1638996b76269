"""Progress, booking and history from the phone (docs/DOMAIN.md §15.2)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aftercare.appointments.choices import AppointmentStatus
from aftercare.appointments.models import Appointment
from aftercare.portal import services
from aftercare.portal.choices import Purpose
from aftercare.service import services as spine
from aftercare.service.choices import Status

from .conftest import SIGNATURE

pytestmark = pytest.mark.django_db


def test_progress_shows_the_stages_and_says_when_the_car_is_ready(client, staff, order, django_assert_max_num_queries):
    _link, token = services.link_issue(
        actor=staff["advisor"], customer=order.customer, purpose=Purpose.PROGRESS, repair_order=order
    )
    with django_assert_max_num_queries(6):
        page = client.get(reverse("portal_public:open", args=[token])).content.decode()
    assert 'data-testid="portal-steps"' in page and 'data-testid="portal-ready"' not in page
    order.status = Status.READY
    order.save(update_fields=["status"])
    assert 'data-testid="portal-ready"' in client.get(reverse("portal_public:open", args=[token])).content.decode()


def test_the_customer_authorises_the_estimate_with_a_signature(client, staff, store, order):
    from aftercare.catalog.models import LabourOperation

    spine.line_add(
        actor=staff["advisor"], order=order, operation=LabourOperation.objects.effective_for_store(store).first()
    )
    spine.repair_order_transition(repair_order=order, to=Status.ESTIMATE, actor=staff["advisor"])
    _link, token = services.link_issue(
        actor=staff["advisor"], customer=order.customer, purpose=Purpose.APPROVE, repair_order=order
    )
    client.post(reverse("portal_public:authorise", args=[token]), {"signature": ""})
    order.refresh_from_db()
    assert order.status == Status.ESTIMATE
    client.post(reverse("portal_public:authorise", args=[token]), {"signature": SIGNATURE})
    order.refresh_from_db()
    assert order.status == Status.APPROVED and order.authorisation_method == "link"


def _next_open_day():
    day = timezone.localdate() + timedelta(days=1)
    return day


def test_the_customer_books_moves_and_cancels_against_real_capacity(client, staff, store, vehicle, catalogue):
    _link, token = services.link_issue(actor=staff["advisor"], customer=vehicle.owner, purpose=Purpose.BOOK)
    day = _next_open_day()
    page = client.get(reverse("portal_public:open", args=[token]), {"day": day.isoformat()})
    starts = page.context["starts"]
    assert starts, "the store has free times tomorrow"
    first = timezone.localtime(starts[0]).strftime("%H:%M")
    client.post(
        reverse("portal_public:book", args=[token]),
        {"day": day.isoformat(), "start": first, "vehicle": vehicle.pk, "complaint": "保养"},
    )
    appointment = Appointment.objects.get()
    assert appointment.vehicle == vehicle and appointment.channel == "web"
    _link, token = services.link_issue(
        actor=staff["advisor"], customer=vehicle.owner, purpose=Purpose.BOOK, appointment=appointment
    )
    later = timezone.localtime(
        client.get(reverse("portal_public:open", args=[token]), {"day": day.isoformat()}).context["starts"][-1]
    )
    client.post(reverse("portal_public:book", args=[token]), {"day": day.isoformat(), "start": later.strftime("%H:%M")})
    appointment.refresh_from_db()
    assert timezone.localtime(appointment.start_at).strftime("%H:%M") == later.strftime("%H:%M")
    client.post(reverse("portal_public:cancel", args=[token]))
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


def test_history_shows_vehicles_and_past_visits(client, staff, order):
    _link, token = services.link_issue(actor=staff["advisor"], customer=order.customer, purpose=Purpose.HISTORY)
    page = client.get(reverse("portal_public:open", args=[token])).content.decode()
    assert 'data-testid="portal-vehicle"' in page and order.vehicle.plate in page


def test_history_shows_each_vehicles_electronic_health_record(client, staff, order):
    from datetime import date

    from aftercare.healthrecords.models import HealthRecord

    HealthRecord.objects.create(
        store=order.store, repair_order=order, vehicle=order.vehicle, company_name="广州天河广本4S店",
        vin=order.vehicle.vin, plate=order.vehicle.plate, repair_date=date(2026, 11, 2), repair_mileage=15230,
        settle_date=date(2026, 11, 3), settle_number=order.number, fault_description="更换机油",
        repair_items=[{"name": "常规保养", "code": "M001", "hours": "1.0"}],
        parts=[{"name": "机油滤清器", "code": "15400-RTA-003", "quantity": "1"}],
    )  # fmt: skip
    _link, token = services.link_issue(actor=staff["advisor"], customer=order.customer, purpose=Purpose.HISTORY)

    page = client.get(reverse("portal_public:open", args=[token])).content.decode()

    assert page.count('data-testid="portal-health-record"') == 1
    assert all(
        text in page for text in ("2026-11-03", order.number, "15230 km", "常规保养 (1.0 h)", "15400-RTA-003 × 1")
    )
