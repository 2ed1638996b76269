"""Customer and vehicle pages: field errors instead of 500s, masking by role, scoping."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
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
    assert (response.status_code, response.url) == (302, reverse("customers:vehicle_create", args=[customer.pk]))
    assert customer.mobile == "13912345678"
    vehicle_data = {
        "plate": "粤a 12345", "plate_kind": "standard", "vin": "1m8gdm9axkp042788", "brand": "广汽本田",
        "model": "雅阁", "powertrain": "ICE", "maintenance_months": 6, "maintenance_km": 5000, "odometer_km": 12000,
    }  # fmt: skip
    response = client.post(reverse("customers:vehicle_create", args=[customer.pk]), vehicle_data)
    assert (response.status_code, response.url) == (302, reverse("customers:customer_detail", args=[customer.pk]))
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


def _with_fresh_session(client):
    """The first request of a session refreshes it (saved at most once a minute): not a page's cost."""
    client.get(reverse("home"))
    return client


def test_pages_keep_a_constant_number_of_queries(staff, store, client_for, django_assert_num_queries):
    # 4 of each count are the session, the user, the memberships and the current store
    # (Django's own permission tables are never read: accounts.backends.LoginBackend).
    client = _with_fresh_session(client_for(staff["advisor"]))
    owner = CustomerFactory(store=store)
    for _n in range(10):
        VehicleFactory(owner=owner)
        CustomerFactory(store=store)
    vehicle = owner.vehicles.first()
    with django_assert_num_queries(5):  # one page of customers with their advisors
        client.get(reverse("customers:customer_list"))
    # customer, vehicles, consents, former vehicles, class changes; the access log's insert and
    # its hourly count (docs/DOMAIN.md §16.7); the badges other apps put on it (core.marks: the VIC card)
    with django_assert_num_queries(12):
        client.get(reverse("customers:customer_detail", args=[owner.pk]))
    # vehicle with owner, owners, readings, class changes; the owner's badges (core.marks)
    with django_assert_num_queries(9):
        client.get(reverse("customers:vehicle_detail", args=[vehicle.pk]))
    # The search, and the badges other apps put on the customers found (core.marks: the VIC card).
    with django_assert_num_queries(7):
        client.get(reverse("customers:search"), {"q": "粤A"})
    with django_assert_num_queries(7):
        client.get(reverse("customers:search"), {"q": "粤A"}, HTTP_HX_REQUEST="true")


def test_only_users_who_may_merge_read_the_records_merged_into_a_customer(
    staff, store, client_for, django_assert_num_queries
):
    customer = CustomerFactory(store=store)
    CustomerFactory(store=store, merged_into=customer)
    advisor, manager = (_with_fresh_session(client_for(staff[role])) for role in ("advisor", "service_manager"))
    # with the access log's two statements (docs/DOMAIN.md §16.7) and the badges (core.marks)
    with django_assert_num_queries(12):
        advisor.get(reverse("customers:customer_detail", args=[customer.pk]))
    with django_assert_num_queries(13):
        page = manager.get(reverse("customers:customer_detail", args=[customer.pk]))
    assert reverse("customers:customer_merge_undo", args=[customer.pk + 1]) in page.content.decode()


def test_the_customer_list_shows_fifty_customers_a_page_newest_first(staff, store, client_for):
    customers = [CustomerFactory(store=store) for _n in range(51)]
    client = client_for(staff["advisor"])

    def results(page=None):
        query = {"page": page} if page is not None else {}
        return client.get(reverse("customers:customer_list"), query, HTTP_HX_REQUEST="true").content.decode()

    first = results()
    assert first.count('href="/customers/') == 2 * 50  # number and name link to the customer
    assert f'href="/customers/{customers[-1].pk}/"' in first and f'href="/customers/{customers[0].pk}/"' not in first
    assert 'href="?page=2"' in first
    second = results(2)
    assert second.count('href="/customers/') == 2 and f'href="/customers/{customers[0].pk}/"' in second
    assert 'href="?page=1"' in second and 'href="?page=3"' not in second
    for bad in ("x", "0", "9"):
        assert results(bad) == first


