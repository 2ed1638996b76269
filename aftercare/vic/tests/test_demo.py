"""The demo shows the VIC programme in both stores, and the `vic` login's home has work."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from aftercare.accounts.models import User
from aftercare.core import home
from aftercare.vic.models import CourtesyLoan, Errand, Invitation, PickupBooking, VicEnrolment, VicEvent, VicVisit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_demo_has_vic_customers_in_both_stores_a_visiting_car_loans_events_and_errands():
    call_command("seed_demo")
    assert VicEnrolment.objects.values("store").distinct().count() == 2
    visit = VicVisit.objects.get(away=True)
    assert visit.received_by is not None and visit.enrolment.store != visit.store
    assert set(CourtesyLoan.objects.values_list("status", flat=True)) >= {"returned", "out", "booked"}
    now = timezone.now()
    assert VicEvent.objects.filter(starts_at__lt=now).exists() and VicEvent.objects.filter(starts_at__gt=now).exists()
    assert Invitation.objects.filter(status="accepted", guests=1).exists()
    assert Invitation.objects.filter(checked_in_at__isnull=False).exists()
    assert Errand.objects.filter(status="done", fee__gt=0).exists() and PickupBooking.objects.exists()

    vic = User.objects.get(username="vic")
    store = vic.memberships.get().store
    cards = home.home_cards(user=vic, store=store, roles=vic.roles_at(store.pk), now=now)
    totals = {row["card"].key: row["total"] for row in cards}
    assert totals["vic.customers"] >= 3 and totals["vic.away"] == 1 and totals["vic.loans"] == 1
    assert totals["vic.errands"] >= 2 and totals["vic.pickups"] >= 1
