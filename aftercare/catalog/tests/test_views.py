"""Catalogue pages: everyone on the service side reads, managers edit, other stores are 404."""

import pytest
from django.urls import reverse

from aftercare.catalog.kinds import KINDS
from aftercare.catalog.models import Bay, LabourOperation, PackageJob
from aftercare.core.models import AuditEntry
from aftercare.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SLUGS = [kind.slug for kind in KINDS]


def _first(kind_slug):
    model = next(kind.model for kind in KINDS if kind.slug == kind_slug)
    return model.objects.order_by("pk").first()


def test_the_catalogue_home_lists_every_kind(catalog, staff, client_for):
    response = client_for(staff["technician"]).get(reverse("catalog:home"))
    assert response.status_code == 200
    for slug in SLUGS:
        assert reverse("catalog:item_list", args=[slug]) in response.content.decode()


@pytest.mark.parametrize("slug", SLUGS)
def test_every_list_page_renders_its_entries_with_links_for_a_technician(slug, catalog, staff, client_for):
    response = client_for(staff["technician"]).get(reverse("catalog:item_list", args=[slug]), {"q": ""})
    assert response.status_code == 200
    html, page = response.content.decode(), response.context["page"]
    assert page.object_list and all(f'href="{item.get_absolute_url()}"' in html for item in page)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_create_page_and_detail_page_renders_for_a_manager(slug, catalog, staff, client_for):
    client = client_for(staff["service_manager"])
    assert client.get(reverse("catalog:item_create", args=[slug])).status_code == 200
    assert client.get(_first(slug).get_absolute_url()).status_code == 200


def test_a_technician_reads_an_entry_but_gets_403_on_edit(catalog, staff, client_for):
    client = client_for(staff["technician"])
    operation = LabourOperation.objects.get(code="M001")
    page = client.get(operation.get_absolute_url())
    assert page.status_code == 200
    assert 'type="submit"' not in page.content.decode().split("<main", 1)[1]
    assert client.post(operation.get_absolute_url(), {"code": "M001", "name": "x", "frt_hours": "1"}).status_code == 403
    assert client.get(reverse("catalog:item_create", args=["operations"])).status_code == 403


def test_a_user_without_a_service_role_cannot_open_the_catalogue(catalog, client_for):
    from aftercare.tests.factories import UserFactory

    assert client_for(UserFactory(username="nobody")).get(reverse("catalog:home")).status_code == 403


@pytest.mark.parametrize("role", ["service_manager", "admin"])
def test_group_managers_and_admins_edit_a_group_default_and_it_is_audited(role, catalog, client_for):
    user = UserFactory(username=f"group_{role}")
    MembershipFactory(user=user, store=None, group=catalog, role=role)
    operation = LabourOperation.objects.get(code="M001")
    response = client_for(user).post(
        operation.get_absolute_url(),
        {
            "code": "M001",
            "name": "更换机油及机滤",
            "category": operation.category_id,
            "frt_hours": "0.60",
            "is_active": "on",
        },
    )
    assert (response.status_code, response.url) == (302, operation.get_absolute_url())
    operation.refresh_from_db()
    assert operation.name == "更换机油及机滤"
    entry = AuditEntry.objects.get(object_type="catalog.labouroperation", object_id=str(operation.pk))
    assert entry.changes["name"] == ["更换机油机滤", "更换机油及机滤"]


def test_a_manager_creates_a_store_bay(catalog, staff, store, client_for):
    response = client_for(staff["service_manager"]).post(
        reverse("catalog:item_create", args=["bays"]),
        {"scope": f"store:{store.pk}", "code": "B09", "name": "快修工位3", "capabilities": ["lift"], "is_active": "on"},
    )
    bay = Bay.objects.get(store=store, code="B09")
    assert (response.status_code, response.url) == (302, bay.get_absolute_url())
    assert bay.capabilities == ["lift"]


