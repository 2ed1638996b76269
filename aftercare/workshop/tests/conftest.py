"""A repair order ready for the workshop: authorised, with labour lines to dispatch."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aftercare.catalog.models import Bay, LabourOperation
from aftercare.service import services as spine
from aftercare.service.choices import LineKind
from aftercare.tests.factories import CustomerFactory, MembershipFactory, UserFactory, VehicleFactory, catalog_for


@pytest.fixture
def catalogue(store):
    catalog_for(store)


@pytest.fixture
def make_order(staff, store, catalogue):
    """make_order(codes=("M009",), powertrain="ICE", promised_in=None) -> an approved order."""

    def make(codes=("M009",), powertrain="ICE", promised_in=timedelta(hours=3), plate=None, target_store=None):
        where = target_store or store
        advisor = staff["advisor"] if where == store else _advisor_of(where)
        extra = {"plate": plate} if plate else {}
        vehicle = VehicleFactory(owner=CustomerFactory(store=where), powertrain=powertrain, **extra)
        order = spine.repair_order_open(
            actor=advisor, store=where, vehicle=vehicle, customer_statement="异响",
            promised_at=timezone.now() + promised_in if promised_in is not None else None,
        )  # fmt: skip
        for code in codes:
            spine.line_add(actor=advisor, order=order, operation=op(where, code))
        spine.repair_order_transition(repair_order=order, to="estimate", actor=advisor)
        spine.repair_order_authorise(actor=advisor, order=order, method="verbal", note="车主电话确认")
        order.refresh_from_db()
        return order

    return make


def _advisor_of(store):
    user = UserFactory(username=f"advisor-{store.code}")
    MembershipFactory(user=user, store=store, role="advisor")
    return user


def op(store, code):
    return LabourOperation.objects.effective_for_store(store).get(code=code)


def bay(store, code="B03"):
    return Bay.objects.get(store=store, code=code)


def labour(order):
    return list(order.lines.filter(kind=LineKind.LABOUR).order_by("position", "id"))


@pytest.fixture
def tech(staff):
    return staff["technician"]


@pytest.fixture
def second_tech(store):
    user = UserFactory(username="tech2", full_name="李强")
    MembershipFactory(user=user, store=store, role="technician")
    return user
