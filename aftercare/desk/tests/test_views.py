"""The desk's pages and API: the customer's rescue page and status link, the board, the major
event and recovery pages, store scoping, the home cards (docs/DOMAIN.md §25)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from aftercare.customers.services import consent_record
from aftercare.desk import services
from aftercare.desk.choices import RescueStatus
from aftercare.desk.models import MajorEvent, RecoveryCase, RescueRequest
from aftercare.tests.factories import MembershipFactory, UserFactory

from .conftest import T0

pytestmark = pytest.mark.django_db


def test_the_public_rescue_form_is_limited_per_mobile_and_per_ip_address(store, customer, client):
    """docs/DOMAIN.md §25.2: 5 requests an hour for one mobile, 10 posts an hour from one IP; HTTP 429."""
    url = reverse("desk_public:rescue", args=[store.code])
    data = {"contact_name": "李娜", "contact_phone": "13800001111", "symptom": "高速爆胎", "address": "广州大道"}
    with time_machine.travel(T0, tick=False):
        codes = [client.post(url, data, REMOTE_ADDR=f"10.0.0.{n}").status_code for n in range(5)]
        limited = client.post(url, {**data, "contact_phone": "138 0000 1111"}, REMOTE_ADDR="10.0.0.9")
        assert codes == [302] * 5 and limited.status_code == 429 and RescueRequest.objects.count() == 5
        assert "该手机号的救援请求过多" in limited.content.decode()
        codes = [client.post(url, {"contact_name": "x"}, REMOTE_ADDR="10.0.1.1").status_code for _ in range(10)]
        blocked = client.post(url, {**data, "contact_phone": "13900002222"}, REMOTE_ADDR="10.0.1.1")
        assert codes == [200] * 10 and blocked.status_code == 429 and "此网络的救援请求过多" in blocked.content.decode()
        assert RescueRequest.objects.count() == 5
    with time_machine.travel(T0 + timedelta(hours=1, minutes=1), tick=False):
        assert client.post(url, data, REMOTE_ADDR="10.0.0.1").status_code == 302


@pytest.fixture
def outsider(other_store):
    user = UserFactory(username="py-manager")
    MembershipFactory(user=user, store=other_store, role="service_manager")
    return user


def test_a_customer_requests_rescue_from_the_store_page_and_follows_it_by_link(store, staff, customer, client):
    page = client.get(reverse("desk_public:rescue", args=[store.code]))
    assert page.status_code == 200 and "data-geolocate" in page.content.decode()
    bad = client.post(reverse("desk_public:rescue", args=[store.code]), {"contact_name": "李娜", "symptom": "爆胎"})
    assert bad.status_code == 200 and not RescueRequest.objects.exists()
    with time_machine.travel(T0, tick=False):
        response = client.post(
            reverse("desk_public:rescue", args=[store.code]),
            {"contact_name": "李娜", "contact_phone": "138 0000 1111", "symptom": "高速爆胎", "latitude": "23.1",
             "longitude": "113.3"},
        )  # fmt: skip
    rescue = RescueRequest.objects.get()
    assert response.status_code == 302 and rescue.customer == customer and rescue.channel == "phone_page"
    status = client.get(response.url)
    assert status.status_code == 200 and rescue.number in status.content.decode()
    services.rescue_dispatch(actor=staff["advisor"], rescue=rescue, technician=staff["technician"],
                             rescue_vehicle="救援车2号", eta_minutes=30)  # fmt: skip
    partial = client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert "救援车2号" in partial and "<html" not in partial
    assert client.get(reverse("desk_public:rescue_status", args=["x" * 43])).status_code == 404
    assert client.get(reverse("desk_public:rescue", args=["nostore"])).status_code == 404


def test_staff_take_a_call_dispatch_and_report_from_the_pages(store, staff, customer, client_for):
    client = client_for(staff["advisor"])
    response = client.post(reverse("desk:rescue_new"), {
        "customer": customer.mobile, "contact_name": "李娜", "contact_phone": customer.mobile, "symptom": "打不着火",
        "address": "天河路385号",
    })  # fmt: skip
    rescue = RescueRequest.objects.get()
    assert response.status_code == 302 and rescue.channel == "phone_line" and rescue.received_by == staff["advisor"]
    board = client.get(reverse("desk:rescue_board")).content.decode()
    assert rescue.number in board
    client.post(reverse("desk:rescue_dispatch", args=[rescue.pk]),
                {"technician": staff["technician"].pk, "rescue_vehicle": "救援车1号", "eta_minutes": 20})  # fmt: skip
    for to in ("on_the_way", "arrived"):
        client.post(reverse("desk:rescue_move", args=[rescue.pk, to]))
    client.post(reverse("desk:rescue_finish", args=[rescue.pk]), {"result": "搭电启动成功", "fee": "100"})
    rescue.refresh_from_db()
    assert rescue.status == RescueStatus.DONE and rescue.result == "搭电启动成功"
    assert rescue.number not in client.get(reverse("desk:rescue_board")).content.decode()
    assert client.get(reverse("desk:rescue_detail", args=[rescue.pk])).status_code == 200


def test_rescue_pages_and_api_stay_in_the_store(store, staff, outsider, client_for, api_client_for):
    rescue, _token = services.rescue_create(actor=None, store=store, channel="phone_page", contact_name="王",
                                            contact_phone="13900000000", symptom="没油", address="广州")  # fmt: skip
    client = client_for(outsider)
    assert client.get(reverse("desk:rescue_detail", args=[rescue.pk])).status_code == 404
    assert client.post(reverse("desk:rescue_move", args=[rescue.pk, "cancelled"]), {"note": "x"}).status_code == 404
    api = api_client_for(outsider)
    assert api.get(f"/api/v1/desk/rescues/{rescue.pk}/").status_code == 404
    assert api.get("/api/v1/desk/rescues/").json()["results"] == []
    assert (
        api.post(
            "/api/v1/desk/rescues/",
            {"store": store.pk, "contact_name": "x", "contact_phone": "13900000000", "symptom": "x", "address": "x"},
            format="json",
        ).status_code
        == 400
    )
    assert client_for(staff["technician"]).get(reverse("desk:rescue_board")).status_code == 403


def test_the_api_runs_a_rescue_from_call_to_result(store, staff, customer, api_client_for):
    api = api_client_for(staff["advisor"])
    call = {
        "store": store.pk,
        "customer": customer.pk,
        "contact_name": "李娜",
        "contact_phone": customer.mobile,
        "symptom": "爆胎",
        "latitude": "23.120000",
        "longitude": "113.300000",
    }
    created = api.post("/api/v1/desk/rescues/", call, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["rescue"]["id"]
    assert "/help/rescue/" in created.json()["status_link"]
    assert api.post(f"/api/v1/desk/rescues/{pk}/move/", {"to": "arrived"}, format="json").status_code == 409
    assert api.post(f"/api/v1/desk/rescues/{pk}/dispatch_team/", {"technician": staff["technician"].pk,
                    "rescue_vehicle": "1号", "eta_minutes": 0}, format="json").status_code == 400  # fmt: skip
    api.post(f"/api/v1/desk/rescues/{pk}/dispatch_team/", {"technician": staff["technician"].pk,
             "rescue_vehicle": "1号", "eta_minutes": 25}, format="json")  # fmt: skip
    api.post(f"/api/v1/desk/rescues/{pk}/move/", {"to": "on_the_way"}, format="json")
    api.post(f"/api/v1/desk/rescues/{pk}/move/", {"to": "arrived"}, format="json")
    done = api.post(f"/api/v1/desk/rescues/{pk}/finish/", {"result": "换备胎"}, format="json").json()
    assert done["status"] == "done" and [c["to_status"] for c in done["status_changes"]][-1] == "done"
    assert [r["number"] for r in api.get("/api/v1/desk/rescues/", {"open": "1"}).json()["results"]] == []


def test_a_major_event_recorded_on_the_customer_page_flags_the_customer(store, staff, customer, client_for):
    client = client_for(staff["customer_care"])
    panel = client.get(reverse("desk:customer_panel", args=[customer.pk])).content.decode()
    assert reverse("desk:event_new", args=[customer.pk]) in panel
    response = client.post(reverse("desk:event_new", args=[customer.pk]),
                           {"kind": "stolen", "description": "车辆在商场停车场被盗", "flag_days": 30})  # fmt: skip
    assert response.status_code == 302
    event = MajorEvent.objects.get()
    assert "车辆在商场停车场被盗" in client.get(reverse("desk:customer_panel", args=[customer.pk])).content.decode()
    manager = client_for(staff["service_manager"])
    assert "车辆在商场停车场被盗" in manager.get(reverse("desk:events")).content.decode()
    notice = event.notices.get(user=staff["service_manager"])
    manager.post(reverse("desk:notice_acknowledge", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.acknowledged_at is not None


def test_the_home_cards_show_rescues_alerts_and_recoveries(store, staff, customer, client_for):
    services.rescue_create(
        actor=None,
        store=store,
        channel="phone_page",
        contact_name="王",
        contact_phone="13900000000",
        symptom="没油",
        address="广州",
    )
    services.event_record(actor=staff["customer_care"], customer=customer, kind="ill", description="住院")
    services.recovery_open(actor=staff["customer_care"], customer=customer, reason="quality")
    home = client_for(staff["service_manager"]).get(reverse("home")).content.decode()
    for name in ("desk:rescue_board", "desk:events", "desk:recoveries"):
        assert reverse(name) in home


def test_a_recovery_is_worked_step_by_step_on_its_page(store, staff, customer, outsider, client_for):
    client = client_for(staff["customer_care"])
    response = client.post(reverse("desk:recovery_open", args=[customer.pk]))
    case = RecoveryCase.objects.get()
    assert response.url == reverse("desk:recovery_detail", args=[case.pk])
    client.post(response.url, {"note": ""})
    case.refresh_from_db()
    assert case.status == "opened"
    client.post(response.url, {"note": "确认档案", "contact_name": "李娜", "contact_phone": "13800001111"})
    client.post(response.url, {"note": "当天致电"})
    case.refresh_from_db()
    assert case.status == "called"
    page = client.get(response.url).content.decode()
    assert "确认档案" in page and "当天致电" in page and 'data-testid="call-refused"' not in page
    consent_record(actor=None, customer=customer, purpose="service", granted=False, channel="in_store")
    assert "请勿致电该客户" in client.get(response.url).content.decode()
    assert client_for(outsider).get(response.url).status_code == 404
