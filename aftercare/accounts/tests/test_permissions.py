"""The role × action matrix, pinned as a table a manager can read, and enforced
by the views and the API."""

import pytest
from django.urls import reverse

from aftercare.accounts.roles import ROLE_PERMISSIONS, Role
from aftercare.core.permissions import Perm

# x = allowed. Columns: advisor, technician, foreman, parts clerk, cashier,
# customer care, service manager, VIC specialist, admin, warranty clerk.
EXPECTED = """
perm                    adv tec for par cas car mgr vic adm war
store.view               x   x   x   x   x   x   x   x   x   x
store.manage             .   .   .   .   .   .   .   .   x   .
user.manage              .   .   .   .   .   .   .   .   x   .
audit.view               .   .   .   .   .   .   x   .   x   .
backup.run               .   .   .   .   .   .   .   .   x   .
catalog.manage           .   .   .   .   .   .   x   .   x   .
customer.view            x   x   x   .   x   x   x   x   .   x
customer.edit            x   .   .   .   .   x   x   x   .   .
customer.merge           .   .   .   .   .   .   x   .   .   .
contact.reveal           x   .   .   .   .   x   x   x   .   .
data.export              .   .   .   .   .   .   x   .   .   .
appointment.edit         x   .   .   .   .   .   x   x   .   .
appointment.delete       .   .   .   .   .   .   x   .   .   .
repair_order.view        x   x   x   x   x   .   x   x   .   x
repair_order.edit        x   .   x   .   .   .   x   .   .   .
repair_order.delete      .   .   .   .   .   .   x   .   .   .
workshop.dispatch        .   .   x   .   .   .   x   .   .   .
workshop.clock           .   x   x   .   .   .   .   .   .   .
workshop.quality_check   .   .   x   .   .   .   x   .   .   .
parts.manage             .   .   .   x   .   .   x   .   .   .
parts.approve            .   .   .   .   .   .   x   .   .   .
payment.post             .   .   .   .   x   .   x   .   .   .
payment.reverse          .   .   .   .   .   .   x   .   .   .
payment.credit_approve   .   .   .   .   .   .   x   .   .   .
discount.approve         .   .   .   .   .   .   x   .   .   .
followup.work            x   .   .   .   .   x   x   x   .   .
complaint.create         x   .   .   .   x   x   x   x   .   .
complaint.view           .   .   .   .   .   .   x   .   .   .
complaint.manage         .   .   .   .   .   .   x   .   .   .
complaint.delete         .   .   .   .   .   .   x   .   .   .
deletion_log.view        .   .   .   .   .   .   x   .   .   .
campaign.manage          .   .   .   .   .   x   x   .   .   .
report.view              .   .   .   .   .   .   x   .   .   .
report.targets           .   .   .   .   .   .   x   .   .   .
privacy.request          .   .   .   .   .   x   x   .   .   .
privacy.manage           .   .   .   .   .   .   x   .   x   .
warranty.view            .   .   .   .   .   .   x   .   .   x
warranty.manage          .   .   .   .   .   .   .   .   .   x
warranty.approve         .   .   .   .   .   .   x   .   .   .
vic.view                 x   .   .   .   x   .   x   x   .   .
vic.work                 .   .   .   .   .   .   x   x   .   .
vic.enrol                .   .   .   .   .   .   x   .   .   .
desk.work                x   .   .   .   .   x   x   x   .   .
faq.manage               .   .   .   .   .   x   x   .   .   .
"""
ROLE_COLUMNS = [
    Role.ADVISOR,
    Role.TECHNICIAN,
    Role.FOREMAN,
    Role.PARTS_CLERK,
    Role.CASHIER,
    Role.CUSTOMER_CARE,
    Role.SERVICE_MANAGER,
    Role.VIC_SPECIALIST,
    Role.ADMIN,
    Role.WARRANTY_CLERK,
]


def _expected_cells():
    lines = [line.split() for line in EXPECTED.strip().splitlines()[1:]]
    return {(role, row[0]): row[i + 1] == "x" for row in lines for i, role in enumerate(ROLE_COLUMNS)}


def test_the_table_above_names_every_permission_once():
    perms = [line.split()[0] for line in EXPECTED.strip().splitlines()[1:]]
    assert sorted(perms) == sorted(Perm.ALL)


@pytest.mark.parametrize(("role", "perm"), sorted(_expected_cells()))
def test_each_role_holds_exactly_the_permissions_in_the_table(role, perm):
    assert (perm in ROLE_PERMISSIONS[role]) is _expected_cells()[(role, perm)]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_has_perm_answers_per_store(role, staff, store, other_store):
    user = staff[role]
    for perm in Perm.ALL:
        expected = _expected_cells()[(role, perm)]
        assert user.has_perm(perm, store) is expected, perm
        # No role in the other store: nothing is allowed there.
        assert user.has_perm(perm, other_store) is False, perm


PROTECTED_PAGES = [
    ("accounts:user_list", Perm.USER_MANAGE),
    ("accounts:user_create", Perm.USER_MANAGE),
    ("accounts:permission_matrix", Perm.USER_MANAGE),
    ("core:audit_list", Perm.AUDIT_VIEW),
    ("core:backup_list", Perm.BACKUP_RUN),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize(("url_name", "perm"), PROTECTED_PAGES)
def test_pages_open_only_for_roles_holding_their_permission(role, url_name, perm, staff, client_for):
    response = client_for(staff[role]).get(reverse(url_name))
    assert response.status_code == (200 if _expected_cells()[(role, perm)] else 403)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_audit_api_follows_the_same_matrix(role, staff, api_client_for):
    response = api_client_for(staff[role]).get("/api/v1/audit/")
    assert response.status_code == (200 if _expected_cells()[(role, Perm.AUDIT_VIEW)] else 403)


@pytest.mark.django_db
def test_navigation_shows_only_what_the_role_may_open(staff, client_for):
    manager_page = client_for(staff["service_manager"]).get("/").content.decode()
    technician_page = client_for(staff["technician"]).get("/").content.decode()
    audit_url = reverse("core:audit_list")
    assert audit_url in manager_page
    assert audit_url not in technician_page


@pytest.mark.django_db
def test_a_user_with_no_role_sees_no_store_and_is_told_why(client_for):
    from aftercare.tests.factories import UserFactory

    response = client_for(UserFactory()).get("/")
    assert response.status_code == 200
    assert response.context["cards"] == [] and not response.context["has_roles"]
    assert 'class="alert alert-warning"' in response.content.decode()


def test_pages_never_read_djangos_own_permission_tables(staff, client_for):
    """Roles are the only source of permissions: a page costs no query on auth_permission & co."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(staff["advisor"])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("customers:customer_list")).status_code == 200
    assert not [q["sql"] for q in queries if "auth_permission" in q["sql"] or "_user_permissions" in q["sql"]]


def test_a_django_permission_row_grants_nothing(staff):
    from django.contrib.auth.models import Permission

    user = staff["customer_care"]
    user.user_permissions.add(Permission.objects.get(codename="view_user"))
    assert not user.has_perm("accounts.view_user")
