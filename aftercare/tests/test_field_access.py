"""Field-level access by role (docs/DOMAIN.md §24.2): one table next to the role matrix, pinned
here, and applied by one mechanism (core.masking) to every output: the customer's page, the
API, the export and the printed check-in sheet."""

import pytest
from django.urls import reverse

from aftercare.accounts.roles import ROLE_FIELDS, ROLE_PERMISSIONS, Role
from aftercare.core.permissions import Perm
from aftercare.customers.exports import customer_table
from aftercare.customers.models import Customer
from aftercare.service import services
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for

pytestmark = pytest.mark.django_db

# x = sees. Columns: advisor, technician, foreman, parts clerk, cashier, customer care,
# service manager, VIC specialist, admin, warranty clerk.
EXPECTED = """
group            adv tec for par cas car mgr vic adm war
basic             x   x   x   x   x   x   x   x   .   x
vehicle           x   x   x   x   x   x   x   x   .   x
address           x   .   .   .   x   .   x   x   .   .
birthday          x   .   .   .   .   x   x   x   .   .
identity          x   .   .   .   x   .   x   x   .   .
spend             x   .   .   .   x   .   x   x   .   .
complaint_notes   .   .   .   .   .   .   x   .   .   .
"""
COLUMNS = list(Role)
ADDRESS = "广州市天河区体育西路191号"


def _expected() -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {role: set() for role in COLUMNS}
    for group, *cells in (line.split() for line in EXPECTED.strip().splitlines()[1:]):
        for role, cell in zip(COLUMNS, cells, strict=True):
            if cell == "x":
                seen[role].add(group)
    return seen


def _sees(role, group) -> bool:
    return group in _expected()[role]


def test_the_field_table_is_pinned():
    assert {role: set(ROLE_FIELDS[role]) for role in COLUMNS} == _expected()


@pytest.fixture
def customer(store):
    return CustomerFactory(
        store=store, name="王芳", address=ADDRESS, birthday="1985-06-01", abc_class="A", wechat_id="wf_1985"
    )


VIEWERS = [role for role in COLUMNS if Perm.CUSTOMER_VIEW in ROLE_PERMISSIONS[role]]


@pytest.mark.parametrize("role", VIEWERS)
def test_the_customer_page_shows_each_role_its_fields_only(staff, customer, client_for, role):
    html = client_for(staff[role]).get(reverse("customers:customer_detail", args=[customer.pk])).content.decode()
    assert (ADDRESS in html) == _sees(role, "address")
    assert ("06-01" in html) == _sees(role, "birthday")
    assert ('data-testid="customer-class"' in html) == _sees(role, "spend")
    assert "王芳" in html


@pytest.mark.parametrize("role", VIEWERS)
def test_the_api_answers_each_role_its_fields_only(staff, customer, api_client_for, role):
    data = api_client_for(staff[role]).get(f"/api/v1/customers/{customer.pk}/").json()
    assert (data["address"] == ADDRESS) == _sees(role, "address")
    assert (data["birthday"] is not None) == _sees(role, "birthday")
    assert (data["abc_class"] == "A") == _sees(role, "spend")
    assert data["name"] == "王芳"


@pytest.mark.parametrize("role", VIEWERS)
def test_the_export_leaves_out_the_fields_a_role_may_not_see(staff, customer, role):
    headers, rows = customer_table(
        Customer.objects.filter(pk=customer.pk), reveal_store_ids={customer.store_id}, user=staff[role]
    )
    row = dict(zip(headers, next(rows), strict=True))
    cells = list(row.values())
    assert (ADDRESS in cells) == _sees(role, "address")
    assert ("wf_1985" in cells) == _sees(role, "identity")
    assert "王芳" in cells


@pytest.mark.parametrize("role", [r for r in VIEWERS if r != Role.CUSTOMER_CARE])
def test_the_printed_check_in_sheet_shows_the_address_to_the_roles_that_see_it(
    staff, store, customer, client_for, role
):
    catalog_for(store)
    vehicle = VehicleFactory(owner=customer, plate="粤A00001")
    order = services.repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle)
    html = client_for(staff[role]).get(reverse("service:print_check_in", args=[order.pk])).content.decode()
    assert (ADDRESS in html) == _sees(role, "address")
    assert "粤A00001" in html


def test_only_a_manager_sees_a_complaints_internal_notes_through_the_api(staff, customer, api_client_for):
    from aftercare.complaints import services as complaint_services

    complaint = complaint_services.complaint_create(
        actor=staff["advisor"], store=customer.store, customer=customer, channel="phone",
        complaint_type="waiting", description="等待过长",
    )  # fmt: skip
    type(complaint).objects.filter(pk=complaint.pk).update(resolution_plan="内部：补偿保养一次")
    manager = api_client_for(staff["service_manager"]).get(f"/api/v1/complaints/{complaint.pk}/").json()
    assert manager["resolution_plan"] == "内部：补偿保养一次"
