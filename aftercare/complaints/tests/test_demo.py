"""The demo: about six complaints in every state, one crisis, one missed deadline."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from aftercare.complaints.choices import Status
from aftercare.complaints.demo import seed_complaints
from aftercare.complaints.models import Complaint
from aftercare.tests.factories import CustomerFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def test_the_demo_makes_complaints_in_every_state_with_a_crisis_and_a_breach(staff, store):
    for _ in range(8):
        VehicleFactory(owner=CustomerFactory(store=store))
    made = seed_complaints(store, random.Random(7), timezone.localdate())
    assert len(made) == 6
    rows = Complaint.objects.filter(store=store)
    assert {Status.NEW, Status.CONTACTED, Status.PLAN, Status.RESOLVED, Status.CLOSED} <= set(
        rows.values_list("status", flat=True)
    )
    assert rows.filter(is_crisis=True).count() == 1
    assert rows.filter(contact_breached=True, escalated_at__isnull=False).count() == 1
    closed = rows.get(status=Status.CLOSED)
    assert not closed.is_breached and closed.satisfaction == 4
    assert closed.received_at < timezone.now() - timedelta(days=9)


def test_the_demo_does_nothing_without_a_manager(store):
    assert seed_complaints(store, random.Random(1), timezone.localdate()) == []
