import pytest
from django.utils.translation import gettext

from aftercare.customers.models import Customer
from aftercare.tests.factories import CustomerFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def test_creating_a_customer_through_the_api(staff, api_client_for):
    response = api_client_for(staff["advisor"]).post(
        "/api/v1/customers/", {"name": "李娜", "mobile": "+86 139 0000 1111"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["mobile"] == "13900001111"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "李娜", "mobile": "12345"}, "mobile"),
        ({"mobile": "13900001111"}, "name"),
        ({"name": "李娜", "email": "x"}, "email"),
    ],
)
def test_bad_customer_input_is_a_400_with_field_errors(payload, field, staff, api_client_for):
    response = api_client_for(staff["advisor"]).post("/api/v1/customers/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"vin": "1M8GDM9A1KP042788"}, "vin"),
        ({"vin": "TOO-SHORT"}, "vin"),
        ({"plate": "沪12345"}, "plate"),
        ({"owner": 999999}, "owner"),
    ],
)
def test_bad_vehicle_input_is_a_400_with_field_errors(overrides, field, staff, store, api_client_for):
    owner = CustomerFactory(store=store)
    payload = {
        "owner": owner.pk,
        "plate": "粤A12345",
        "vin": "1M8GDM9AXKP042788",
        "brand": "本田",
        "model": "雅阁",
        **overrides,
    }
    response = api_client_for(staff["advisor"]).post("/api/v1/vehicles/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_duplicate_vin_through_the_api_is_a_400(staff, store, api_client_for):
    VehicleFactory(owner=CustomerFactory(store=store), vin="1M8GDM9AXKP042788")
    payload = {
        "owner": CustomerFactory(store=store).pk,
        "plate": "粤A54321",
        "vin": "1M8GDM9AXKP042788",
        "brand": "本田",
        "model": "雅阁",
    }
    response = api_client_for(staff["advisor"]).post("/api/v1/vehicles/", payload, format="json")
    assert response.status_code == 400 and "vin" in response.json()


def test_the_api_masks_mobiles_for_roles_without_full_contact(staff, store, api_client_for):
    CustomerFactory(store=store, mobile="13812345678")
    assert api_client_for(staff["technician"]).get("/api/v1/customers/").json()["results"][0]["mobile"] == "138****5678"
    assert api_client_for(staff["advisor"]).get("/api/v1/customers/").json()["results"][0]["mobile"] == "13812345678"


def test_the_api_search_returns_the_same_results_as_the_search_box(staff, store, api_client_for):
    VehicleFactory(owner=CustomerFactory(store=store, name="张三"), plate="粤A12345")
    answer = api_client_for(staff["advisor"]).get("/api/v1/search/", {"q": "zs"})
    assert [(r["customer_name"], r["plate"]) for r in answer.json()] == [("张三", "粤A12345")]
    assert answer.headers["X-More-Results"] == "false"


def test_the_api_search_says_when_more_match_than_it_returns(staff, store, api_client_for):
    newest = [CustomerFactory(store=store, name="欧阳修远", mobile=f"1390000{n:04d}") for n in range(45)][-1]
    answer = api_client_for(staff["advisor"]).get("/api/v1/search/", {"q": "oyxy"})
    assert answer.json()[0]["customer_id"] == newest.pk and len(answer.json()) == 20
    assert answer.headers["X-More-Results"] == "true"


def test_the_api_hides_other_stores(staff, other_store, api_client_for):
    customer = CustomerFactory(store=other_store)
    vehicle = VehicleFactory(owner=customer)
    client = api_client_for(staff["advisor"])
    assert client.get(f"/api/v1/customers/{customer.pk}/").status_code == 404
    assert client.get(f"/api/v1/vehicles/{vehicle.pk}/").status_code == 404
    assert client.get("/api/v1/customers/").json()["results"] == []


def test_roles_without_edit_rights_cannot_create(staff, api_client_for):
    response = api_client_for(staff["technician"]).post(
        "/api/v1/customers/", {"name": "李娜", "mobile": "13900001111"}, format="json"
    )
    assert response.status_code == 403
    assert not Customer.objects.exists()


def test_patching_the_abc_class_applies_it_as_a_class_change_by_that_person(staff, store, api_client_for):
    customer = CustomerFactory(store=store)
    client = api_client_for(staff["advisor"])
    response = client.patch(f"/api/v1/customers/{customer.pk}/", {"abc_class": "A", "name": "王五"}, format="json")
    assert response.status_code == 200 and response.json()["abc_class"] == "A"
    customer.refresh_from_db()
    assert (customer.abc_class, customer.name) == ("A", "王五")
    change = customer.class_changes.get()
    assert (change.old_value, change.new_value, change.changed_by) == ("", "A", staff["advisor"])
    assert change.reason == gettext("Edited")
    refused = client.patch(f"/api/v1/customers/{customer.pk}/", {"abc_class": "Z"}, format="json")
    assert refused.status_code == 400 and "abc_class" in refused.json()


def test_an_unknown_key_in_a_customer_post_is_a_400(staff, api_client_for):
    response = api_client_for(staff["advisor"]).post(
        "/api/v1/customers/", {"name": "李娜", "nickname": "娜娜"}, format="json"
    )
    assert response.status_code == 400 and "nickname" in response.json()
    assert not Customer.objects.filter(name="李娜").exists()


def test_a_customers_store_cannot_be_changed_by_a_patch(staff, store, other_store, api_client_for):
    customer = CustomerFactory(store=store)
    response = api_client_for(staff["advisor"]).patch(
        f"/api/v1/customers/{customer.pk}/", {"store": other_store.pk}, format="json"
    )
    assert response.status_code == 400 and "store" in response.json()


def test_the_customer_list_filters_by_a_whole_tag_on_every_database(staff, store, api_client_for):
    tagged = CustomerFactory(store=store, tags=["VIP", "车队"])
    CustomerFactory(store=store, tags=["VIP客户"])
    CustomerFactory(store=store)
    client = api_client_for(staff["advisor"])
    for tag in ("VIP", "车队"):
        response = client.get("/api/v1/customers/", {"tag": tag})
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [tagged.pk]
