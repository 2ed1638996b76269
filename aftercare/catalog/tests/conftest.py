import pytest

from aftercare.catalog.defaults import seed_group_defaults, seed_store_bays
from aftercare.tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def catalog(store):
    """The seeded group catalogue of `store`'s group, and the store's bays."""
    seed_group_defaults(store.group)
    seed_store_bays(store)
    return store.group


@pytest.fixture
def other_manager(other_store):
    """The service manager of the other store of the same group."""
    user = UserFactory(username="other_manager")
    MembershipFactory(user=user, store=other_store, role="service_manager")
    return user


@pytest.fixture
def group_manager(store):
    """A service manager of the whole group (no store): group defaults are theirs."""
    user = UserFactory(username="group_manager")
    MembershipFactory(user=user, store=None, group=store.group, role="service_manager")
    return user
