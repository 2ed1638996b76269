"""Settlement, payment and delivery: balances, posted records, guards, delivery."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from aftercare.billing import selectors, services
from aftercare.billing.models import CreditApproval, Delivery, Payment
from aftercare.core.models import AuditEntry
from aftercare.service import services as ro
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder, StatusChange

pytestmark = pytest.mark.django_db


def _pay(staff, order, amount, method="wechat", key=None, who="cashier"):
    payment, _created = services.payment_post(
        actor=staff[who], order=order, method=method, amount=Decimal(amount), idempotency_key=key
    )
    return payment


def _status(order) -> str:
    return RepairOrder.objects.get(pk=order.pk).status


def test_partial_payments_track_the_balance_and_paying_in_full_settles(staff, order):
    total = order.customer_total
    assert total > 0
    _pay(staff, order, "100.00", method="cash")
    assert selectors.order_balance(order) == total - Decimal("100.00")
    assert _status(order) == Status.READY
    last = _pay(staff, order, total - Decimal("100.00"), method="alipay")
    assert last.balance_after == 0
    assert selectors.order_balance(order) == 0
    assert _status(order) == Status.SETTLED
    assert AuditEntry.objects.filter(object_id=str(order.pk), changes__has_key="payment").count() == 2


def test_a_payment_above_the_balance_zero_or_negative_is_refused(staff, order):
    for amount in ("0", "-5", "abc", order.customer_total + Decimal("0.01")):
        with pytest.raises(ValidationError) as refused:
            services.payment_post(actor=staff["cashier"], order=order, method="cash", amount=amount)
        assert "amount" in refused.value.message_dict
    assert not Payment.objects.exists()


def test_an_unknown_method_and_stored_value_without_a_card_behind_it_are_refused(staff, order):
    with pytest.raises(ValidationError):
        services.payment_post(actor=staff["cashier"], order=order, method="bitcoin", amount="10")
    # The card's balance is loyalty's (its tests pay from real cards); a payment
    # naming no card is refused whole.
    with pytest.raises(ValidationError):
        _pay(staff, order, "10", method="stored_value")
    assert not Payment.objects.exists()


def test_only_roles_with_payment_post_take_money(staff, order):
    with pytest.raises(PermissionDenied):
        _pay(staff, order, "10", who="advisor")


def test_a_retried_payment_with_the_same_key_is_recorded_once(staff, order):
    first, created = services.payment_post(
        actor=staff["cashier"], order=order, method="cash", amount="50", idempotency_key="k-1"
    )
    again, created_again = services.payment_post(
        actor=staff["cashier"], order=order, method="cash", amount="50.00", idempotency_key="k-1"
    )
    assert created and not created_again and again.pk == first.pk
    assert Payment.objects.count() == 1
    with pytest.raises(services.IdempotencyConflict):
        services.payment_post(actor=staff["cashier"], order=order, method="cash", amount="60", idempotency_key="k-1")


def test_a_key_taken_between_the_read_and_the_insert_is_answered_from_the_committed_record(staff, order, monkeypatch):
    first, _created = services.payment_post(
        actor=staff["cashier"], order=order, method="cash", amount="50", idempotency_key="k-race"
    )
    # As if the first request committed after this one read the store's keys
    # (two orders' requests with one key are not serialised by an order's lock).
    monkeypatch.setattr(services, "_paid_and_replay", lambda locked, key: (Decimal("0.00"), None, []))
    again, created = services.payment_post(
        actor=staff["cashier"], order=order, method="cash", amount="50", idempotency_key="k-race"
    )
    assert again.pk == first.pk and not created
    with pytest.raises(services.IdempotencyConflict):
        services.payment_post(actor=staff["cashier"], order=order, method="cash", amount="60", idempotency_key="k-race")
    monkeypatch.undo()
    assert list(Payment.objects.values_list("number", flat=True)) == [first.number]
    audited = AuditEntry.objects.filter(object_type="service.repairorder", changes__has_key="payment")
    assert audited.count() == 1
    second = _pay(staff, order, "10")
    assert int(second.number[3:]) == int(first.number[3:]) + 1  # the refused request gave its number back


def test_the_settle_guard_refuses_while_money_is_due(staff, order):
    with pytest.raises(ro.TransitionRefused):
        services.repair_order_settle(actor=staff["cashier"], order=order)
    assert _status(order) == Status.READY


def test_an_order_with_nothing_to_pay_settles_at_the_desk(staff, make_order):
    order = make_order(payer="warranty")
    assert order.customer_total == 0
    services.repair_order_settle(actor=staff["cashier"], order=order)
    assert _status(order) == Status.SETTLED


def test_credit_approval_needs_the_permission_and_a_reason_and_settles(staff, order):
    with pytest.raises(PermissionDenied):
        services.credit_approve(actor=staff["cashier"], order=order, reason="月结客户")
    with pytest.raises(ValidationError):
        services.credit_approve(actor=staff["service_manager"], order=order, reason=" ")
    approval = services.credit_approve(actor=staff["service_manager"], order=order, reason="月结客户")
    assert approval.balance_due == order.customer_total
    assert _status(order) == Status.SETTLED
    assert AuditEntry.objects.filter(reason="月结客户", changes__has_key="credit_approved").exists()


def test_refund_needs_a_reason_the_permission_and_at_most_what_was_paid(staff, order):
    _pay(staff, order, "100")
    with pytest.raises(ValidationError) as no_reason:
        services.payment_refund(actor=staff["service_manager"], order=order, amount="10", method="cash", reason="")
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(PermissionDenied):
        services.payment_refund(actor=staff["cashier"], order=order, amount="10", method="cash", reason="多收")
    with pytest.raises(ValidationError):
        services.payment_refund(actor=staff["service_manager"], order=order, amount="100.01", method="cash", reason="x")
    refund, _ = services.payment_refund(
        actor=staff["service_manager"], order=order, amount="30", method="cash", reason="多收"
    )
    assert refund.amount == Decimal("-30.00") and refund.kind == "refund"
    assert selectors.order_balance(order) == order.customer_total - Decimal("70.00")


def test_a_reversal_restores_the_balance_and_happens_once(staff, order):
    payment = _pay(staff, order, order.customer_total)
    assert _status(order) == Status.SETTLED
    with pytest.raises(PermissionDenied):
        services.payment_reverse(actor=staff["cashier"], payment=payment, reason="刷错卡")
    with pytest.raises(ValidationError):
        services.payment_reverse(actor=staff["service_manager"], payment=payment, reason="")
    reversal = services.payment_reverse(actor=staff["service_manager"], payment=payment, reason="刷错卡")
    assert reversal.amount == -payment.amount and reversal.reverses_id == payment.pk
    assert selectors.order_balance(order) == order.customer_total
    with pytest.raises(ValidationError):
        services.payment_reverse(actor=staff["service_manager"], payment=payment, reason="again")
    with pytest.raises(ValidationError):
        services.payment_reverse(actor=staff["service_manager"], payment=reversal, reason="undo")
    payment.refresh_from_db()
    assert payment.amount == order.customer_total  # the original stays as posted


def test_the_statement_itemises_by_kind_and_payer_with_vat_inside(staff, store, make_order):
    order = make_order()
    ro.repair_order_discount(actor=staff["service_manager"], order=order, amount=Decimal("10"), reason="老客户")
    order.refresh_from_db()
    bill = selectors.settlement_for(order)
    assert len(bill.labour) == len(bill.parts) == len(bill.other) == len(bill.discount_lines) == 1
    assert bill.labour_total + bill.parts_total + bill.other_total - bill.manager_discounts == order.total
    assert bill.customer_share == order.customer_total
    assert bill.tax == (bill.customer_share - bill.customer_share / Decimal("1.13")).quantize(Decimal("0.01"))
    assert bill.tax + bill.customer_net == bill.customer_share
    warranty = make_order(payer="warranty")
    assert selectors.settlement_for(warranty).warranty_share == warranty.total


def test_vat_is_rounded_half_up_to_the_cent():
    assert selectors.vat_included(Decimal("113.00")) == Decimal("13.00")
    assert selectors.vat_included(Decimal("100.00")) == Decimal("11.50")  # 11.504... -> 11.50
    assert selectors.vat_included(Decimal("0")) == Decimal("0.00")


def test_delivery_needs_a_signature_and_moves_settled_to_delivered(
    staff, order, signature, django_capture_on_commit_callbacks
):
    received = []

    def receiver(**kwargs):
        received.append(kwargs["to_status"])

    ro.repair_order_status_changed.connect(receiver)
    _pay(staff, order, order.customer_total)
    with pytest.raises(ValidationError):
        services.repair_order_deliver(actor=staff["advisor"], order=order, signature="")
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.repair_order_deliver(actor=staff["advisor"], order=order, signature=signature)
    assert _status(order) == Status.DELIVERED
    assert delivery.signature == signature
    ro.repair_order_status_changed.disconnect(receiver)
    assert "delivered" in received


def test_delivery_with_a_balance_due_needs_the_managers_credit_approval(staff, order, signature):
    _pay(staff, order, "10")
    RepairOrder.objects.filter(pk=order.pk).update(status=Status.SETTLED)
    with pytest.raises(ro.TransitionRefused):
        services.repair_order_deliver(actor=staff["advisor"], order=order, signature=signature)
    assert not Delivery.objects.exists()
    services.credit_approve(actor=staff["service_manager"], order=order, reason="单位挂账")
    delivery = services.repair_order_deliver(actor=staff["advisor"], order=order, signature=signature)
    assert delivery.balance_due == order.customer_total - Decimal("10")
    assert CreditApproval.objects.filter(repair_order=order).exists()


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_delivering_a_maintenance_order_restarts_the_vehicles_cycle(staff, make_order, vehicle, signature):
    order = make_order(repair_type="periodic")
    _pay(staff, order, order.customer_total)
    next_date, next_km = selectors.next_service_after(order)
    assert (next_date, next_km) == (date(2026, 9, 10), 25000)
    delivery = services.repair_order_deliver(actor=staff["advisor"], order=order, signature=signature)
    vehicle.refresh_from_db()
    assert (vehicle.last_service_at, vehicle.last_service_km) == (date(2026, 3, 10), 20000)
    assert (delivery.next_service_date, delivery.next_service_km) == (date(2026, 9, 10), 25000)
    assert vehicle.next_service_due() == (date(2026, 9, 10), 25000)


def test_a_repair_order_leaves_the_maintenance_cycle_alone(staff, order, vehicle, signature):
    _pay(staff, order, order.customer_total)
    services.repair_order_deliver(actor=staff["advisor"], order=order, signature=signature)
    vehicle.refresh_from_db()
    assert vehicle.last_service_at is None


def test_the_cashiers_lists_show_ready_and_owing_orders(staff, make_order):
    ready = make_order()
    partly = make_order()
    _pay(staff, partly, "10")
    on_credit = make_order()
    services.credit_approve(actor=staff["service_manager"], order=on_credit, reason="月结")
    paid = make_order()
    _pay(staff, paid, paid.customer_total)
    user = staff["cashier"]
    assert {o.pk for o in selectors.orders_ready_to_settle(user)} == {ready.pk, partly.pk}
    unpaid = {o.pk: o.balance_due for o in selectors.with_money_rounded(selectors.orders_unpaid(user))}
    assert unpaid == {partly.pk: partly.customer_total - 10, on_credit.pk: on_credit.customer_total}


# --- settling in the payment's own lock ------------------------------------------------------------


def test_paying_the_last_of_the_balance_settles_in_a_pinned_number_of_queries(staff, order, django_assert_num_queries):
    cashier = staff["cashier"]
    _pay(staff, order, "10.00")  # the store's receipt numbers exist; the cashier's roles are read
    order.store  # noqa: B018  (the page that posts has the order's store)
    # Savepoint; lock; the order's money records and the key in one read; number, payment; the order's
    # status, its history row; the payment's and the move's audit rows in one INSERT; release; and the
    # health record's SETTLED guard reading the store's settings (docs/DOMAIN.md §23.2).
    with django_assert_num_queries(10):
        payment, created = services.payment_post(
            actor=cashier, order=order, method="wechat", amount=order.customer_total - 10, idempotency_key="last"
        )
    assert created and payment.balance_after == 0
    assert _status(order) == Status.SETTLED


def test_settling_by_payment_is_recorded_and_announced_like_any_move(staff, order, django_capture_on_commit_callbacks):
    received = []
    ro.repair_order_status_changed.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="paid")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _pay(staff, order, order.customer_total)
    finally:
        ro.repair_order_status_changed.disconnect(dispatch_uid="paid")
    assert [(e["from_status"], e["to_status"], e["actor_id"]) for e in received] == [
        (Status.READY, Status.SETTLED, staff["cashier"].pk)
    ]
    change = StatusChange.objects.get(repair_order=order, to_status=Status.SETTLED)
    assert change.from_status == Status.READY and change.changed_by == staff["cashier"]
    assert AuditEntry.objects.filter(object_id=str(order.pk), changes__status=["ready", "settled"]).exists()


def test_another_apps_guard_can_still_hold_a_paid_order_back_and_the_payment_stands(staff, order, monkeypatch):
    guards = [*ro.TRANSITION_GUARDS.get(Status.SETTLED, []), lambda o: "发票未开"]
    monkeypatch.setitem(ro.TRANSITION_GUARDS, Status.SETTLED, guards)
    payment = _pay(staff, order, order.customer_total)
    assert Payment.objects.filter(pk=payment.pk).exists()
    assert _status(order) == Status.READY
    assert not StatusChange.objects.filter(repair_order=order, to_status=Status.SETTLED).exists()


def test_the_settle_guard_uses_the_balance_it_is_given_and_sums_it_otherwise(staff, order):
    assert services.settle_guard(order) is not None  # money is due
    assert services.settle_guard(order, context={"balance": Decimal("0.00")}) is None
    assert services.settle_guard(order, context={"balance": Decimal("5.00"), "credit_approved": True}) is None
    with translation.override("en"):
        assert "refund" in services.settle_guard(order, context={"balance": Decimal("-1.00")})
