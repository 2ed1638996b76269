"""A whole day at the service desk, from booking to delivery: once through the
services and once through the API, as an integration would drive it."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from aftercare.appointments import services as appointments
from aftercare.billing import services as billing
from aftercare.billing.selectors import order_balance
from aftercare.catalog.models import LabourOperation, Part, RepairType
from aftercare.service import services as service
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for
from aftercare.workshop import services as workshop
from aftercare.workshop.services import applicable_inspection_items

pytestmark = pytest.mark.django_db(transaction=True)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MORNING = dt.datetime(2026, 11, 26, 8, 0, tzinfo=SHANGHAI)  # a Thursday
SIGNATURE = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


@pytest.fixture
def day(store, staff):
    catalog_for(store)
    vehicle = VehicleFactory(
        owner=CustomerFactory(store=store, name="张三", mobile="13812345678"),
        plate="粤A12345",
        powertrain="ICE",
        maintenance_months=6,
        maintenance_km=5000,
    )
    oil_change = LabourOperation.objects.effective_for_store(store).get(code="M001")
    oil = Part.objects.effective_for_store(store).filter(name__contains="机油").first()
    return {"vehicle": vehicle, "oil_change": oil_change, "oil": oil}


def test_a_car_goes_from_booking_to_delivery_through_the_services(staff, store, day):
    delivered_events = []

    def on_change(**event):
        if event["to_status"] == Status.DELIVERED:
            delivered_events.append(event["repair_order_id"])

    service.repair_order_status_changed.connect(on_change, weak=False, dispatch_uid="whole-day")
    try:
        with time_machine.travel(MORNING, tick=False):
            booking = appointments.appointment_book(
                actor=staff["advisor"], store=store, vehicle=day["vehicle"], channel="phone",
                start_at=MORNING + dt.timedelta(hours=1), operations=[day["oil_change"]], complaint="保养到期",
                repair_type=RepairType.objects.effective_for_store(store).get(code="periodic"),
            )  # fmt: skip
        with time_machine.travel(MORNING + dt.timedelta(minutes=55), tick=False):
            order = appointments.appointment_convert(actor=staff["advisor"], appointment=booking, odometer_km=30500)
            service.line_add(actor=staff["advisor"], order=order, part=day["oil"])
            service.repair_order_transition(repair_order=order, to=Status.ESTIMATE, actor=staff["advisor"])
            service.repair_order_authorise(actor=staff["advisor"], order=order, method="signature", signature=SIGNATURE)
            job_line = order.lines.get(operation=day["oil_change"])
            workshop.job_dispatch(actor=staff["foreman"], line=job_line, technician=staff["technician"])
        with time_machine.travel(MORNING + dt.timedelta(hours=1), tick=False):
            workshop.job_clock_on(actor=staff["technician"], line=job_line)
        with time_machine.travel(MORNING + dt.timedelta(hours=1, minutes=35), tick=False):
            outcome = workshop.job_clock_off(actor=staff["technician"], line=job_line, finished=True)
            assert outcome.order_status == Status.QUALITY_CHECK
            order.refresh_from_db()
            results = {item.code: "ok" for item in applicable_inspection_items(order)}
            workshop.quality_check_record(actor=staff["foreman"], order=order, results=results, passed=True)
            order.refresh_from_db()
            assert order.status == Status.READY
            # Mixed payment: part by WeChat, the rest by card; the second settles it.
            half = (order.customer_total / 2).quantize(order.customer_total)
            billing.payment_post(actor=staff["cashier"], order=order, method="wechat", amount=half)
            billing.payment_post(actor=staff["cashier"], order=order, method="card", amount=order.customer_total - half)
            order.refresh_from_db()
            assert order.status == Status.SETTLED and order_balance(order) == 0
            with transaction.atomic():
                delivery = billing.repair_order_deliver(actor=staff["advisor"], order=order, signature=SIGNATURE)
    finally:
        service.repair_order_status_changed.disconnect(dispatch_uid="whole-day")

    order.refresh_from_db()
    assert order.status == Status.DELIVERED
    assert list(order.status_changes.values_list("to_status", flat=True)) == [
        "reception", "estimate", "approved", "in_progress", "quality_check", "ready", "settled", "delivered",
    ]  # fmt: skip
    assert delivered_events == [order.pk]  # the follow-up issue turns this into a call task
    # A maintenance order restarts the cycle from today's odometer.
    assert delivery.next_service_km == 30500 + 5000
    day["vehicle"].refresh_from_db()
    assert day["vehicle"].next_service_due() == (dt.date(2027, 5, 26), 35500)
    booking.refresh_from_db()
    assert booking.repair_order_id == order.pk

    # The loop closes: delivery made the first-service call for the advisor,
    # due within 24 h; a low score opens a problem; the manager's numbers move.
    from aftercare.followups import services as followups
    from aftercare.followups.models import FollowUpTask
    from aftercare.followups.selectors import followup_coverage

    call = FollowUpTask.objects.get(repair_order=order)
    assert (call.kind, call.owner) == ("first_service", staff["advisor"])
    assert call.due_at - call.created_at <= dt.timedelta(hours=24)
    call_time = MORNING + dt.timedelta(days=1, hours=2)
    with time_machine.travel(call_time, tick=False):
        outcome = {
            "contact_channel": "phone",
            "satisfaction": 2,
            "feedback": "等太久了",
            "problem_category": "efficiency",
        }
        followups.followup_record(actor=staff["advisor"], task=call, data=outcome)
    problem = call.problems.get()
    assert problem.responsible is not None
    coverage = followup_coverage(store_ids=[store.pk], start=MORNING, end=MORNING + dt.timedelta(days=7))
    assert (coverage["due"], coverage["done"]) == (1, 1)


def test_a_car_goes_from_booking_to_delivery_through_the_api(staff, store, day, api_client_for):
    advisor, foreman = api_client_for(staff["advisor"]), api_client_for(staff["foreman"])
    technician, cashier = api_client_for(staff["technician"]), api_client_for(staff["cashier"])
    vehicle, oil_change = day["vehicle"], day["oil_change"]

    with time_machine.travel(MORNING, tick=False):
        slots = advisor.get("/api/v1/appointments/slots/", {"date": "2026-11-26", "operations": oil_change.pk}).json()
        assert slots, "a free morning has free slots"
        booked = advisor.post(
            "/api/v1/appointments/",
            {"vehicle": vehicle.pk, "start_at": slots[0]["start"], "operations": [oil_change.pk], "channel": "web"},
            format="json",
        )
        assert booked.status_code == 201, booked.content
    with time_machine.travel(MORNING + dt.timedelta(minutes=30), tick=False):
        converted = advisor.post(
            f"/api/v1/appointments/{booked.json()['id']}/convert/", {"odometer_km": 30500}, format="json"
        )
        assert converted.status_code == 201, converted.content
        ro = converted.json()["repair_order"]
        assert (
            advisor.post(f"/api/v1/repair-orders/{ro}/lines/", {"part": day["oil"].pk}, format="json").status_code
            == 201
        )
        assert (
            advisor.post(f"/api/v1/repair-orders/{ro}/transition/", {"to": "approved"}, format="json").status_code
            == 409
        )
        assert (
            advisor.post(f"/api/v1/repair-orders/{ro}/transition/", {"to": "estimate"}, format="json").status_code
            == 200
        )
        authorised = advisor.post(
            f"/api/v1/repair-orders/{ro}/authorise/", {"method": "verbal", "note": "车主电话确认"}, format="json"
        )
        assert authorised.status_code == 200, authorised.content
        line = RepairOrder.objects.get(pk=ro).lines.get(operation=oil_change).pk
        dispatched = foreman.post(
            f"/api/v1/workshop/lines/{line}/dispatch/", {"technician": staff["technician"].pk}, format="json"
        )
        assert dispatched.status_code == 200, dispatched.content
        assert technician.post(f"/api/v1/workshop/lines/{line}/clock-on/").status_code == 200
    with time_machine.travel(MORNING + dt.timedelta(hours=1), tick=False):
        off = technician.post(f"/api/v1/workshop/lines/{line}/clock-off/", {"finished": True}, format="json")
        assert off.json()["order_status"] == "quality_check"
        order = RepairOrder.objects.get(pk=ro)
        results = {item.code: "ok" for item in applicable_inspection_items(order)}
        qc = foreman.post(
            f"/api/v1/workshop/repair-orders/{ro}/quality-check/", {"results": results, "passed": True}, format="json"
        )
        assert qc.status_code == 201, qc.content
        amount = str(RepairOrder.objects.get(pk=ro).customer_total)
        paid = cashier.post(
            f"/api/v1/repair-orders/{ro}/payments/", {"method": "alipay", "amount": amount},
            format="json", HTTP_IDEMPOTENCY_KEY="pay-1",
        )  # fmt: skip
        replay = cashier.post(
            f"/api/v1/repair-orders/{ro}/payments/", {"method": "alipay", "amount": amount},
            format="json", HTTP_IDEMPOTENCY_KEY="pay-1",
        )  # fmt: skip
        assert (paid.status_code, replay.status_code) == (201, 200)
        assert RepairOrder.objects.get(pk=ro).payments.count() == 1
        # A bare transition cannot hand the car back without the signed sheet.
        assert (
            advisor.post(f"/api/v1/repair-orders/{ro}/transition/", {"to": "delivered"}, format="json").status_code
            == 409
        )
        delivered = advisor.post(f"/api/v1/repair-orders/{ro}/deliver/", {"signature": SIGNATURE}, format="json")
        assert delivered.status_code == 200, delivered.content
    assert RepairOrder.objects.get(pk=ro).status == Status.DELIVERED
