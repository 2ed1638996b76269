"""POST /api/v1/repair-orders/{id}/payments/: idempotent, scoped, validated."""

import pytest

from aftercare.billing.models import Payment

pytestmark = pytest.mark.django_db


def _url(order) -> str:
    return f"/api/v1/repair-orders/{order.pk}/payments/"


def test_a_cashier_posts_a_payment_and_a_replay_returns_the_same_body(staff, order, api_client_for):
    client = api_client_for(staff["cashier"])
    body = {"method": "wechat", "amount": "100.00", "reference": "4200001"}
    first = client.post(_url(order), body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == 201, first.content
    assert first.json()["balance_after"] == str(order.customer_total - 100)
    replay = client.post(_url(order), body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert replay.status_code == 200
    assert replay.json() == first.json()
    assert Payment.objects.count() == 1
    listed = client.get(_url(order))
    assert listed.status_code == 200 and [p["number"] for p in listed.json()] == [first.json()["number"]]


def test_a_replay_with_a_different_amount_is_a_conflict(staff, order, api_client_for):
    client = api_client_for(staff["cashier"])
    client.post(_url(order), {"method": "cash", "amount": "10"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    again = client.post(_url(order), {"method": "cash", "amount": "11"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert again.status_code == 409
    assert Payment.objects.count() == 1


@pytest.mark.parametrize("amount", ["-1", "0", "abc", "99999999.00", "1.005"])
def test_bad_amounts_are_field_errors(staff, order, api_client_for, amount):
    response = api_client_for(staff["cashier"]).post(
        _url(order), {"method": "cash", "amount": amount}, format="json", HTTP_IDEMPOTENCY_KEY=f"bad-{amount}"
    )
    assert response.status_code == 400
    assert "amount" in response.json()


def test_an_unknown_method_is_a_field_error(staff, order, api_client_for):
    response = api_client_for(staff["cashier"]).post(_url(order), {"method": "gold", "amount": "1"}, format="json")
    assert response.status_code == 400 and "method" in response.json()


def test_another_stores_order_is_not_found(staff, other_store, make_order, api_client_for):
    from aftercare.tests.factories import CustomerFactory, MembershipFactory, UserFactory, VehicleFactory

    manager = UserFactory(username="py_manager")
    MembershipFactory(user=manager, store=other_store, role="service_manager")
    foreign = make_order(
        actor=manager,
        the_store=other_store,
        the_vehicle=VehicleFactory(owner=CustomerFactory(store=other_store), plate="粤B00001"),
    )
    response = api_client_for(staff["cashier"]).post(_url(foreign), {"method": "cash", "amount": "1"}, format="json")
    assert response.status_code == 404


def test_roles_without_payment_post_are_forbidden(staff, order, api_client_for):
    response = api_client_for(staff["advisor"]).post(_url(order), {"method": "cash", "amount": "1"}, format="json")
    assert response.status_code == 403
    assert not Payment.objects.exists()