def test_bad_input_shows_field_errors_instead_of_failing(catalog, staff, store, client_for):
    response = client_for(staff["service_manager"]).post(
        reverse("catalog:item_create", args=["operations"]),
        {"scope": f"group:{store.group_id}", "code": "M001", "name": "dup", "frt_hours": "-1", "powertrains": ["XYZ"]},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"frt_hours", "powertrains"}


def test_a_duplicate_code_is_shown_on_the_code_field(group_manager, catalog, staff, store, client_for):
    response = client_for(group_manager).post(
        reverse("catalog:item_create", args=["operations"]),
        {"scope": f"group:{store.group_id}", "code": "M001", "name": "dup", "frt_hours": "1"},
    )
    assert response.status_code == 200
    assert "code" in response.context["form"].errors


def test_another_stores_bay_is_a_404(catalog, staff, other_store, client_for):
    theirs = Bay.objects.create(store=other_store, code="B01", name="x")
    assert client_for(staff["service_manager"]).get(theirs.get_absolute_url()).status_code == 404


def test_group_defaults_are_visible_from_both_stores(catalog, staff, other_manager, client_for):
    operation = LabourOperation.objects.get(code="T001")
    assert client_for(staff["technician"]).get(operation.get_absolute_url()).status_code == 200
    assert client_for(other_manager).get(operation.get_absolute_url()).status_code == 200


def test_the_list_searches_code_and_name(catalog, staff, client_for):
    response = client_for(staff["technician"]).get(reverse("catalog:item_list", args=["operations"]), {"q": "刹车"})
    content = response.content.decode()
    assert "更换前刹车片" in content and "四轮定位" not in content


def test_the_list_answers_htmx_with_the_results_only(catalog, staff, client_for):
    response = client_for(staff["technician"]).get(
        reverse("catalog:item_list", args=["parts"]), {"q": "机油"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()


def test_the_package_page_shows_its_price_at_the_current_store(catalog, staff, client_for):
    package = PackageJob.objects.get(code="PKG-10K")
    response = client_for(staff["advisor"]).get(package.get_absolute_url())
    assert response.context["priced_total"] == 1250
    assert "1250.00" in response.content.decode()


def test_a_manager_replaces_the_package_lines(group_manager, catalog, staff, client_for):
    package = PackageJob.objects.get(code="PKG-5K")
    operation = LabourOperation.objects.get(code="T001", store=None)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "0",
        "form-0-operation": operation.pk,
        "form-0-quantity": "1",
    }
    response = client_for(group_manager).post(reverse("catalog:package_lines", args=[package.pk]), data)
    assert (response.status_code, response.url) == (302, package.get_absolute_url())
    assert [line.operation.code for line in package.lines.all()] == ["T001"]


def test_the_list_page_runs_a_fixed_number_of_queries(catalog, staff, store, client_for, django_assert_num_queries):
    for number in range(30):
        LabourOperation.objects.create(group=store.group, store=store, code=f"S{number}", name="x", frt_hours=1)
    client = client_for(staff["service_manager"])
    url = reverse("catalog:item_list", args=["operations"])
    client.get(url)
    # session, user, memberships, current store, one page of rows with their store and category (no COUNT)
    with django_assert_num_queries(5):
        assert client.get(url).status_code == 200


def test_a_store_manager_cannot_edit_a_group_default_in_the_pages(catalog, staff, client_for):
    operation = LabourOperation.objects.get(code="M001", store=None)
    response = client_for(staff["service_manager"]).post(
        operation.get_absolute_url(),
        {"code": "M001", "name": "改名", "category": operation.category_id, "frt_hours": "0.60", "is_active": "on"},
    )
    assert response.status_code in (403, 200)
    operation.refresh_from_db()
    assert operation.name == "更换机油机滤"
    assert "改名" not in client_for(staff["service_manager"]).get(operation.get_absolute_url()).content.decode()
