"""Paying the balance from the phone (docs/DOMAIN.md §21.6): through billing.online's one
charge path, against the local fake of WeChat Pay and Alipay on 127.0.0.1."""

import threading
import urllib.request
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from aftercare.billing import online
from aftercare.billing import services as billing
from aftercare.billing.models import Payment, ProviderTransaction
from aftercare.billing.selectors import order_balance
from aftercare.portal import services
from aftercare.portal.choices import Purpose
from aftercare.service.choices import Status
from aftercare.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def progress_link(staff, order):
    _link, token = services.link_issue(
        actor=staff["advisor"], customer=order.customer, purpose=Purpose.PROGRESS, repair_order=order
    )
    return token


def notify(client, fake, accounts, provider, out_trade_no):
    url = reverse("billing:provider_notify", args=[provider, accounts[provider].pk])
    if provider == "wechat":
        headers, body = fake.wechat_notification(out_trade_no)
        extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
        return client.post(url, body, content_type="application/json", **extra)
    return client.post(url, fake.alipay_notification(out_trade_no))


def press_pay(client, token, order, provider):
    page = client.get(reverse("portal_public:open", args=[token]))
    key = page.context["pay_keys"][provider]
    return client.post(reverse("portal_public:pay", args=[token, order.pk]), {"provider": provider, "key": key})


@pytest.mark.parametrize("provider", ["wechat", "alipay"])
def test_the_customer_pays_the_balance_from_the_progress_link_and_the_notification_posts_it_once(
    provider, client, staff, make_order, provider_accounts, fake_provider
):
    order = make_order()  # ready, nothing paid
    due = order_balance(order)
    token = progress_link(staff, order)
    page = client.get(reverse("portal_public:open", args=[token])).content.decode()
    assert 'data-testid="portal-due"' in page and f"¥{due}" in page and f"portal-pay-{provider}" in page

    answer = press_pay(client, token, order, provider)
    txn = ProviderTransaction.objects.get(repair_order=order)
    assert (txn.flow, txn.amount, txn.created_by, txn.origin) == ("h5", due, None, txn.origin)
    assert txn.origin.startswith("portal:") and answer.status_code == 302
    onward = client.get(answer["Location"]).content.decode()  # our payment page sends the phone on
    assert txn.code_url.startswith(fake_provider.url) and f'url={escape(txn.code_url)}"' in onward
    # The phone opens the provider's page and the customer pays there.
    urllib.request.urlopen(txn.code_url, timeout=5).read()
    fake_provider.confirm(txn.out_trade_no)
    for _ in range(2):  # the provider notifies, and notifies again
        assert notify(client, fake_provider, provider_accounts, provider, txn.out_trade_no).status_code in (200, 204)

    payment = Payment.objects.get(repair_order=order)
    assert (payment.amount, payment.method, payment.posted_by) == (due, provider, None)
    order.refresh_from_db()
    assert order.status == Status.SETTLED and order_balance(order) == 0
    result = client.get(reverse("portal_public:payment", args=[token, order.pk])).content.decode()
    assert 'data-testid="portal-paid"' in result and 'data-testid="portal-due"' not in result


def test_the_payment_page_asks_the_provider_while_the_customer_waits(
    client, staff, make_order, provider_accounts, fake_provider
):
    order = make_order()
    token = progress_link(staff, order)
    press_pay(client, token, order, "wechat")
    txn = ProviderTransaction.objects.get(repair_order=order)
    waiting = client.get(reverse("portal_public:payment", args=[token, order.pk]))
    assert 'data-testid="portal-paying"' in waiting.content.decode()
    assert b'http-equiv="refresh"' in waiting.content  # reloads itself, no script
    fake_provider.confirm(txn.out_trade_no)  # paid; the notification has not come
    with time_machine.travel(timezone.now() + timedelta(seconds=3)):
        paid = client.get(reverse("portal_public:payment", args=[token, order.pk])).content.decode()
    assert 'data-testid="portal-paid"' in paid and Payment.objects.filter(repair_order=order).count() == 1