def test_the_customer_list_filters_answer_htmx_with_the_table_only(staff, store, client_for):
    CustomerFactory(store=store, kind="company", name="广州快运有限公司")
    CustomerFactory(store=store, kind="person", name="陈静")
    fragment = (
        client_for(staff["advisor"])
        .get(reverse("customers:customer_list"), {"kind": "company"}, HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "广州快运有限公司" in fragment and "陈静" not in fragment
    assert "<form" not in fragment and "navbar" not in fragment


def test_the_forms_a_page_keeps_ready_follow_the_users_language(staff, store, client_for):
    customer = CustomerFactory(store=store)
    vehicle = VehicleFactory(owner=customer)
    client = client_for(staff["advisor"])
    pages = [
        (reverse("customers:customer_detail", args=[customer.pk]), '<option value="service">Service notices</option>'),
        (reverse("customers:vehicle_detail", args=[vehicle.pk]), "Customer number of the new owner"),
        (reverse("customers:customer_list"), '<label class="form-label small mb-1" for="id_kind">Type</label>'),
    ]
    for url, english in pages:
        for language, shown in [("en", True), ("zh-hans", False), ("en", True)]:
            page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
            assert (english in page) is shown, (url, language)


def test_the_search_page_and_its_htmx_fragment(staff, store, client_for):
    VehicleFactory(owner=CustomerFactory(store=store, name="张三"), plate="粤A12345")
    client = client_for(staff["advisor"])
    assert "粤A12345" in client.get(reverse("customers:search"), {"q": "2345"}).content.decode()
    fragment = client.get(reverse("customers:search"), {"q": "zs"}, HTTP_HX_REQUEST="true").content.decode()
    assert "张三" in fragment and "<nav" not in fragment
    assert 'data-testid="search-more"' not in fragment


def test_the_search_offers_more_when_more_customers_match_than_it_shows(staff, store, client_for):
    namesakes = [CustomerFactory(store=store, name="欧阳修远", mobile=f"1390000{n:04d}") for n in range(45)]
    client = client_for(staff["advisor"])
    search = reverse("customers:search")
    top_bar = client.get(
        search, {"q": "欧阳"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="topbar-results", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert top_bar.index(f'href="/customers/{namesakes[-1].pk}/"') < top_bar.index(
        f'href="/customers/{namesakes[-2].pk}/"'
    )
    assert f'href="{search}?q=%E6%AC%A7%E9%98%B3" data-testid="search-more">更多…</a>' in top_bar
    page = client.get(search, {"q": "oyxy"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'href="/customers/{namesakes[-1].pk}/"' in page
    assert 'data-testid="search-more">还有更多匹配的记录：请多输入几位车牌、号码或姓名。</div>' in page


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


def test_the_customer_and_vehicle_pages_show_their_history_in_local_time(staff, store, client_for):
    from datetime import UTC, datetime

    from aftercare.customers.models import ClassChange, Consent, OdometerReading, VehicleOwnership

    advisor = staff["advisor"]
    customer, former_owner = CustomerFactory(store=store), CustomerFactory(store=store, name="李四")
    vehicle = VehicleFactory(owner=customer)
    late = datetime(2025, 3, 31, 17, 30, tzinfo=UTC)  # 1 April 01:30 in Shanghai
    ClassChange.objects.create(
        store=store,
        customer=customer,
        field="abc_class",
        new_value="A",
        changed_at=late,
        changed_by=advisor,
        reason="升级",
    )
    ClassChange.objects.create(
        store=store,
        vehicle=vehicle,
        field="discount_level",
        old_value="L1",
        new_value="L2",
        changed_at=late,
        reason="规则",
    )
    VehicleOwnership.objects.create(vehicle=vehicle, customer=former_owner, started_at=late, ended_at=late, note="转让")
    Consent.objects.create(customer=customer, purpose="share_oem", granted=False, channel="phone", recorded_at=late)
    OdometerReading.objects.create(vehicle=vehicle, km=12345, source="reception", recorded_at=late, recorded_by=advisor)
    client = client_for(advisor)
    page = client.get(reverse("customers:customer_detail", args=[customer.pk]), HTTP_ACCEPT_LANGUAGE="en")
    content = page.content.decode()
    assert f"2025-04-01 ABC class — → A（升级，{advisor}）" in content
    assert (
        '<span class="text-danger">refused</span></td>\n          <td class="text-secondary">2025-04-01</td>' in content
    )
    page = client.get(reverse("customers:vehicle_detail", args=[vehicle.pk]), HTTP_ACCEPT_LANGUAGE="en")
    content = page.content.decode()
    assert "<td>2025-04-01 01:30</td>" in content and f"<td>{advisor}</td>" in content
    assert f'<a href="/customers/{former_owner.pk}/">李四</a> 2025-04-01 – 2025-04-01 转让' in content
    assert "2025-04-01 Discount level L1 → L2（规则）" in content


def test_the_customer_list_escapes_what_people_typed(staff, store, client_for):
    """Names, numbers and advisors pass through the template's autoescape."""
    CustomerFactory(store=store, name="<script>alert(1)</script>")
    html = client_for(staff["advisor"]).get(reverse("customers:customer_list")).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_customer_list_prints_the_last_visit_as_a_local_date_and_masks_by_role(staff, store, client_for):
    from datetime import UTC, datetime

    CustomerFactory(store=store, mobile="13812345678", last_visit_at=datetime(2025, 3, 31, 17, 30, tzinfo=UTC))
    for role, phone in [("advisor", "13812345678"), ("technician", "138****5678")]:
        html = client_for(staff[role]).get(reverse("customers:customer_list"), HTTP_HX_REQUEST="true").content.decode()
        assert f"<td>{phone}</td>" in html and "<td>2025-04-01</td>" in html  # 1 April 01:30 in Shanghai


@time_machine.travel(datetime(2026, 12, 6, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_the_vehicle_page_flags_an_overdue_service_and_an_expired_warranty(staff, store, client_for):
    late = VehicleFactory(
        owner=CustomerFactory(store=store), last_service_at=date(2026, 3, 1), last_service_km=20000,
        odometer_km=21000, warranty_start=date(2023, 1, 1), warranty_end=date(2026, 1, 1),
    )  # fmt: skip
    by_km = VehicleFactory(
        owner=CustomerFactory(store=store), last_service_at=date(2026, 10, 1), last_service_km=20000,
        odometer_km=25000, warranty_end=date(2027, 1, 1),
    )  # fmt: skip
    fine = VehicleFactory(
        owner=CustomerFactory(store=store), last_service_at=date(2026, 10, 1), last_service_km=20000,
        odometer_km=21000, warranty_end=date(2026, 12, 6),
    )  # fmt: skip
    client = client_for(staff["advisor"])

    def flags(vehicle):
        body = client.get(reverse("customers:vehicle_detail", args=[vehicle.pk])).content.decode()
        return {name for name in ("service-overdue", "warranty-expired") if f'data-testid="{name}"' in body}, body

    assert flags(late)[0] == {"service-overdue", "warranty-expired"}
    assert "保养已逾期" in flags(late)[1] and "保修已过期" in flags(late)[1]
    assert flags(by_km)[0] == {"service-overdue"}  # 5,000 km since the last service
    assert flags(fine)[0] == set()  # the warranty's last day is still in warranty
