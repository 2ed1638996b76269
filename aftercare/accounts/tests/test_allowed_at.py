"""`user.allowed_at(store_id)`: what has_perm(perm, obj) answers at one store, as one set for a page's buttons."""

import pytest

from aftercare.accounts.roles import Role
from aftercare.core.permissions import Perm
from aftercare.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_it_holds_exactly_what_has_perm_grants_at_that_store(role, staff, store, other_store):
    user = staff[role]
    assert user.allowed_at(store.pk) == {perm for perm in Perm.ALL if user.has_perm(perm, store)}
    assert user.allowed_at(other_store.pk) == frozenset()


def test_an_active_superuser_holds_everything_and_an_inactive_user_nothing(staff, store):
    assert UserFactory(is_superuser=True).allowed_at(store.pk) == frozenset(Perm.ALL)
    advisor = staff["advisor"]
    advisor.is_active = False
    assert advisor.allowed_at(store.pk) == frozenset() and not advisor.has_perm(Perm.REPAIR_ORDER_VIEW, store)
