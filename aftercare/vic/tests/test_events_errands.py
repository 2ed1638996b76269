"""Events with invitations through the door and answers from the phone (at most one guest),
check-in and cost per person; pick-ups and errands (docs/DOMAIN.md §13.3)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from aftercare.messaging.models import Message
from aftercare.tests.factories import CustomerFactory
from aftercare.vic import selectors, services
from aftercare.vic.choices import ErrandStatus, RsvpStatus
from aftercare.vic.models import ErrandChange, Invitation

pytestmark = pytest.mark.django_db


@pytest.fixture
def golf(store, specialist):
    return services.event_create(
        actor=specialist,
        store=store,
        kind="golf",
        title="VIC高尔夫邀请赛",
        venue="九龙湖球场",
        starts_at=timezone.now() + timedelta(days=10),
        capacity=3,
        cost=Decimal("6000.00"),
    )


def test_an_invitation_goes_through_the_door_and_the_rsvp_allows_one_guest_at_most(
    specialist, golf, vic_customer, client
):
    invitation = services.invite(actor=specialist, event=golf, customer=vic_customer)
    assert Message.objects.filter(customer=vic_customer, template_code="vic_invitation").count() == 1
    link = invitation.link
    with pytest.raises(ValidationError) as error:
        services.rsvp(link=link, coming=True, guests=2, guest_name="两位")
    assert "guests" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.rsvp(link=link, coming=True, guests=1, guest_name="")
    answered = services.rsvp(link=link, coming=True, guests=1, guest_name="王太太")
    assert answered.status == RsvpStatus.ACCEPTED and answered.guests == 1
    # The database holds the limit too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.filter(pk=invitation.pk).update(guests=2)


def test_the_phone_page_refuses_two_guests_with_a_field_error(specialist, golf, vic_customer, client, settings):
    from aftercare.portal.choices import Purpose
    from aftercare.portal.services import link_issue

    settings.DEMO_MODE = True
    invitation = services.invite(actor=specialist, event=golf, customer=vic_customer)
    link, token = link_issue(actor=specialist, customer=vic_customer, purpose=Purpose.RSVP, token="rsvp-test-token")
    Invitation.objects.filter(pk=invitation.pk).update(link=link)
    path = f"/p/{token}/"
    assert golf.title in client.get(path).content.decode()
    refused = client.post(path, {"coming": "yes", "guests": "2", "guest_name": "两位"})
    assert refused.status_code == 400 and 'data-testid="field-error"' in refused.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == RsvpStatus.INVITED
    assert client.post(path, {"coming": "yes", "guests": "1", "guest_name": "王太太"}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == RsvpStatus.ACCEPTED and invitation.guest_name == "王太太"


def test_a_full_event_refuses_more_and_check_in_gives_the_cost_per_person(specialist, golf, store, vic_customer):
    guests = [vic_customer, CustomerFactory(store=store), CustomerFactory(store=store)]
    invitations = [services.invite(actor=specialist, event=golf, customer=c) for c in guests]
    services.rsvp(link=invitations[0].link, coming=True, guests=1, guest_name="王太太")
    services.rsvp(link=invitations[1].link, coming=True)
    with pytest.raises(ValidationError):
        services.rsvp(link=invitations[2].link, coming=True)  # 3 places, 3 taken
    services.rsvp(link=invitations[2].link, coming=False)

    services.check_in(actor=specialist, invitation=invitations[0], guest_came=True)
    services.check_in(actor=specialist, invitation=invitations[1])
    with pytest.raises(ValidationError):
        services.check_in(actor=specialist, invitation=invitations[1])
    summary = selectors.event_summary(golf)
    assert summary["came"] == 2 and summary["came_people"] == 3
    assert summary["cost_per_person"] == Decimal("2000.00")


def test_an_errand_is_tracked_to_done_with_its_fee_and_history(store, specialist, vic_customer):
    errand = services.errand_create(
        actor=specialist,
        store=store,
        customer=vic_customer,
        kind="inspection",
        assigned_to=specialist,
        due_on=timezone.localdate() + timedelta(days=7),
    )
    services.errand_move(actor=specialist, errand=errand, to=ErrandStatus.IN_PROGRESS)
    done = services.errand_move(actor=specialist, errand=errand, to=ErrandStatus.DONE, fee=Decimal("180.00"))
    assert done.status == ErrandStatus.DONE and done.fee == Decimal("180.00") and done.done_at
    assert list(ErrandChange.objects.filter(errand=errand).values_list("to_status", flat=True)) == [
        "open",
        "in_progress",
        "done",
    ]
    with pytest.raises(ValidationError):
        services.errand_move(actor=specialist, errand=errand, to=ErrandStatus.OPEN)


def test_a_pick_up_records_both_ends_and_is_then_done(store, specialist, vic_vehicle, vic_customer):
    start = timezone.now() + timedelta(hours=2)
    trip = services.booking_create(
        actor=specialist,
        store=store,
        customer=vic_customer,
        vehicle=vic_vehicle,
        kind="pickup",
        address="天河区珠江新城华夏路10号",
        window_start=start,
        window_end=start + timedelta(hours=1),
        driver=specialist,
    )
    out = services.booking_handover(actor=specialist, booking=trip, end="customer", odometer_km=30500, fuel_level=60)
    assert out.stage == "out"
    with pytest.raises(ValidationError):
        services.booking_handover(actor=specialist, booking=trip, end="customer", odometer_km=30500, fuel_level=60)
    services.booking_handover(actor=specialist, booking=trip, end="store", odometer_km=30512, fuel_level=58)
    trip.refresh_from_db()
    assert trip.status == "done"
    with pytest.raises(ValidationError):
        services.booking_create(
            actor=specialist,
            store=store,
            customer=vic_customer,
            vehicle=vic_vehicle,
            kind="pickup",
            address="x",
            window_start=start,
            window_end=start,
            driver=specialist,
        )
