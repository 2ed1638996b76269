"""Cash desk, settlement, print and delivery pages."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from aftercare.billing import services
from aftercare.billing.models import Payment
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder

pytestmark = pytest.mark.django_db


def test_the_cashier_page_lists_todays_payments_ready_and_unpaid_orders_in_few_queries(
    staff, make_order, client_for, django_assert_max_num_queries
):
    orders = [make_order() for _ in range(4)]
    for order in orders[:3]:
        services.payment_post(actor=staff["cashier"], order=order, method="cash", amount="10")
    services.credit_approve(actor=staff["service_manager"], order=orders[3], reason="月结")
    client = client_for(staff["cashier"])
    # Session, user, roles, store, permissions: 6 + the three lists: 3 + the WeChat Pay / Alipay
    # charges waiting or to refund: 1 + the session save: 3.
    with django_assert_max_num_queries(13):
        response = client.get(reverse("billing:cashier"))
    assert response.status_code == 200
    page = response.content.decode()
    for order in orders:
        assert order.number in page


def test_the_cashier_page_needs_payment_post(staff, client_for):
    assert client_for(staff["advisor"]).get(reverse("billing:cashier")).status_code == 403


def test_a_double_submitted_payment_form_records_one_payment(staff, order, client_for):
    client = client_for(staff["cashier"])
    data = {"method": "cash", "amount": "50.00", "reference": "", "token": "form-token-1"}
    first = client.post(reverse("billing:pay", args=[order.pk]), data)
    second = client.post(reverse("billing:pay", args=[order.pk]), data)
    page = reverse("billing:order", args=[order.pk])
    assert [(first.status_code, first.url), (second.status_code, second.url)] == [(302, page), (302, page)]
    assert Payment.objects.count() == 1


def test_an_overpayment_in_the_form_is_a_field_error_not_a_crash(staff, order, client_for):
    data = {"method": "cash", "amount": str(order.customer_total + 1), "token": "t"}
    response = client_for(staff["cashier"]).post(reverse("billing:pay", args=[order.pk]), data)
    assert response.status_code == 400
    assert response.context["pay_form"].errors["amount"]
    assert not Payment.objects.exists()


def test_another_stores_order_is_a_404(staff, other_store, client_for):
    assert client_for(staff["cashier"]).get(reverse("billing:order", args=[999999])).status_code == 404


def test_the_settlement_page_shows_the_panel_with_controls(staff, order, client_for):
    page = client_for(staff["service_manager"]).get(reverse("billing:order", args=[order.pk])).content.decode()
    assert 'data-testid="billing-panel"' in page and 'data-testid="pay-form"' in page
    assert str(order.customer_total) in page


def test_refund_reverse_and_credit_forms_post(staff, order, client_for):
    manager = client_for(staff["service_manager"])
    manager.post(reverse("billing:pay", args=[order.pk]), {"method": "card", "amount": "40", "token": "a"})
    payment = Payment.objects.get()
    response = manager.post(
        reverse("billing:refund", args=[order.pk]), {"method": "card", "amount": "5", "reason": "", "token": "b"}
    )
    assert response.status_code == 400 and response.context["refund_form"].errors["reason"]
    manager.post(
        reverse("billing:refund", args=[order.pk]), {"method": "card", "amount": "5", "reason": "多收", "token": "c"}
    )
    manager.post(reverse("billing:reverse", args=[payment.pk]), {"reason": "刷错卡"})
    assert Payment.objects.count() == 3
    manager.post(reverse("billing:credit", args=[order.pk]), {"credit-reason": "单位挂账"})
    assert RepairOrder.objects.get(pk=order.pk).status == Status.SETTLED


def test_the_printable_statement_and_delivery_sheet_render(staff, order, client_for, signature):
    services.payment_post(actor=staff["cashier"], order=order, method="cash", amount=order.customer_total)
    client = client_for(staff["advisor"])
    statement = client.get(reverse("billing:statement", args=[order.pk]))
    assert statement.status_code == 200
    page = statement.content.decode()
    assert 'data-testid="print-statement"' in page and "app-topbar" not in page
    delivery_page = client.get(reverse("billing:delivery", args=[order.pk])).content.decode()
    assert "data-signature-pad" in delivery_page and "signature.js" in delivery_page
    response = client.post(reverse("billing:delivery", args=[order.pk]), {"signature": signature})
    assert (response.status_code, response.url) == (302, reverse("billing:delivery_sheet", args=[order.pk]))
    sheet = client.get(reverse("billing:delivery_sheet", args=[order.pk])).content.decode()
    assert 'data-testid="print-delivery"' in sheet and signature in sheet and "app-topbar" not in sheet


def test_delivering_without_a_signature_shows_an_error(staff, order, client_for):
    RepairOrder.objects.filter(pk=order.pk).update(status=Status.SETTLED, customer_total=Decimal("0"))
    response = client_for(staff["advisor"]).post(reverse("billing:delivery", args=[order.pk]), {"signature": ""})
    assert response.status_code == 400
    assert RepairOrder.objects.get(pk=order.pk).status == Status.SETTLED


def test_the_repair_order_pages_panel_lists_payments_strikes_reversed_ones_and_shows_the_credit(
    staff, make_order, client_for
):
    order = make_order()
    card, _ = services.payment_post(actor=staff["cashier"], order=order, method="card", amount="40")
    services.payment_reverse(actor=staff["service_manager"], payment=card, reason="刷错卡")
    services.credit_approve(actor=staff["service_manager"], order=order, reason="单位月结")
    with translation.override("en"):
        page = (
            client_for(staff["service_manager"])
            .get(reverse("service:repair_order_detail", args=[order.pk]), HTTP_ACCEPT_LANGUAGE="en")
            .content.decode()
        )
    payments = page[page.index('data-testid="payments"') :]
    struck = payments[: payments.index(card.number) + len(card.number)]
    assert "text-decoration-line-through" in struck  # the reversed payment
    assert "Bank card" in payments and "Reversal" in payments and "刷错卡" in payments
    assert payments.count(reverse("billing:reverse", args=[card.pk])) == 0  # reversed: no second reversal
    assert 'data-testid="on-credit"' in page and "单位月结" in page


def test_the_settle_button_shows_exactly_when_the_workflows_guards_let_the_order_settle(
    staff, make_order, client_for, monkeypatch
):
    from aftercare.service import services as ro

    manager = client_for(staff["service_manager"])

    def offers_settling(order) -> bool:
        page = manager.get(reverse("billing:order", args=[order.pk])).content.decode()
        return f'action="{reverse("billing:settle", args=[order.pk])}"' in page

    due = make_order()
    assert not offers_settling(due)  # money is still due: billing's guard refuses
    paid_by_warranty = make_order(payer="warranty")
    assert offers_settling(paid_by_warranty)
    guards = [*ro.TRANSITION_GUARDS.get(Status.SETTLED, []), lambda o: "发票未开"]
    monkeypatch.setitem(ro.TRANSITION_GUARDS, Status.SETTLED, guards)
    assert not offers_settling(paid_by_warranty)
