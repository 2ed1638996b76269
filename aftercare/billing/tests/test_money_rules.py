"""Money rules that hold across the spine and the cash desk: a discount never
leaves the customer in credit, an order holding money is not cancelled, every
money-posting API call carries its Idempotency-Key, and the advisor's next
maintenance at delivery is honoured or refused with a reason."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import translation

from aftercare.billing import selectors, services
from aftercare.billing.models import Delivery, Payment
from aftercare.service import services as ro
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder

pytestmark = pytest.mark.django_db


def _pay(staff, order, amount, who="cashier"):
    payment, _created = services.payment_post(actor=staff[who], order=order, method="wechat", amount=Decimal(amount))
    return payment


def _status(order) -> str:
    return RepairOrder.objects.get(pk=order.pk).status


# --- 2. a discount is checked against the balance -------------------------------------


def test_a_discount_above_the_balance_is_refused_after_a_part_payment(staff, order):
    _pay(staff, order, "20.00")
    manager = staff["service_manager"]
    with pytest.raises(ValidationError) as refused:
        ro.repair_order_discount(actor=manager, order=order, amount=order.customer_total - 19, reason="老客户")
    assert "amount" in refused.value.message_dict
    ro.repair_order_discount(actor=manager, order=order, amount=order.customer_total - 20, reason="老客户")
    order.refresh_from_db()
    assert selectors.order_balance(order) == 0


def test_a_refund_gives_the_room_back_to_a_discount(staff, order):
    _pay(staff, order, "20.00")
    services.payment_refund(
        actor=staff["service_manager"], order=order, amount=Decimal("5"), method="wechat", reason="多收"
    )
    ro.repair_order_discount(
        actor=staff["service_manager"], order=order, amount=order.customer_total - 15, reason="老客户"
    )
    order.refresh_from_db()
    assert selectors.order_balance(order) == 0


# --- 3. an order holding payments cannot be cancelled -----------------------------------


def test_an_order_holding_payments_is_not_cancelled_until_the_money_goes_back(staff, order):
    payment = _pay(staff, order, "20.00")
    with translation.override("en"), pytest.raises(ro.TransitionRefused) as refused:
        ro.repair_order_transition(
            repair_order=order, to=Status.CANCELLED, actor=staff["service_manager"], note="客户取消"
        )
    assert "20.00" in str(refused.value) and "refund" in str(refused.value).lower()
    assert ro.repair_order_refusal(order, Status.CANCELLED)
    assert _status(order) == Status.READY
    services.payment_reverse(actor=staff["service_manager"], payment=payment, reason="刷错卡")
    ro.repair_order_transition(repair_order=order, to=Status.CANCELLED, actor=staff["service_manager"], note="客户取消")
    assert _status(order) == Status.CANCELLED


def test_a_refunded_order_can_be_cancelled_and_the_api_answers_409_before(staff, order, api_client_for):
    _pay(staff, order, "20.00")
    api = api_client_for(staff["service_manager"])
    url = f"/api/v1/repair-orders/{order.pk}/transition/"
    refused = api.post(url, {"to": "cancelled", "note": "客户取消"}, format="json")
    assert refused.status_code == 409 and "20.00" in refused.json()["detail"]
    services.payment_refund(
        actor=staff["service_manager"], order=order, amount=Decimal("20"), method="wechat", reason="取消维修"
    )
    assert api.post(url, {"to": "cancelled", "note": "客户取消"}, format="json").status_code == 200


# --- 4. Idempotency-Key is required on money-posting API calls --------------------------


def test_ten_payments_without_an_idempotency_key_post_nothing(staff, order, api_client_for):
    client = api_client_for(staff["cashier"])
    url = f"/api/v1/repair-orders/{order.pk}/payments/"
    for _ in range(10):
        response = client.post(url, {"method": "cash", "amount": "1.00"}, format="json")
        assert response.status_code == 400
        assert "Idempotency-Key" in response.json()
    blank = client.post(url, {"method": "cash", "amount": "1.00"}, format="json", HTTP_IDEMPOTENCY_KEY="  ")
    assert blank.status_code == 400
    assert not Payment.objects.exists()


def test_the_schema_documents_the_idempotency_key_as_a_required_header(staff, api_client_for):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    post = schema["paths"]["/api/v1/repair-orders/{id}/payments/"]["post"]
    (header,) = [p for p in post["parameters"] if p["name"] == "Idempotency-Key"]
    assert header["in"] == "header" and header["required"] is True


# --- 5. the advisor's next maintenance at delivery ------------------------------------------


@pytest.fixture
def settled(staff, order):
    _pay(staff, order, order.customer_total)
    assert _status(order) == Status.SETTLED
    return order


def _deliver(api, order, signature, **next_service):
    return api.post(
        f"/api/v1/repair-orders/{order.pk}/deliver/", {"signature": signature, **next_service}, format="json"
    )


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_the_next_maintenance_the_advisor_sends_is_recorded_and_answered(staff, settled, signature, api_client_for):
    RepairOrder.objects.filter(pk=settled.pk).update(odometer_km=120000)
    response = _deliver(
        api_client_for(staff["advisor"]), settled, signature, next_service_date="2027-06-06", next_service_km=135500
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["next_service_date"], response.json()["next_service_km"]) == ("2027-06-06", 135500)
    delivery = Delivery.objects.get(repair_order=settled)
    assert (delivery.next_service_date, delivery.next_service_km) == (date(2027, 6, 6), 135500)


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"next_service_date": "2026-03-09"}, "next_service_date"),
        ({"next_service_date": "2036-03-10"}, "next_service_date"),
        ({"next_service_date": "not a date"}, "next_service_date"),
        ({"next_service_km": 20000}, "next_service_km"),
        ({"next_service_km": 19000}, "next_service_km"),
        ({"next_service_km": "many"}, "next_service_km"),
    ],
)
def test_a_next_maintenance_in_the_past_or_below_the_reading_is_refused_with_a_reason(
    staff, settled, signature, api_client_for, sent, field
):
    response = _deliver(api_client_for(staff["advisor"]), settled, signature, **sent)
    assert response.status_code == 400
    assert field in response.json()
    assert _status(settled) == Status.SETTLED and not Delivery.objects.exists()


def test_without_values_the_next_maintenance_is_computed_as_before(staff, settled, signature, api_client_for):
    expected = selectors.next_service_after(settled)
    response = _deliver(api_client_for(staff["advisor"]), settled, signature)
    assert response.status_code == 200
    body = response.json()
    assert (body["next_service_date"], body["next_service_km"]) == (
        expected[0] and expected[0].isoformat(),
        expected[1],
    )


def test_the_delivery_sheet_prints_the_next_maintenance_that_was_recorded(staff, settled, signature, client_for):
    services.repair_order_deliver(
        actor=staff["advisor"], order=settled, signature=signature, next_service_date=date.today() + timedelta(200),
        next_service_km=28765,
    )  # fmt: skip
    page = client_for(staff["advisor"]).get(reverse("billing:delivery_sheet", args=[settled.pk])).content.decode()
    assert "28765" in page.replace(",", "")


# --- 1. payments whose balance would not fit -------------------------------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL cannot hold such an order")
def test_a_payment_on_an_order_stored_out_of_range_is_refused_and_nothing_is_written(staff, order):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE service_repairorder SET customer_total = 11039999889.60 WHERE id = %s", [order.pk])
    order = RepairOrder.objects.get(pk=order.pk)
    with pytest.raises(ValidationError) as refused:
        _pay(staff, order, "1.00")
    assert "amount" in refused.value.message_dict
    assert not Payment.objects.exists()
