import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from aftercare.accounts.models import User
from aftercare.accounts.roles import Role
from aftercare.accounts.twofactor import DEMO_TOTP_KEY
from aftercare.core.models import Store
from aftercare.core.vin import vin_check_digit_ok
from aftercare.demo import generators
from aftercare.tests.otp import current_code

pytestmark = pytest.mark.django_db


def test_the_demo_has_two_stores_and_staff_for_every_role():
    call_command("seed_demo")
    assert Store.objects.count() == 2
    for store in Store.objects.all():
        roles = set(store.memberships.values_list("role", flat=True))
        assert roles >= {r.value for r in Role if r != Role.ADMIN}
    assert User.objects.get(username="admin").store_ids() == sorted(Store.objects.values_list("id", flat=True))


@pytest.mark.parametrize("login", ["advisor", "tech", "foreman", "parts", "cashier", "care", "manager", "vic", "admin"])
def test_every_demo_login_works(login):
    call_command("seed_demo", "--stores", "1")
    client = Client()
    response = client.post("/login/", {"username": login, "password": settings.DEMO_PASSWORD})
    assert (response.status_code, response.url) == (302, "/")
    user = User.objects.get(username=login)
    if user.requires_second_factor():
        # docs/DOMAIN.md §24.1: the demo's two-factor users pass with the published demo secret.
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        assert device.key == DEMO_TOTP_KEY
        assert client.get("/").url.startswith(reverse("two_factor_verify"))
        assert client.post(reverse("two_factor_verify"), {"token": current_code(device)}).status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db(transaction=True)  # --flush truncates, which PostgreSQL refuses inside a test transaction
def test_the_same_seed_gives_the_same_people():
    call_command("seed_demo", "--seed", "7")
    first = list(User.objects.order_by("username").values_list("username", "full_name", "mobile"))
    call_command("seed_demo", "--seed", "7", "--flush")
    assert list(User.objects.order_by("username").values_list("username", "full_name", "mobile")) == first


def test_seed_demo_refuses_to_mix_with_existing_data():
    call_command("seed_demo", "--stores", "1")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo")


def test_generated_vins_carry_a_valid_check_digit_and_plates_look_real():
    import random

    rng = random.Random(1)
    assert all(vin_check_digit_ok(generators.vin(rng)) for _ in range(200))
    assert len(generators.plate(rng)) == 7
    assert len(generators.plate(rng, new_energy=True)) == 8
    assert all(len(generators.mobile(rng)) == 11 for _ in range(50))
