"""Shared fixtures: a fixed cast of staff, one per role, in two stores of one group."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from rest_framework.test import APIClient

from aftercare.accounts.roles import Role
from aftercare.tests.factories import MembershipFactory, StoreFactory, UserFactory
from aftercare.tests.uploads import english_uploads  # noqa: F401  (a fixture for the import tests)


@pytest.fixture(scope="session")
def django_db_modify_db_settings_xdist_suffix(request):
    """One test database per xdist worker (`-n 2`): PostgreSQL's gets the worker's suffix (test_x_gw0).

    Replaces pytest-django's fixture, which recognises SQLite only by Django's own engine name and
    would turn our `aftercare.core.sqlite` engine's in-memory test database into a file name under
    var/. In-memory SQLite needs no suffix: each worker process has its own.
    """
    worker = getattr(request.config, "workerinput", {}).get("workerid")
    if not worker:
        return
    for db in django_settings.DATABASES.values():
        test = db.setdefault("TEST", {})
        if "sqlite" in db["ENGINE"]:
            continue
        test["NAME"] = f"{test.get('NAME') or 'test_' + db['NAME']}_{worker}"


@pytest.fixture(scope="session")
def _worker_var_dir(tmp_path_factory):
    """This worker's own folder (tmp_path_factory's base is per xdist worker)."""
    return tmp_path_factory.mktemp("var")


@pytest.fixture(autouse=True)
def _files_in_the_workers_folder(settings, _worker_var_dir):
    # Uploaded photos and backups of tests that do not ask for tmp_path must not land in the
    # project's var/, shared by the two workers of `make test`.
    settings.MEDIA_ROOT = _worker_var_dir / "media"
    settings.BACKUP_DIR = _worker_var_dir / "backups"


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
