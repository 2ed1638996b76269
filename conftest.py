"""Shared fixtures: a fixed cast of staff, one per role, in two stores of one group."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from aftercare.accounts.roles import Role
from aftercare.tests.factories import MembershipFactory, StoreFactory, UserFactory
from aftercare.tests.uploads import english_uploads  # noqa: F401  (a fixture for the import tests)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is deliberately slow; tests that need it (the hasher check) ask for it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The hashed-manifest storage needs `collectstatic` first; tests don't.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    # docs/DOMAIN.md §24.1: managers and administrators must pass a second factor; tests that
    # log them in with force_login (client_for included) get a session verified by a device.
    from aftercare.tests.otp import force_login_verified

    monkeypatch.setattr(Client, "force_login", force_login_verified)


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def store(db):
    return StoreFactory(name="天河店", code="th")


@pytest.fixture
def other_store(db, store):
    """Another store of the same group, where the cast has no role."""
    return StoreFactory(group=store.group, name="番禺店", code="py")


@pytest.fixture
def staff(store):
    """{role: user} with one user per role in `store`."""
    cast = {}
    for role in Role:
        user = UserFactory(username=role.value)
        MembershipFactory(user=user, store=store, role=role)
        cast[role.value] = user
    return cast


@pytest.fixture
def client_for():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_client_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make