def test_pressing_pay_again_starts_no_second_charge(client, staff, make_order, provider_accounts, fake_provider):
    order = make_order()
    token = progress_link(staff, order)
    url = reverse("portal_public:pay", args=[token, order.pk])
    key = client.get(reverse("portal_public:open", args=[token])).context["pay_keys"]["wechat"]
    first = client.post(url, {"provider": "wechat", "key": key})
    again = client.post(url, {"provider": "wechat", "key": key})  # a double tap
    other_key = client.post(url, {"provider": "wechat", "key": "something-else"})  # the page shown again later
    assert first["Location"] == again["Location"] == other_key["Location"]
    assert ProviderTransaction.objects.filter(repair_order=order).count() == 1
    assert len([r for r in fake_provider.requests if r.endswith("/v3/pay/transactions/h5")]) == 1


def test_choosing_the_other_provider_cancels_the_first_charge(
    client, staff, make_order, provider_accounts, fake_provider
):
    order = make_order()
    token = progress_link(staff, order)
    press_pay(client, token, order, "wechat")
    # Back from WeChat without paying: the payment page offers the other provider.
    waiting = client.get(reverse("portal_public:payment", args=[token, order.pk]))
    key = waiting.context["pay_keys"]["alipay"]
    client.post(reverse("portal_public:pay", args=[token, order.pk]), {"provider": "alipay", "key": key})
    wechat, alipay = (ProviderTransaction.objects.get(repair_order=order, provider=p) for p in ("wechat", "alipay"))
    assert wechat.status == "closed" and alipay.is_open and alipay.amount == order_balance(order)


def test_the_amount_is_what_is_still_due_at_that_moment(client, staff, make_order, provider_accounts):
    order = make_order()
    billing.payment_post(actor=staff["cashier"], order=order, method="cash", amount="100.00", idempotency_key="c1")
    token = progress_link(staff, order)
    press_pay(client, token, order, "alipay")
    assert ProviderTransaction.objects.get(repair_order=order).amount == order.customer_total - Decimal("100.00")


def test_nothing_is_offered_while_a_counter_charge_for_the_whole_balance_waits(
    client, staff, make_order, provider_accounts
):
    order = make_order()
    online.provider_charge_start(
        actor=staff["cashier"], order=order, provider="wechat", flow="qr", amount=order_balance(order),
        notify_url="http://testserver/n/",
    )  # fmt: skip
    token = progress_link(staff, order)
    page = client.get(reverse("portal_public:open", args=[token])).content.decode()
    assert ("portal-pay-wechat" not in page and "being paid right now" in page) or "正在支付" in page
    answer = client.post(reverse("portal_public:pay", args=[token, order.pk]), {"provider": "alipay"})
    assert answer.status_code == 302 and ProviderTransaction.objects.filter(repair_order=order).count() == 1


def test_an_order_still_in_the_workshop_offers_no_payment(client, staff, make_order, provider_accounts):
    order = make_order(status=Status.IN_PROGRESS)
    token = progress_link(staff, order)
    assert 'data-testid="portal-due"' not in client.get(reverse("portal_public:open", args=[token])).content.decode()
    client.post(reverse("portal_public:pay", args=[token, order.pk]), {"provider": "wechat"})
    assert not ProviderTransaction.objects.exists()


def test_a_forged_link_or_another_customers_link_cannot_pay_the_order(
    client, staff, store, make_order, provider_accounts
):
    order = make_order()
    forged = client.post(reverse("portal_public:pay", args=["x" * 43, order.pk]), {"provider": "wechat"})
    assert forged.status_code == 404
    stranger = CustomerFactory(store=store, name="李四")
    _link, token = services.link_issue(actor=staff["advisor"], customer=stranger, purpose=Purpose.HISTORY)
    assert client.post(reverse("portal_public:pay", args=[token, order.pk]), {"provider": "wechat"}).status_code == 404
    assert client.get(reverse("portal_public:statement", args=[token, order.pk])).status_code == 404
    other = make_order()  # the same customer's other order: not what a progress link is about
    own = progress_link(staff, order)
    assert client.post(reverse("portal_public:pay", args=[own, other.pk]), {"provider": "wechat"}).status_code == 404
    assert not ProviderTransaction.objects.exists()


