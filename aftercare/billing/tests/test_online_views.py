"""The counter's WeChat Pay / Alipay pages, the notification endpoints and
the admin's account screen, through the real adapters and the local fake."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from aftercare.billing import online
from aftercare.billing.models import Payment, ProviderAccount, ProviderTransaction
from aftercare.billing.selectors import order_balance

from .conftest import provider_account_data
from .test_online import PAYS, WAITS, charge

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(staff):
    return staff["service_manager"]


def test_the_cashier_scans_the_payment_code_and_the_status_page_shows_it_paid(
    client_for, manager, order, provider_accounts
):
    client = client_for(manager)
    page = client.get(reverse("billing:order", args=[order.pk]))
    assert page.status_code == 200 and b'data-testid="online-pay-form"' in page.content
    due = order_balance(order)
    answer = client.post(
        reverse("billing:online_pay", args=[order.pk]),
        {"provider": "wechat", "flow": "micropay", "amount": str(due), "auth_code": PAYS, "token": "t-1"},
    )
    txn = ProviderTransaction.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("billing:online_txn", args=[txn.pk])
    status = client.get(answer["Location"])
    assert b'data-status="paid"' in status.content and txn.payment.number.encode() in status.content
    # A resubmitted form (same token) starts nothing new.
    client.post(
        reverse("billing:online_pay", args=[order.pk]),
        {"provider": "wechat", "flow": "micropay", "amount": str(due), "auth_code": PAYS, "token": "t-1"},
    )
    assert ProviderTransaction.objects.count() == 1 and Payment.objects.count() == 1


def test_a_payment_code_that_is_not_digits_stays_on_the_form_with_the_error(
    client_for, manager, order, provider_accounts
):
    answer = client_for(manager).post(
        reverse("billing:online_pay", args=[order.pk]),
        {"provider": "alipay", "flow": "micropay", "amount": "10.00", "auth_code": "abc", "token": "t-2"},
    )
    assert answer.status_code == 400 and "auth_code" in answer.context["online"]["form"].errors
    assert not ProviderTransaction.objects.exists()


def test_the_status_polls_while_the_customer_pays_and_stops_when_paid(
    client_for, manager, order, provider_accounts, fake_provider
):
    txn = charge(manager, order, "alipay", auth_code=WAITS)
    client = client_for(manager)
    poll = reverse("billing:online_txn_poll", args=[txn.pk])
    waiting = client.post(poll, HTTP_HX_REQUEST="true")
    assert b'data-status="paying"' in waiting.content and b'hx-trigger="every 2s"' in waiting.content
    assert b"<html" not in waiting.content  # the partial only
    fake_provider.confirm(txn.out_trade_no)
    paid = client.post(poll, HTTP_HX_REQUEST="true")
    assert b'data-status="paid"' in paid.content and b"hx-trigger" not in paid.content


def test_the_qr_code_is_served_as_an_svg_image(client_for, manager, order, provider_accounts):
    txn = charge(manager, order, "wechat", flow="qr", auth_code="")
    image = client_for(manager).get(reverse("billing:online_txn_qr", args=[txn.pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/svg+xml" and b"<svg" in image.content


@pytest.mark.parametrize("provider", ["wechat", "alipay"])
def test_a_notification_posted_twice_answers_success_twice_and_posts_once(
    provider, client, manager, order, provider_accounts, fake_provider
):
    txn = charge(manager, order, provider, flow="qr", auth_code="")
    fake_provider.confirm(txn.out_trade_no)
    url = reverse("billing:provider_notify", args=[provider, provider_accounts[provider].pk])
    for _ in range(2):
        if provider == "wechat":
            headers, body = fake_provider.wechat_notification(txn.out_trade_no)
            extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
            answer = client.post(url, body, content_type="application/json", **extra)
            assert answer.status_code == 204
        else:
            answer = client.post(url, fake_provider.alipay_notification(txn.out_trade_no))
            assert answer.status_code == 200 and answer.content == b"success"
    assert Payment.objects.filter(repair_order=order).count() == 1


@pytest.mark.parametrize("provider", ["wechat", "alipay"])
def test_a_forged_notification_is_refused_with_400(provider, client, manager, order, provider_accounts, fake_provider):
    txn = charge(manager, order, provider, flow="qr", auth_code="")
    fake_provider.confirm(txn.out_trade_no)
    url = reverse("billing:provider_notify", args=[provider, provider_accounts[provider].pk])
    if provider == "wechat":
        headers, body = fake_provider.wechat_notification(txn.out_trade_no, forged=True)
        extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
        answer = client.post(url, body, content_type="application/json", **extra)
    else:
        answer = client.post(url, fake_provider.alipay_notification(txn.out_trade_no, forged=True))
    assert answer.status_code == 400
    txn.refresh_from_db()
    assert txn.status == "paying" and not Payment.objects.exists()


def test_the_admin_sets_up_an_account_and_never_sees_the_keys_again(
    client_for, staff, store, provider_keys, fake_provider
):
    admin = staff["admin"]
    client = client_for(admin)
    url = reverse("billing:provider_account_edit", args=[store.pk, "wechat"])
    data = {**provider_account_data("wechat", provider_keys, fake_provider.url), "is_active": "on"}
    assert client.post(url, data).status_code == 302
    account = ProviderAccount.objects.get()
    private_key = account.private_key
    form = client.get(url).content.decode()
    assert provider_keys.apiv3_key not in form and "PRIVATE KEY" not in form
    listing = client.get(reverse("billing:provider_accounts")).content.decode()
    assert "PRIVATE KEY" not in listing and "••••••" in listing
    # Saving again with the secrets left empty keeps them.
    assert (
        client.post(url, {**data, "api_key": "", "private_key": "", "app_id": "wx9999999999999999"}).status_code == 302
    )
    account.refresh_from_db()
    assert account.private_key == private_key and account.api_key == provider_keys.apiv3_key
    assert account.app_id == "wx9999999999999999"


def test_an_account_with_unreadable_keys_is_refused_on_its_field(
    client_for, staff, store, provider_keys, fake_provider
):
    data = {**provider_account_data("alipay", provider_keys, fake_provider.url), "private_key": "not a key"}
    answer = client_for(staff["admin"]).post(reverse("billing:provider_account_edit", args=[store.pk, "alipay"]), data)
    assert answer.status_code == 400 and "private_key" in answer.context["form"].errors
    assert not ProviderAccount.objects.exists()


def test_the_reconciliation_page_imports_the_statement_and_lists_the_difference(
    client_for, manager, make_order, provider_accounts, fake_provider
):
    from aftercare.service.choices import Status

    charge(manager, make_order(status=Status.IN_PROGRESS), "wechat", amount=Decimal("100.00"))
    fake_provider.statement_extra.append(("wechat", "AC-NOT-OURS-2", Decimal("66.00")))
    client = client_for(manager)
    answer = client.post(
        reverse("billing:reconciliation"), {"provider": "wechat", "day": timezone.localdate().isoformat()}
    )
    assert answer.status_code == 302
    page = client.get(reverse("billing:reconciliation")).content.decode()
    assert "AC-NOT-OURS-2" in page and "66.00" in page


def test_the_reconciliation_differences_export_to_xlsx_within_the_days_asked(
    client_for, manager, staff, make_order, provider_accounts, fake_provider
):
    import io

    import openpyxl

    from aftercare.core.models import AuditEntry
    from aftercare.service.choices import Status

    charge(manager, make_order(status=Status.IN_PROGRESS), "wechat", amount=Decimal("100.00"))
    fake_provider.statement_extra.append(("wechat", "AC-NOT-OURS-3", Decimal("66.00")))
    today = timezone.localdate()
    client = client_for(manager)
    client.post(reverse("billing:reconciliation"), {"provider": "wechat", "day": today.isoformat()})

    url = reverse("billing:reconciliation")
    export = client.get(url, {"format": "xlsx", "since": today.isoformat()})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)), read_only=True).worksheets[0]
    header, *rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert header[3] == "商户订单号"
    (row,) = [row for row in rows if row[3] == "AC-NOT-OURS-3"]
    assert Decimal(str(row[6])) == Decimal("66.00") and row[7] is None
    assert AuditEntry.objects.filter(action="export", object_repr="provider_reconciliation_differences").exists()

    later = client.get(url, {"format": "xlsx", "since": (today + timedelta(days=1)).isoformat()})
    assert len(list(openpyxl.load_workbook(io.BytesIO(b"".join(later.streaming_content))).worksheets[0].rows)) == 1
    assert client.get(url, {"format": "xlsx", "since": "14/03/2022"}).status_code == 400
    assert client_for(staff["cashier"]).get(url, {"format": "xlsx"}).status_code == 403


def test_a_refund_through_the_provider_from_the_order_page(client_for, manager, make_order, provider_accounts):
    from aftercare.service.choices import Status

    order = make_order(status=Status.IN_PROGRESS)
    txn = charge(manager, order, "alipay", amount=Decimal("80.00"))
    answer = client_for(manager).post(
        reverse("billing:online_refund", args=[txn.pk]), {"amount": "80.00", "reason": "客户改用现金", "token": "r-9"}
    )
    assert answer.status_code == 302
    assert online.ProviderTransaction.objects.get(kind="refund").payment.amount == Decimal("-80.00")


def test_the_cash_desk_lists_a_charge_still_waiting_for_the_customer(client_for, manager, order, provider_accounts):
    txn = charge(manager, order, "wechat", auth_code=WAITS)
    page = client_for(manager).get(reverse("billing:cashier")).content.decode()
    assert 'data-testid="online-attention"' in page and txn.out_trade_no in page


def test_a_sandbox_account_simulates_the_customer_paying_in_demo_mode_only(manager, order, store, settings):
    sandbox = ProviderAccount.objects.create(store=store, provider="wechat", sandbox=True, app_id="wx0000000000000001")
    settings.DEMO_MODE = False
    with pytest.raises(ValidationError):
        online.provider_charge_start(
            actor=manager, order=order, provider="wechat", flow="micropay", amount="10.00", auth_code=PAYS
        )
    assert not ProviderTransaction.objects.filter(status="paid").exists()
    settings.DEMO_MODE = True
    txn, _created = online.provider_charge_start(
        actor=manager, order=order, provider="wechat", flow="micropay", amount="10.00", auth_code=PAYS
    )
    assert txn.status == "paying" and txn.account == sandbox
    assert online.provider_charge_sync(txn_id=txn.pk).status == "paid"
