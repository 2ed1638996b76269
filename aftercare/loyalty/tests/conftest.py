"""Member cards at the cash desk: reuses billing's ready orders."""

import pytest

from aftercare.billing.tests.conftest import catalogue, make_order, order, signature, vehicle  # noqa: F401
from aftercare.loyalty import services
from aftercare.loyalty.models import TopUpRule
from aftercare.tests.factories import CustomerFactory


@pytest.fixture
def member(store):
    return CustomerFactory(store=store, name="李娜")


@pytest.fixture
def card(staff, member):
    return services.member_card_issue(actor=staff["cashier"], customer=member, number="VIP0001")


@pytest.fixture
def bonus_rules(store):
    TopUpRule.objects.create(store=store, min_amount=500, bonus=30)
    TopUpRule.objects.create(store=store, min_amount=1000, bonus=100)