def test_the_history_link_pays_an_order_settled_on_credit(client, staff, make_order, provider_accounts):
    order = make_order()
    billing.payment_post(actor=staff["cashier"], order=order, method="cash", amount="50.00", idempotency_key="c1")
    billing.credit_approve(actor=staff["service_manager"], order=order, reason="老客户月结")
    order.refresh_from_db()
    assert order.status == Status.SETTLED
    _link, token = services.link_issue(actor=staff["advisor"], customer=order.customer, purpose=Purpose.HISTORY)
    page = client.get(reverse("portal_public:open", args=[token]))
    html = page.content.decode()
    assert f"¥{order_balance(order)}" in html and "portal-pay-wechat" in html and "portal-invoice-status" in html
    key = next(o for o in page.context["orders"] if o.pk == order.pk).pay_keys["wechat"]
    client.post(reverse("portal_public:pay", args=[token, order.pk]), {"provider": "wechat", "key": key})
    assert ProviderTransaction.objects.get(repair_order=order).amount == order_balance(order)


@pytest.mark.django_db(transaction=True)
def test_two_phones_paying_at_once_start_one_charge_and_two_notifications_post_once(
    staff, make_order, provider_accounts, fake_provider
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between threads need PostgreSQL (SQLite serialises writers anyway)")
    order = make_order()
    link, _token = services.link_issue(
        actor=staff["advisor"], customer=order.customer, purpose=Purpose.PROGRESS, repair_order=order
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def phone(key: str) -> None:
        try:
            barrier.wait()
            txn, created = online.phone_charge_start(
                order=order, provider="wechat", origin=link.reference, idempotency_key=key,
                notify_url="http://testserver/n/", return_url="http://testserver/r/", client_ip="10.0.0.1",
            )  # fmt: skip
            outcomes.append((txn.pk, created))
        except ValidationError:
            outcomes.append((None, False))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=phone, args=(key,)) for key in ("tap-1", "tap-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(created for _pk, created in outcomes) == [False, True]
    txn = ProviderTransaction.objects.get(repair_order=order)
    fake_provider.confirm(txn.out_trade_no)

    def notified() -> None:
        try:
            barrier.wait()
            headers, body = fake_provider.wechat_notification(txn.out_trade_no)
            online.provider_notification(account=provider_accounts["wechat"], headers=headers, body=body)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=notified) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Payment.objects.filter(repair_order=order).count() == 1 and order_balance(order) == 0


def test_the_history_shows_the_statement_and_the_customer_asks_for_the_invoice_then_downloads_it(
    client, staff, make_order, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from aftercare.billing.invoices import invoice_issue
    from aftercare.billing.models import InvoiceRequest

    settings.MEDIA_ROOT = tmp_path
    order = make_order(status=Status.SETTLED)
    billing.payment_post(
        actor=staff["cashier"], order=order, method="cash", amount=order.customer_total, idempotency_key="c1"
    )
    _link, token = services.link_issue(actor=staff["advisor"], customer=order.customer, purpose=Purpose.HISTORY)
    statement = client.get(reverse("portal_public:statement", args=[token, order.pk])).content.decode()
    assert 'data-testid="portal-statement"' in statement and 'data-testid="portal-invoice-request"' in statement
    url = reverse("portal_public:invoice", args=[token, order.pk])
    bad = client.post(url, {"kind": "company", "title": "某某公司", "tax_number": "91350100M000100Y42"})
    assert bad.status_code == 400 and not InvoiceRequest.objects.exists()
    good = client.post(url, {"kind": "company", "title": "某某公司", "tax_number": "91350100M000100Y43"})
    assert good.status_code == 302
    invoice = InvoiceRequest.objects.get(repair_order=order)
    assert invoice.requested_via.startswith("portal:")
    invoice_issue(actor=staff["cashier"], invoice=invoice, number="12345678901234567890", day=timezone.localdate(),
                  pdf=SimpleUploadedFile("i.pdf", b"%PDF-1.4 test"))  # fmt: skip
    history = client.get(reverse("portal_public:open", args=[token])).content.decode()
    assert "12345678901234567890" in history
    statement = client.get(reverse("portal_public:statement", args=[token, order.pk])).content.decode()
    assert 'data-testid="portal-invoice-pdf"' in statement
    pdf = client.get(reverse("portal_public:invoice_pdf", args=[token, order.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_the_progress_page_reads_a_fixed_number_of_queries_with_a_balance_due(
    client, staff, make_order, provider_accounts, django_assert_num_queries
):
    order = make_order()
    token = progress_link(staff, order)
    # The link (with its store and customer), the use counted, the order, its status history, its
    # money (payments, then charges: two grouped statements), the providers: 7, whatever the order holds
    # (the session is not read).
    with django_assert_num_queries(7):
        page = client.get(reverse("portal_public:open", args=[token]))
    assert 'data-testid="portal-due"' in page.content.decode()
