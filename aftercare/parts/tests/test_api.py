"""/api/v1/parts/: 400 with field errors and nothing written on bad input."""

import pytest
from rest_framework.test import APIClient

from aftercare.parts.models import Movement, SupplierOrder

from .conftest import OIL_FILTER

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(clerk):
    client = APIClient()
    client.force_authenticate(clerk)
    return client


def test_a_receipt_through_the_api_adds_stock(api, stock):
    item = stock(OIL_FILTER, quantity="0")
    response = api.post(
        "/api/v1/parts/movements/",
        {"kind": "receipt", "item": item.pk, "quantity": "5", "unit_cost": "30", "bin": "A-01"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    stock_row = api.get(f"/api/v1/parts/stock/{item.pk}/").json()
    assert stock_row["on_hand"] == "5.00" and stock_row["bins"] == {"A-01": "5.00"}


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "receipt", "quantity": "-5", "unit_cost": "30"}, "quantity"),
        ({"kind": "receipt", "quantity": "abc", "unit_cost": "30"}, "quantity"),
        ({"kind": "adjustment", "quantity": "-50", "reason": "破损"}, "quantity"),
        ({"kind": "adjustment", "quantity": "-1", "reason": ""}, "reason"),
        ({"kind": "receipt", "quantity": "1", "unit_cost": "30", "colour": "red"}, "colour"),
    ],
)
def test_bad_quantities_negative_stock_and_unknown_keys_are_400_with_nothing_written(api, stock, body, field):
    item = stock(OIL_FILTER, quantity="2")
    before = Movement.objects.count()
    response = api.post("/api/v1/parts/movements/", {"item": item.pk, **body}, format="json")
    assert response.status_code == 400 and field in response.json()
    assert Movement.objects.count() == before


def test_an_unknown_part_is_400(api, stock):
    response = api.post(
        "/api/v1/parts/movements/", {"kind": "receipt", "item": 99999, "quantity": "1", "unit_cost": "1"}, format="json"
    )
    assert response.status_code == 400 and "item" in response.json()


def test_issue_and_return_through_the_api(api, stock, make_order):
    stock(OIL_FILTER, quantity="2")
    demand = make_order([(OIL_FILTER, 1)]).part_demands.get()
    assert [row["id"] for row in api.get("/api/v1/parts/lines/").json()["results"]] == [demand.pk]
    issued = api.post(f"/api/v1/parts/lines/{demand.pk}/issue/", {}, format="json")
    assert issued.status_code == 200 and issued.json()["status"] == "issued"
    refused = api.post(f"/api/v1/parts/lines/{demand.pk}/issue/", {}, format="json")
    assert refused.status_code == 400
    returned = api.post(f"/api/v1/parts/lines/{demand.pk}/return/", {"quantity": "1"}, format="json")
    assert returned.status_code == 200 and returned.json()["issued"] == "0.00"


def test_an_order_is_created_submitted_and_received_with_a_partial_receipt(api, stock, supplier):
    item = stock(OIL_FILTER, quantity="0")
    created = api.post(
        "/api/v1/parts/orders/",
        {"supplier": supplier.pk, "order_type": "urgent", "lines": [{"item": item.pk, "quantity": "4"}]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    order_id, line_id = created.json()["id"], created.json()["lines"][0]["id"]
    assert api.post(f"/api/v1/parts/orders/{order_id}/submit/").status_code == 200
    received = api.post(
        f"/api/v1/parts/orders/{order_id}/receive/",
        {"receipts": [{"line": line_id, "quantity": "3", "bin": "A"}]},
        format="json",
    )
    assert received.status_code == 200 and received.json()["receipts"][0]["quantity"] == "3.00"
    assert [row["id"] for row in api.get("/api/v1/parts/back-orders/").json()["results"]] == [line_id]


def test_an_order_with_bad_lines_writes_nothing(api, stock, supplier):
    item = stock(OIL_FILTER, quantity="0")
    response = api.post(
        "/api/v1/parts/orders/",
        {"supplier": supplier.pk, "order_type": "urgent", "lines": [{"item": item.pk, "quantity": "0"}]},
        format="json",
    )
    assert response.status_code == 400
    assert not SupplierOrder.objects.exists()
