"""The seed_demo command; what the demo holds is checked in test_demo_consistency.py."""

import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aftercare.accounts.models import User
from aftercare.core.vin import vin_check_digit_ok
from aftercare.demo import generators
from aftercare.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)  # --flush truncates, which PostgreSQL refuses inside a test transaction
def test_the_same_seed_gives_the_same_people():
    call_command("seed_demo", "--seed", "7", "--no-activity")
    first = list(User.objects.order_by("username").values_list("username", "full_name", "mobile"))
    call_command("seed_demo", "--seed", "7", "--no-activity", "--flush")
    assert list(User.objects.order_by("username").values_list("username", "full_name", "mobile")) == first


def test_seed_demo_refuses_to_mix_with_existing_data():
    StoreFactory()
    with pytest.raises(CommandError):
        call_command("seed_demo")


def test_generated_vins_carry_a_valid_check_digit_and_plates_look_real():
    rng = random.Random(1)
    assert all(vin_check_digit_ok(generators.vin(rng)) for _ in range(200))
    assert len(generators.plate(rng)) == 7
    assert len(generators.plate(rng, new_energy=True)) == 8
    assert all(len(generators.mobile(rng)) == 11 for _ in range(50))
