"""Two cashiers settling the same repair order at once cannot overpay it."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from aftercare.billing import selectors, services
from aftercare.billing.models import Payment


@pytest.mark.django_db(transaction=True)
def test_two_cashiers_paying_the_full_balance_at_once_record_one_payment(staff, make_order):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between threads need PostgreSQL (SQLite serialises writers anyway)")
    order = make_order()
    due = order.customer_total
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def cashier(key: str) -> None:
        try:
            barrier.wait()
            services.payment_post(actor=staff["cashier"], order=order, method="cash", amount=due, idempotency_key=key)
            outcomes.append("paid")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cashier, args=(key,)) for key in ("desk-1", "desk-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["paid", "refused"]
    assert Payment.objects.filter(repair_order=order).count() == 1
    assert selectors.order_balance(order) == Decimal("0.00")


@pytest.mark.django_db(transaction=True)
def test_the_same_request_sent_twice_at_once_is_recorded_once(staff, make_order):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    order = make_order()
    barrier = threading.Barrier(2)
    results = []

    def retry() -> None:
        try:
            barrier.wait()
            results.append(
                services.payment_post(
                    actor=staff["cashier"], order=order, method="wechat", amount="20", idempotency_key="same"
                )
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=retry) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(created for _payment, created in results) == [False, True]
    assert len({payment.pk for payment, _created in results}) == 1
    assert Payment.objects.filter(repair_order=order).count() == 1
