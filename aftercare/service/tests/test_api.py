"""The repair order API: reception → estimate → approved, lines, moves (409), scoping."""

import pytest

from aftercare.catalog.models import LabourOperation, OtherCharge, RepairType
from aftercare.service import services
from aftercare.service.choices import LineStatus, Status
from aftercare.service.models import RepairOrder
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/repair-orders/"
SIGNATURE = "data:image/png;base64,iVBORw0KGgo="


@pytest.fixture
def catalogue(store):
    catalog_for(store)


@pytest.fixture
def vehicle(store, catalogue):
    return VehicleFactory(owner=CustomerFactory(store=store, name="李四"), plate="粤A88888")


@pytest.fixture
def api(staff, api_client_for):
    return api_client_for(staff["advisor"])


@pytest.fixture
def order(staff, store, vehicle):
    return services.repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle, odometer_km=30000)


def _op(store, code="M001"):
    return LabourOperation.objects.effective_for_store(store).get(code=code)


def test_the_whole_flow_reception_estimate_approved(api, store, vehicle):
    repair_type = RepairType.objects.effective_for_store(store).get(code="general")
    created = api.post(
        URL,
        {"vehicle": vehicle.pk, "repair_type": repair_type.pk, "customer_statement": "空调不凉",
         "odometer_km": 45000, "fuel_level": 60, "waiting_mode": "leaves", "promised_at": "2026-03-01T17:00:00+08:00"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "reception" and body["number"].startswith("RO") and body["waiting_mode"] == "leaves"
    pk = body["id"]
    added = api.post(
        f"{URL}{pk}/lines/", {"operation": _op(store).pk, "quantity": "1", "payer": "customer"}, format="json"
    )
    assert added.status_code == 201 and len(added.json()) == 1
    assert api.post(f"{URL}{pk}/transition/", {"to": "estimate"}, format="json").status_code == 200
    authorised = api.post(f"{URL}{pk}/authorise/", {"method": "signature", "signature": SIGNATURE}, format="json")
    assert authorised.status_code == 200
    detail = api.get(f"{URL}{pk}/").json()
    assert detail["status"] == "approved" and detail["authorisation_method"] == "signature"
    assert [c["to_status"] for c in detail["status_changes"]] == ["reception", "estimate", "approved"]
    assert detail["total"] == detail["lines"][0]["amount"] != "0.00"


def test_a_move_the_workflow_refuses_is_409_with_the_reason(api, order):
    response = api.post(f"{URL}{order.pk}/transition/", {"to": "estimate"}, format="json")
    assert response.status_code == 409 and response.json()["detail"]
    assert api.post(f"{URL}{order.pk}/transition/", {"to": "delivered"}, format="json").status_code == 409


def test_cancelling_without_a_reason_is_400_on_the_note(api, order):
    response = api.post(f"{URL}{order.pk}/transition/", {"to": "cancelled", "note": "  "}, format="json")
    assert response.status_code == 400 and "note" in response.json()
    assert RepairOrder.objects.get(pk=order.pk).status == Status.RECEPTION


def test_a_duplicate_line_is_400_on_item_unless_confirmed(api, store, order):
    operation = LabourOperation.objects.effective_for_store(store).first()
    assert api.post(f"{URL}{order.pk}/lines/", {"operation": operation.pk}, format="json").status_code == 201
    refused = api.post(f"{URL}{order.pk}/lines/", {"operation": operation.pk}, format="json")
    assert refused.status_code == 400 and "item" in refused.json()
    confirmed = {"operation": operation.pk, "confirm_duplicate": True}
    assert api.post(f"{URL}{order.pk}/lines/", confirmed, format="json").status_code == 201
    assert order.lines.count() == 2


def test_an_unknown_state_is_400(api, order):
    assert api.post(f"{URL}{order.pk}/transition/", {"to": "flying"}, format="json").status_code == 400


def test_a_move_the_role_may_not_make_is_403(staff, api_client_for, order):
    response = api_client_for(staff["technician"]).post(
        f"{URL}{order.pk}/transition/", {"to": "cancelled", "note": "客户取消"}, format="json"
    )
    assert response.status_code == 403
    assert RepairOrder.objects.get(pk=order.pk).status == Status.RECEPTION


def test_another_stores_order_is_404(api, other_store):
    catalog_for(other_store)
    from aftercare.accounts.roles import Role
    from aftercare.tests.factories import MembershipFactory, UserFactory

    someone = UserFactory(username="py-advisor")
    MembershipFactory(user=someone, store=other_store, role=Role.ADVISOR)
    foreign = services.repair_order_open(
        actor=someone, store=other_store, vehicle=VehicleFactory(owner=CustomerFactory(store=other_store))
    )
    assert api.get(f"{URL}{foreign.pk}/").status_code == 404
    assert (
        api.post(f"{URL}{foreign.pk}/transition/", {"to": "cancelled", "note": "客户取消"}, format="json").status_code
        == 404
    )
    assert api.get(f"{URL}{foreign.pk}/lines/").status_code == 404
    assert foreign.pk not in [o["id"] for o in api.get(URL).json()["results"]]
    created = api.post(URL, {"vehicle": foreign.vehicle_id, "odometer_km": 30000}, format="json")
    assert created.status_code == 400 and "vehicle" in created.json()


def test_lines_are_listed_added_and_removed(api, store, order):
    charge = OtherCharge.objects.effective_for_store(store).first()
    (line,) = api.post(f"{URL}{order.pk}/lines/", {"other_charge": charge.pk}, format="json").json()
    assert [row["id"] for row in api.get(f"{URL}{order.pk}/lines/").json()] == [line["id"]]
    assert api.delete(f"{URL}{order.pk}/lines/{line['id']}/").status_code == 204
    assert api.get(f"{URL}{order.pk}/lines/").json() == []


def test_bad_line_input_is_400_with_field_errors(api, order):
    assert api.post(f"{URL}{order.pk}/lines/", {}, format="json").status_code == 400
    both = api.post(f"{URL}{order.pk}/lines/", {"operation": 1, "part": 1}, format="json")
    assert both.status_code == 400
    missing = api.post(f"{URL}{order.pk}/lines/", {"part": 999999}, format="json")
    assert missing.status_code == 400 and "part" in missing.json()
    negative = api.post(f"{URL}{order.pk}/lines/", {"part": 999999, "quantity": "-1"}, format="json")
    assert negative.status_code == 400


def test_several_lines_are_added_with_one_list_and_come_back_in_order(api, store, order):
    charge = OtherCharge.objects.effective_for_store(store).first()
    body = [{"operation": _op(store).pk}, {"operation": _op(store, "B001").pk, "payer": "warranty"},
            {"other_charge": charge.pk, "quantity": "2"}]  # fmt: skip
    response = api.post(f"{URL}{order.pk}/lines/", body, format="json")
    assert response.status_code == 201
    assert [line["code"] for line in response.json()] == ["M001", "B001", charge.code]
    detail = api.get(f"{URL}{order.pk}/").json()
    assert [line["id"] for line in detail["lines"]] == [line["id"] for line in response.json()]
    assert detail["customer_total"] != detail["total"]  # the warranty line is not the customer's


def test_a_list_with_one_bad_item_adds_nothing_and_says_which(api, store, order):
    refused = api.post(f"{URL}{order.pk}/lines/", [{"operation": _op(store).pk}, {"part": 999999}], format="json")
    assert refused.status_code == 400
    assert refused.json()[0] == {} and "part" in refused.json()[1]
    assert api.post(f"{URL}{order.pk}/lines/", [], format="json").status_code == 400
    assert api.get(f"{URL}{order.pk}/lines/").json() == []


def test_an_order_is_opened_with_its_lines_in_one_request(api, store, vehicle):
    charge = OtherCharge.objects.effective_for_store(store).first()
    body = {"vehicle": vehicle.pk, "customer_statement": "保养", "odometer_km": 30000,
            "lines": [{"operation": _op(store).pk}, {"other_charge": charge.pk, "quantity": "2"}]}  # fmt: skip
    created = api.post(URL, body, format="json")
    assert created.status_code == 201, created.json()
    detail = created.json()
    assert [line["code"] for line in detail["lines"]] == ["M001", charge.code]
    assert detail["status"] == "reception" and detail["total"] != "0.00"


def test_opening_with_a_bad_line_is_400_per_item_and_opens_nothing(api, store, vehicle):
    unknown = api.post(
        URL,
        {"vehicle": vehicle.pk, "odometer_km": 30000, "lines": [{"operation": _op(store).pk}, {"part": 999999}]},
        format="json",
    )
    assert unknown.status_code == 400
    assert unknown.json()["lines"][0] == {} and "part" in unknown.json()["lines"][1]
    both = api.post(
        URL, {"vehicle": vehicle.pk, "odometer_km": 30000, "lines": [{}, {"operation": 1, "part": 1}]}, format="json"
    )
    assert both.status_code == 400 and len(both.json()["lines"]) == 2
    high_voltage = api.post(
        URL,
        {"vehicle": vehicle.pk, "odometer_km": 30000, "lines": [{"operation": _op(store, "V002").pk}]},
        format="json",
    )
    assert high_voltage.status_code == 400  # an EV job on this car, refused by the service
    assert not RepairOrder.objects.filter(vehicle=vehicle).exists()


def test_additional_work_is_decided_through_the_api(api, staff, store, order):
    services.line_add(actor=staff["advisor"], order=order, operation=_op(store))
    services.repair_order_transition(repair_order=order, to=Status.ESTIMATE, actor=staff["advisor"])
    services.repair_order_authorise(actor=staff["advisor"], order=order, method="verbal", note="电话确认")
    (extra,) = services.line_add(actor=staff["advisor"], order=order, operation=_op(store, "B001"))
    verbal_without_note = api.post(
        f"{URL}{order.pk}/lines/{extra.pk}/decide/", {"approve": False, "method": "verbal"}, format="json"
    )
    assert verbal_without_note.status_code == 400
    decided = api.post(
        f"{URL}{order.pk}/lines/{extra.pk}/decide/",
        {"approve": False, "method": "verbal", "note": "太贵"},
        format="json",
    )
    assert decided.status_code == 200 and decided.json()["status"] == LineStatus.DECLINED


def test_authorising_anything_but_an_estimate_is_409(api, order):
    response = api.post(f"{URL}{order.pk}/authorise/", {"method": "signature", "signature": SIGNATURE}, format="json")
    assert response.status_code == 409


def test_the_list_filters_by_status(api, staff, store, order, vehicle):
    other = services.repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle)
    services.repair_order_transition(repair_order=other, to=Status.CANCELLED, actor=staff["advisor"], note="客户取消")
    ids = [o["id"] for o in api.get(URL, {"status": "cancelled"}).json()["results"]]
    assert ids == [other.pk]
    assert {o["id"] for o in api.get(URL, {"status": "open"}).json()["results"]} == {order.pk}


def test_a_parts_clerk_may_read_but_not_open_orders(staff, api_client_for, vehicle, order):
    clerk = api_client_for(staff["parts_clerk"])
    assert clerk.get(f"{URL}{order.pk}/").status_code == 200
    assert clerk.post(URL, {"vehicle": vehicle.pk, "odometer_km": 30000}, format="json").status_code == 403
