"""Malformed input is the client's error: every route answers 4xx, never a 500 (issue 11, item 11)."""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from aftercare.accounts.roles import Role
from aftercare.tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def manager(store):
    user = UserFactory(username="manager")
    MembershipFactory(user=user, store=store, role=Role.SERVICE_MANAGER)
    return user


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/customers/abc/"),
        ("patch", "/api/v1/customers/abc/"),
        ("get", "/api/v1/vehicles/abc/"),
        ("get", "/api/v1/appointments/abc/"),
        ("patch", "/api/v1/appointments/abc/"),
        ("post", "/api/v1/appointments/abc/cancel/"),
        ("post", "/api/v1/appointments/abc/convert/"),
        ("get", "/api/v1/stores/abc/"),
        ("get", "/api/v1/catalog/parts/abc/"),
        ("get", "/api/v1/followups/abc/"),
        ("get", "/api/v1/audit/abc/"),
    ],
)
def test_a_non_numeric_id_in_an_api_path_is_a_404(api_client_for, manager, method, url):
    response = getattr(api_client_for(manager), method)(url, {}, format="json")
    assert response.status_code == 404


def test_an_id_too_large_for_the_database_is_a_404(api_client_for, manager):
    assert api_client_for(manager).get("/api/v1/customers/99999999999999999999999/").status_code == 404


def _api_patterns(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _api_patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.pattern.converters


def test_every_id_in_an_api_path_is_matched_as_a_number():
    """The API's routers are one router whose ids take digits only, so `abc` never reaches a query."""
    loose = [
        route
        for route, converters in _api_patterns(get_resolver().url_patterns)
        if route.startswith("api/v1/") and (not converters and "(?P<" in route)
    ]
    loose += [
        route
        for route, converters in _api_patterns(get_resolver().url_patterns)
        if route.startswith("api/v1/")
        for name, converter in converters.items()
        if name.endswith("pk") and type(converter).__name__ != "IntConverter"
    ]
    assert loose == []


def test_switching_to_a_store_that_is_not_a_number_is_refused(client_for, manager):
    response = client_for(manager).post("/stores/switch/", {"store": "abc"})
    assert response.status_code in (400, 403)


def test_a_week_past_the_calendars_end_shows_a_week_that_exists(client_for, manager):
    response = client_for(manager).get("/appointments/week/", {"date": "9999-12-31"})
    assert response.status_code == 200


def test_a_day_past_the_calendars_end_shows_a_day_that_exists(client_for, manager):
    assert client_for(manager).get("/appointments/", {"date": "9999-12-31"}).status_code == 200
    assert client_for(manager).get("/appointments/", {"date": "0001-01-01"}).status_code == 200


def test_json_nested_fifty_thousand_levels_deep_is_a_400(api_client_for, manager):
    body = "[" * 50_000 + "]" * 50_000
    response = api_client_for(manager).post("/api/v1/customers/", body, content_type="application/json")
    assert response.status_code == 400


def test_json_nested_a_little_is_still_read(api_client_for, manager):
    body = json.dumps({"name": "张伟", "mobile": "13800001111", "tags": [[["a"]]]})
    response = api_client_for(manager).post("/api/v1/customers/", body, content_type="application/json")
    assert response.status_code in (201, 400)


def test_a_null_character_in_an_api_query_is_a_400_naming_the_parameter(api_client_for, manager):
    response = api_client_for(manager).get("/api/v1/parts/suggestions/", {"bin": "A\x001", "part": ""})
    assert response.status_code == 400
    assert list(response.json()) == ["bin"]


def test_a_null_character_in_a_page_query_is_a_400(client_for, manager):
    response = client_for(manager).get("/customers/", {"q": "王\x00"})
    assert response.status_code == 400
