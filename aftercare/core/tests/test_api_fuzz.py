"""Schemathesis over the whole committed API schema: no request, valid or not, answers a 5xx (issue 11).

Every operation of docs/openapi.yaml (kept equal to the code by test_api_schema) is called through the
Django WSGI app with a service manager's token (a staff role that sees its store and nearly every
permission), with valid and invalid ids, query parameters and bodies. The run is bounded (a few
examples per operation, no shrinking, a fixed seed) so it stays a fixed, small part of the suite.
"""

from pathlib import Path

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings

from aftercare.accounts.models import ApiToken
from aftercare.accounts.roles import Role
from aftercare.tests.factories import CustomerFactory, MembershipFactory, UserFactory, VehicleFactory

SCHEMA = Path(django_settings.BASE_DIR) / "docs" / "openapi.yaml"

schema = schemathesis.openapi.from_path(SCHEMA)
schema.config.seed = 2026
# The coverage phase sends hundreds of boundary bodies per operation (over ten thousand requests for
# the whole schema); the fuzzing phase with invalid data as well as valid keeps the run to a few
# requests per operation. Ids that are not numbers are pinned by test_bad_input.
schema.config.phases.coverage.enabled = False
schema.config.generation.update(modes=["positive", "negative"], no_shrink=True, database="none")


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler inside the test's transaction: like the test client, it must not close
    the connection (and with it the transaction) at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def staff_token(store, other_store):
    user = UserFactory(username="fuzz-manager")
    MembershipFactory(user=user, store=store, role=Role.SERVICE_MANAGER)
    # Numbers outside the stores' sequences, so the customers the run creates never collide with them.
    VehicleFactory(owner=CustomerFactory(store=store, number="F1"))
    VehicleFactory(owner=CustomerFactory(store=other_store, number="F2"))
    return ApiToken.issue(user)[1]


@pytest.mark.filterwarnings("ignore")
@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_api_request_answers_a_server_error(case, db, wsgi_app, staff_token):
    response = case.call(app=wsgi_app, headers={"Authorization": f"Token {staff_token}"})
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path}: {response.status_code}\n" + (response.text[:2000])
    )
