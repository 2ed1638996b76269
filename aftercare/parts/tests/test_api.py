"""/api/v1/parts/: 400 with field errors and nothing written on bad input."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from aftercare.parts import services
from aftercare.parts.choices import DocumentKind
from aftercare.parts.models import Movement, SpecialDocument, SupplierOrder

from .conftest import OIL_FILTER, PADS

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


@pytest.fixture
def manager_api(manager):
    client = APIClient()
    client.force_authenticate(manager)
    return client


def _back_order(order, clerk):
    po = services.order_submit(actor=clerk, order=order())
    line = po.lines.get()
    services.order_receive(actor=clerk, order=po, receipts=[{"line": line.pk, "quantity": "6"}])
    return po, line


def test_a_clerk_cannot_cancel_a_back_order_through_the_api_and_nothing_changes(api, order, clerk):
    po, line = _back_order(order, clerk)
    with time_machine.travel(po.submitted_at + timedelta(days=32)):
        response = api.post(f"/api/v1/parts/back-orders/{line.pk}/cancel/", {"reason": "厂家停产"}, format="json")
    assert response.status_code == 403
    line.refresh_from_db()
    assert line.cancelled == 0


def test_a_manager_cancels_a_back_order_through_the_api_only_after_a_month(manager_api, order, clerk, manager):
    po, line = _back_order(order, clerk)
    url = f"/api/v1/parts/back-orders/{line.pk}/cancel/"
    early = manager_api.post(url, {"reason": "厂家停产"}, format="json")
    assert early.status_code == 400
    with time_machine.travel(po.submitted_at + timedelta(days=32)):
        assert "reason" in manager_api.post(url, {"reason": ""}, format="json").json()
        assert "colour" in manager_api.post(url, {"reason": "x", "colour": "red"}, format="json").json()
        line.refresh_from_db()
        assert line.cancelled == 0
        done = manager_api.post(url, {"reason": "厂家停产"}, format="json")
    assert done.status_code == 200, done.json()
    line.refresh_from_db()
    assert line.cancelled == 4 and line.cancel_approved_by == manager and line.item.back_ordered == 0


def test_special_part_documents_are_uploaded_as_multipart_and_named_until_complete(api, order):
    po = order(lines=((PADS, "1"),), part_class="special")
    url = f"/api/v1/parts/orders/{po.pk}/documents/"
    for kind in DocumentKind:
        if kind == DocumentKind.COMPANY_STAMP:
            continue
        photo = SimpleUploadedFile(f"{kind}.jpg", b"jpeg-bytes", content_type="image/jpeg")
        body = {"kind": kind.value, "file": photo, "shows_plate": kind == DocumentKind.PHOTO_FRONT}
        response = api.post(url, body, format="multipart")
        assert response.status_code == 201, response.json()
    assert po.documents.count() == 10
    assert api.post(f"/api/v1/parts/orders/{po.pk}/submit/").status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "selfie", "file": ("a.jpg", b"x")}, "kind"),
        ({"kind": "vin_rubbing"}, "file"),
        ({"kind": "vin_rubbing", "file": ("a.exe", b"MZ")}, "file"),
        ({"kind": "vin_rubbing", "file": ("a.jpg", b"x"), "colour": "red"}, "colour"),
    ],
)
def test_a_bad_document_upload_is_400_on_its_field_with_nothing_stored(api, order, body, field):
    po = order(lines=((PADS, "1"),), part_class="special")
    if "file" in body:
        name, content = body["file"]
        body = {**body, "file": SimpleUploadedFile(name, content)}
    response = api.post(f"/api/v1/parts/orders/{po.pk}/documents/", body, format="multipart")
    assert response.status_code == 400 and field in response.json()
    assert SpecialDocument.objects.filter(order=po).count() == 0


def test_a_document_too_large_is_refused(api, order, settings):
    po = order(lines=((PADS, "1"),), part_class="special")
    big = SimpleUploadedFile("big.pdf", b"0" * (services.DOCUMENT_MAX_BYTES + 1))
    response = api.post(f"/api/v1/parts/orders/{po.pk}/documents/", {"kind": "certificate", "file": big})
    assert response.status_code == 400 and "file" in response.json()
    assert not po.documents.exists()


def test_min_max_are_overridden_through_the_api_with_who_and_why(api, stock, clerk):
    item = stock(OIL_FILTER, quantity="2")
    body = {"min_qty": "5", "max_qty": "12", "reason": "夏季保养高峰"}
    response = api.post(f"/api/v1/parts/stock/{item.pk}/levels/", body, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["min_override"], body["max_override"], body["override_reason"]) == ("5.00", "12.00", "夏季保养高峰")
    assert body["suggested_qty"] == "10.00"
    item.refresh_from_db()
    assert item.override_by == clerk
    cleared = api.post(f"/api/v1/parts/stock/{item.pk}/levels/", {"min_qty": None, "reason": "恢复公式"}, format="json")
    assert cleared.json()["min_override"] is None and cleared.json()["max_override"] is None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"min_qty": "5", "max_qty": "12"}, "reason"),
        ({"min_qty": "5", "max_qty": "12", "reason": ""}, "reason"),
        ({"min_qty": "-1", "reason": "x"}, "min_qty"),
        ({"min_qty": "abc", "reason": "x"}, "min_qty"),
        ({"min_qty": "9", "max_qty": "3", "reason": "x"}, "max_qty"),
        ({"max_qty": "1" * 20, "reason": "x"}, "max_qty"),
        ({"min_qty": "1", "reason": "x" * 201}, "reason"),
        ({"min_qty": "1", "reason": "x", "override_by": 1}, "override_by"),
    ],
)
def test_a_bad_min_max_override_is_400_with_nothing_written(api, stock, body, field):
    item = stock(OIL_FILTER, quantity="2")
    response = api.post(f"/api/v1/parts/stock/{item.pk}/levels/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    item.refresh_from_db()
    assert item.min_override is None and item.max_override is None and item.override_by is None


def test_suggestions_have_no_levels_action(api, stock):
    item = stock(OIL_FILTER, quantity="2")
    response = api.post(f"/api/v1/parts/suggestions/{item.pk}/levels/", {"reason": "x"}, format="json")
    assert response.status_code in (404, 405)
