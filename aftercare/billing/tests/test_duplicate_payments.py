"""Back after a payment, then 收款 again, posts nothing twice: the form's key
is bound to the order's money as it stood (billing.forms.form_token), and one
slip or transaction reference pays an order once (docs/DOMAIN.md §4.6)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from aftercare.billing import services
from aftercare.billing.models import Payment
from aftercare.tests.browser_forms import submitted

pytestmark = pytest.mark.django_db


def _pay(staff, order, amount, reference, method="wechat", key=None):
    return services.payment_post(
        actor=staff["cashier"], order=order, method=method, amount=Decimal(amount), reference=reference,
        idempotency_key=key,
    )  # fmt: skip


def test_a_second_payment_with_the_same_reference_on_the_order_is_refused(staff, order):
    first, _created = _pay(staff, order, "10.00", "WX20261206001")
    with pytest.raises(ValidationError) as refused:
        # Spaces and case do not make another transaction.
        _pay(staff, order, "10.00", " wx2026 1206001 ", method="card")
    assert list(refused.value.message_dict) == ["reference"]
    assert first.number in refused.value.message_dict["reference"][0]
    assert Payment.objects.count() == 1


def test_a_reversed_payment_gives_its_reference_back(staff, order):
    wrong, _created = _pay(staff, order, "10.00", "POS778812", method="wechat")
    services.payment_reverse(actor=staff["service_manager"], payment=wrong, reason="方式录错，应为刷卡")
    right, created = _pay(staff, order, "10.00", "POS778812", method="card")
    assert created and right.method == "card"


def test_the_same_reference_may_pay_another_order_and_payments_without_one_are_not_compared(staff, order, make_order):
    _pay(staff, order, "10.00", "TR0001")
    _pay(staff, make_order(), "10.00", "TR0001")
    _pay(staff, order, "10.00", "")
    _pay(staff, order, "10.00", "")
    assert Payment.objects.count() == 4


def test_the_api_refuses_a_duplicate_reference_with_a_field_error(staff, order, api_client_for):
    client = api_client_for(staff["cashier"])
    url = f"/api/v1/repair-orders/{order.pk}/payments/"
    body = {"method": "wechat", "amount": "10.00", "reference": "WX20261206001"}
    assert client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="a").status_code == 201
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="b")
    assert again.status_code == 400
    assert list(again.json()) == ["reference"]
    assert Payment.objects.count() == 1


def _rendered_pay_form(client, order):
    page = client.get(reverse("billing:order", args=[order.pk]))
    assert page.status_code == 200
    return submitted(page.content.decode(), having="reference")


def test_posting_the_same_rendered_form_again_posts_once_and_says_so(staff, order, client_for):
    client = client_for(staff["cashier"])
    data = _rendered_pay_form(client, order)
    data["amount"], data["reference"] = "1000.00" if order.customer_total > 1000 else "10.00", "WX20261206001"

    first = client.post(reverse("billing:pay", args=[order.pk]), data)
    # Back to the page the browser kept, and 收款 again: the same form, the same key.
    second = client.post(reverse("billing:pay", args=[order.pk]), data, follow=True)

    assert first.status_code == 302  # Post/Redirect/Get
    assert Payment.objects.count() == 1
    shown = [str(m) for m in second.context["messages"]]
    assert any(Payment.objects.get().number in text for text in shown)


def test_back_with_a_reloaded_page_and_the_refilled_reference_posts_nothing(staff, order, client_for):
    client = client_for(staff["cashier"])
    typed = {"method": "wechat", "amount": "10.00", "reference": "WX20261206001"}
    before = _rendered_pay_form(client, order)
    client.post(reverse("billing:pay", args=[order.pk]), {**before.dict(), **typed})

    # Back reloads the page: a new key, but the browser refills what was typed.
    after = _rendered_pay_form(client, order)
    assert after["token"] != before["token"]
    refused = client.post(reverse("billing:pay", args=[order.pk]), {**after.dict(), **typed})

    assert refused.status_code == 400
    assert refused.context["pay_form"].errors["reference"]
    assert 'data-testid="reference-error"' in refused.content.decode()
    assert Payment.objects.count() == 1


def test_a_form_issued_before_money_moved_cannot_replay_into_a_different_payment(staff, order, client_for):
    client = client_for(staff["cashier"])
    stale = _rendered_pay_form(client, order)
    client.post(reverse("billing:pay", args=[order.pk]), {**stale.dict(), "amount": "10.00", "reference": ""})
    # The same stale form with another amount: refused, and shown again with today's key.
    again = client.post(reverse("billing:pay", args=[order.pk]), {**stale.dict(), "amount": "20.00"})
    assert again.status_code == 400
    fresh = again.context["pay_form"].data["token"]
    assert fresh != stale["token"]
    assert client.post(reverse("billing:pay", args=[order.pk]), {**stale.dict(), "amount": "20.00", "token": fresh})
    assert Payment.objects.count() == 2
