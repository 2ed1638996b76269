"""Customer and vehicle pages: field errors instead of 500s, masking by role, scoping."""

import pytest
from django.urls import reverse

from aftercare.core.models import AuditEntry
from aftercare.customers.models import Customer, Vehicle
from aftercare.tests.factories import CustomerFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def test_an_advisor_creates_a_customer_then_a_vehicle(staff, client_for):
    client = client_for(staff["advisor"])
    response = client.post(
        reverse("customers:customer_create"),
        {"kind": "person", "name": "陈静", "mobile": "139 1234 5678", "preferred_channel": "wechat"},
    )
    customer = Customer.objects.get(name="陈静")
    assert response.status_code == 302 and customer.mobile == "13912345678"
    vehicle_data = {
        "plate": "粤a 12345", "plate_kind": "standard", "vin": "1m8gdm9axkp042788", "brand": "广汽本田",
        "model": "雅阁", "powertrain": "ICE", "maintenance_months": 6, "maintenance_km": 5000, "odometer_km": 12000,
    }  # fmt: skip
    response = client.post(reverse("customers:vehicle_create", args=[customer.pk]), vehicle_data)
    assert response.status_code == 302
    vehicle = Vehicle.objects.get(owner=customer)
    assert (vehicle.plate, vehicle.odometer_km) == ("粤A12345", 12000)


@pytest.mark.parametrize(
    ("field", "value"),
    [("vin", "1M8GDM9A1KP042788"), ("vin", "SHORTVIN"), ("plate", "A12345"), ("vin", "1M8GDM9AXKP04278O")],
)
def test_bad_vehicle_input_comes_back_as_a_field_error(field, value, staff, store, client_for):
    owner = CustomerFactory(store=store)
    data = {"plate": "粤A12345", "plate_kind": "standard", "vin": "1M8GDM9AXKP042788", "brand": "本田", "model": "雅阁",
            "powertrain": "ICE", "maintenance_months": 6, "maintenance_km": 5000, field: value}  # fmt: skip
    response = client_for(staff["advisor"]).post(reverse("customers:vehicle_create", args=[owner.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Vehicle.objects.exists()


def test_a_bad_mobile_comes_back_as_a_field_error(staff, client_for):
    response = client_for(staff["advisor"]).post(
        reverse("customers:customer_create"),
        {"kind": "person", "name": "陈静", "mobile": "12345", "preferred_channel": "phone"},
    )
    assert response.status_code == 200
    assert "mobile" in response.context["form"].errors


def test_a_duplicate_mobile_shows_a_link_to_the_existing_customer(staff, store, client_for):
    existing = CustomerFactory(store=store, mobile="13912345678")
    response = client_for(staff["advisor"]).post(
        reverse("customers:customer_create"),
        {"kind": "person", "name": "陈静", "mobile": "13912345678", "preferred_channel": "phone"},
    )
    assert f'href="/customers/{existing.pk}/"' in response.content.decode()


def test_the_customer_list_masks_mobiles_for_roles_without_full_contact(staff, store, client_for):
    CustomerFactory(store=store, mobile="13812345678")
    assert "138****5678" in client_for(staff["cashier"]).get(reverse("customers:customer_list")).content.decode()
    assert "13812345678" not in client_for(staff["cashier"]).get(reverse("customers:customer_list")).content.decode()
    assert "13812345678" in client_for(staff["advisor"]).get(reverse("customers:customer_list")).content.decode()


def test_revealing_a_number_on_the_customer_page_is_logged(staff, store, client_for):
    customer = CustomerFactory(store=store, mobile="13812345678")
    client = client_for(staff["advisor"])
    assert "13812345678" not in client.get(reverse("customers:customer_detail", args=[customer.pk])).content.decode()
    response = client.post(reverse("customers:contact_reveal", args=[customer.pk]))
    assert "13812345678" in response.content.decode()
    assert AuditEntry.objects.filter(action="reveal").count() == 1
    assert (
        client_for(staff["technician"]).post(reverse("customers:contact_reveal", args=[customer.pk])).status_code == 403
    )


@pytest.mark.parametrize("url_name", ["customers:customer_detail", "customers:customer_edit"])
def test_another_stores_customer_is_a_404(url_name, staff, other_store, client_for):
    customer = CustomerFactory(store=other_store)
    assert client_for(staff["advisor"]).get(reverse(url_name, args=[customer.pk])).status_code == 404


def test_another_stores_vehicle_is_a_404(staff, other_store, client_for):
    vehicle = VehicleFactory(owner=CustomerFactory(store=other_store))
    assert client_for(staff["advisor"]).get(reverse("customers:vehicle_detail", args=[vehicle.pk])).status_code == 404


def test_the_customer_list_shows_only_the_users_stores(staff, store, other_store, client_for):
    CustomerFactory(store=store, name="本店客户")
    CustomerFactory(store=other_store, name="别店客户")
    content = client_for(staff["advisor"]).get(reverse("customers:customer_list")).content.decode()
    assert "本店客户" in content and "别店客户" not in content


def test_the_customer_page_shows_vehicles_with_odometer_and_next_service(staff, store, client_for):
    vehicle = VehicleFactory(owner=CustomerFactory(store=store), plate="粤A77777", odometer_km=30500)
    content = (
        client_for(staff["advisor"]).get(reverse("customers:customer_detail", args=[vehicle.owner_id])).content.decode()
    )
    assert "粤A77777" in content and "30500" in content


def test_pages_keep_a_constant_number_of_queries(staff, store, client_for, django_assert_max_num_queries):
    client = client_for(staff["advisor"])
    owner = CustomerFactory(store=store)
    for _n in range(10):
        VehicleFactory(owner=owner)
        CustomerFactory(store=store)
    with django_assert_max_num_queries(14):
        client.get(reverse("customers:customer_list"))
    with django_assert_max_num_queries(16):
        client.get(reverse("customers:customer_detail", args=[owner.pk]))
    with django_assert_max_num_queries(12):
        client.get(reverse("customers:search"), {"q": "粤A"})


def test_the_search_page_and_its_htmx_fragment(staff, store, client_for):
    VehicleFactory(owner=CustomerFactory(store=store, name="张三"), plate="粤A12345")
    client = client_for(staff["advisor"])
    assert "粤A12345" in client.get(reverse("customers:search"), {"q": "2345"}).content.decode()
    fragment = client.get(reverse("customers:search"), {"q": "zs"}, HTTP_HX_REQUEST="true").content.decode()
    assert "张三" in fragment and "<nav" not in fragment


def test_a_manager_merges_and_undoes_from_the_customer_page(staff, store, client_for):
    keep = CustomerFactory(store=store, name="张三")
    dup = CustomerFactory(store=store, name="张三")
    client = client_for(staff["service_manager"])
    client.post(reverse("customers:customer_merge", args=[keep.pk]), {"other_number": dup.number})
    page = client.get(reverse("customers:customer_detail", args=[keep.pk])).content.decode()
    assert reverse("customers:customer_merge_undo", args=[dup.pk]) in page
    client.post(reverse("customers:customer_merge_undo", args=[dup.pk]))
    dup.refresh_from_db()
    assert dup.merged_into is None
