"""The workshop API: role checks (403), store scoping (404), workflow conflicts (409)."""

import pytest
from django.urls import reverse

from aftercare.service.choices import Status
from aftercare.workshop import services

from .conftest import bay, labour

pytestmark = pytest.mark.django_db


def test_a_technician_cannot_dispatch(staff, make_order, tech, api_client_for):
    (line,) = labour(make_order())
    response = api_client_for(tech).post(
        reverse("api-workshop-dispatch", args=[line.pk]), {"technician": tech.pk}, format="json"
    )
    assert response.status_code == 403


def test_dispatch_clock_and_list_through_the_api(staff, store, make_order, tech, api_client_for):
    order = make_order()
    (line,) = labour(order)
    foreman = api_client_for(staff["foreman"])
    response = foreman.post(
        reverse("api-workshop-dispatch", args=[line.pk]),
        {"technician": tech.pk, "bay": bay(store).pk},
        format="json",
    )
    assert response.status_code == 200, response.json()
    client = api_client_for(tech)
    assert client.post(reverse("api-workshop-clock-on", args=[line.pk])).status_code == 200
    mine = client.get(reverse("api-workshop-jobs")).json()["results"]
    assert [job["line"] for job in mine] == [line.pk] and mine[0]["status"] == "in_progress"
    off = client.post(reverse("api-workshop-clock-off", args=[line.pk]), {"finished": True}, format="json")
    assert off.status_code == 200 and off.json()["order_status"] == Status.QUALITY_CHECK
    board = foreman.get(reverse("api-workshop-board"), {"store": store.pk}).json()
    assert board[0]["number"] == order.number and board[0]["jobs_done"] == 1


def test_bad_input_is_400_and_a_refused_move_is_409(staff, store, make_order, tech, api_client_for):
    order = make_order(codes=("V002",), powertrain="BEV")
    (line,) = labour(order)
    foreman = api_client_for(staff["foreman"])
    url = reverse("api-workshop-dispatch", args=[line.pk])
    response = foreman.post(url, {"technician": tech.pk, "bay": bay(store).pk}, format="json")
    assert response.status_code == 400 and "technician" in response.json()
    assert foreman.post(url, {"technician": "x"}, format="json").status_code == 400
    qc = foreman.post(reverse("api-workshop-qc", args=[order.pk]), {"results": {}, "passed": True}, format="json")
    assert qc.status_code == 409  # the order is not in quality check


def test_the_quality_check_api_fails_and_sends_rework(staff, store, make_order, tech, api_client_for):
    order = make_order()
    (line,) = labour(order)
    services.job_dispatch(actor=staff["foreman"], line=line, technician=tech, bay=bay(store))
    services.job_clock_on(actor=tech, line=line)
    services.job_clock_off(actor=tech, line=line, finished=True)
    results = {item.code: "ok" for item in services.applicable_inspection_items(order)}
    response = api_client_for(staff["foreman"]).post(
        reverse("api-workshop-qc", args=[order.pk]),
        {"results": results, "passed": False, "reason": "异响未消除", "rework_lines": [line.pk]},
        format="json",
    )
    assert response.status_code == 201 and response.json()["order_status"] == Status.IN_PROGRESS


def test_another_stores_line_is_a_404(staff, other_store, make_order, tech, api_client_for):
    from aftercare.catalog.defaults import seed_store_bays

    seed_store_bays(other_store)
    order = make_order(target_store=other_store)
    (line,) = labour(order)
    response = api_client_for(staff["foreman"]).post(
        reverse("api-workshop-dispatch", args=[line.pk]), {"technician": tech.pk}, format="json"
    )
    assert response.status_code == 404
    board = api_client_for(staff["foreman"]).get(reverse("api-workshop-board"), {"store": other_store.pk})
    assert board.status_code == 404


def test_the_board_api_names_each_orders_advisor(staff, store, make_order, api_client_for):
    order = make_order()
    board = api_client_for(staff["foreman"]).get(reverse("api-workshop-board"), {"store": store.pk}).json()
    (row,) = [row for row in board if row["number"] == order.number]
    assert row["advisor"] == str(order.advisor) and "method-wrapper" not in row["advisor"]
