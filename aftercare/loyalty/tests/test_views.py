"""The loyalty pages: customer 360, the cash desk on an order, the statement and the liabilities."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from aftercare.billing.selectors import order_balance
from aftercare.loyalty import selectors, services
from aftercare.loyalty.models import MemberCard, Voucher

pytestmark = pytest.mark.django_db


def test_the_cashier_issues_tops_up_and_sees_the_ledger(staff, client_for, member, store):
    client = client_for(staff["cashier"])
    page = reverse("loyalty:customer", args=[member.pk])
    assert client.get(page).status_code == 200
    assert client.post(reverse("loyalty:issue_card", args=[member.pk]), {"number": ""}).status_code == 302
    card = MemberCard.objects.get(customer=member)
    form = {"amount": "500", "method": "wechat", "reference": "", "token": "tok-1"}
    for _twice in range(2):
        assert client.post(reverse("loyalty:top_up", args=[card.pk]), form).status_code == 302
    assert Voucher.objects.count() == 1
    response = client.get(page)
    assert "¥500.00" in response.content.decode() and card.number in response.content.decode()
    bad = client.post(reverse("loyalty:top_up", args=[card.pk]), {**form, "amount": "-3", "token": "tok-2"})
    assert bad.status_code == 400
    assert client.get(reverse("loyalty:statement", args=[card.pk])).status_code == 200
    export = client.get(reverse("loyalty:statement", args=[card.pk]) + "?format=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")


def test_the_cashier_covers_a_line_with_a_package_then_pays_the_rest_from_stored_value(staff, client_for, order, store):
    cashier = staff["cashier"]
    package, _created = services.package_card_sell(
        actor=cashier, customer=order.customer, store=store, name="保养套餐", price="1000", method="cash",
        expires_on=date.today() + timedelta(days=30), items=[("M001", "常规保养", 3)],
    )  # fmt: skip
    card = services.member_card_issue(actor=cashier, customer=order.customer)
    services.stored_value_top_up(actor=cashier, card=card, store=store, amount="2000", method="cash")
    client = client_for(cashier)
    page = client.get(reverse("loyalty:order", args=[order.pk]))
    assert [line.code for line, _item in page.context["matches"]] == ["M001"]
    line = order.lines.get(code="M001")
    client.post(reverse("loyalty:order_package", args=[order.pk, line.pk]), {"card": package.pk})
    rest = order_balance(order)
    assert rest == order.customer_total - line.amount
    response = client.post(
        reverse("loyalty:order_stored_value", args=[order.pk]), {"card": card.number, "amount": str(rest), "token": "t"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "settled"
    assert selectors.card_balances(card)["principal"] == Decimal("2000") - rest


def test_a_stored_value_payment_naming_no_card_is_a_field_error(staff, client_for, order):
    response = client_for(staff["cashier"]).post(
        reverse("loyalty:order_stored_value", args=[order.pk]), {"card": "NOPE", "amount": "10", "token": "t"}
    )
    assert response.status_code == 400


def test_the_manager_sees_and_exports_liabilities(staff, client_for, card, store, bonus_rules):
    services.stored_value_top_up(actor=staff["cashier"], card=card, store=store, amount="1000", method="cash")
    client = client_for(staff["service_manager"])
    page = client.get(reverse("loyalty:liabilities"))
    assert page.status_code == 200 and "¥1,000.00" in page.content.decode()
    export = client.get(reverse("loyalty:liabilities") + "?format=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    assert client_for(staff["cashier"]).get(reverse("loyalty:liabilities")).status_code == 403


def test_the_ledger_page_costs_the_same_queries_whatever_the_history(
    staff, client_for, card, store, member, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(staff["advisor"])
    page = reverse("loyalty:customer", args=[member.pk])
    services.stored_value_top_up(actor=staff["cashier"], card=card, store=store, amount="10", method="cash")
    client.get(page)  # the session's first request reads what later ones find cached
    with CaptureQueriesContext(connection) as few:
        client.get(page)
    for n in range(15):
        services.stored_value_top_up(actor=staff["cashier"], card=card, store=store, amount=11 + n, method="cash")
    with CaptureQueriesContext(connection) as many:
        client.get(page)
    assert len(many) == len(few)
    with django_assert_max_num_queries(len(few)):
        client.get(page)


def _xlsx(response) -> list[tuple]:
    import io

    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def test_the_liabilities_value_the_package_uses_left_at_their_sale_price_per_use(
    staff, client_for, store, make_order, vehicle
):
    until = date.today() + timedelta(days=365)
    # 1,500 for 15 uses: 100 a use; one use taken leaves 14, worth 1,400.
    package, _ = services.package_card_sell(
        actor=staff["cashier"], customer=vehicle.owner, store=store, name="保养洗车套餐", price="1500",
        method="cash", expires_on=until, items=[("M001", "常规保养", 5), ("WASH", "洗车", 10)],
    )  # fmt: skip
    order = make_order()
    services.package_cover(actor=staff["cashier"], order=order, card=package, line=order.lines.get(code="M001"))
    # 1,000 for 3 uses, one taken on another order: the 2 left are worth 666.67 (rounded per card, half up).
    other, _ = services.package_card_sell(
        actor=staff["cashier"], customer=vehicle.owner, store=store, name="保养3次", price="1000",
        method="cash", expires_on=until, items=[("M001", "常规保养", 3)],
    )  # fmt: skip
    second = make_order()
    services.package_cover(actor=staff["cashier"], order=second, card=other, line=second.lines.get(code="M001"))
    (row,) = selectors.liabilities(staff["service_manager"], "report.view")
    assert (row["package_uses"], row["package_value"]) == (Decimal("16"), Decimal("2066.67"))

    client = client_for(staff["service_manager"])
    assert "¥2,066.67" in client.get(reverse("loyalty:liabilities")).content.decode()
    header, line = _xlsx(client.get(reverse("loyalty:liabilities") + "?format=xlsx"))[:2]
    assert header[3:5] == ("套餐剩余次数", "套餐剩余价值")
    assert Decimal(str(line[4])) == Decimal("2066.67")
