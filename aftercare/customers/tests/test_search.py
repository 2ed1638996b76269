"""The search box: every kind of key, scoping, masking, and a constant query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftercare.accounts.roles import Role
from aftercare.customers import services
from aftercare.customers.selectors import search
from aftercare.tests.factories import CustomerFactory, MembershipFactory, UserFactory, VehicleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhang(store):
    customer = CustomerFactory(store=store, name="张三", mobile="13812345678")
    VehicleFactory(owner=customer, plate="粤A12345", vin="LHGCV1659RA012345")
    return customer


@pytest.fixture
def crowd(store):
    """Others who must not show up for zhang's keys."""
    others = [
        ("李四", "13900001111", "粤B67890"),
        ("王五", "13700002222", "粤AD54321"),
        ("张伟", "13600003333", "京A99999"),
    ]
    for name, mobile, plate in others:
        VehicleFactory(owner=CustomerFactory(store=store, name=name, mobile=mobile), plate=plate)


def _names(results):
    return sorted({r.customer_name for r in results})


@pytest.mark.parametrize(
    "query",
    [
        "粤A12345",
        "A123",
        "12345",
        "2345",
        "45",
        "粤a 123",
        "5678",
        "1234-5678",
        "012345",
        "张三",
        "zs",
        "zhangsan",
        "ZhangS",
    ],
)
def test_zhang_san_is_found_by_every_key(query, staff, zhang, crowd):
    assert "张三" in _names(search(staff["advisor"], query))


def test_a_surname_alone_finds_everyone_with_it(staff, zhang, crowd):
    assert _names(search(staff["advisor"], "张")) == ["张三", "张伟"]


def test_a_two_character_name_is_matched_exactly_not_by_pinyin_collisions(staff, zhang, crowd):
    assert _names(search(staff["advisor"], "张伟")) == ["张伟"]


def test_the_last_two_characters_of_a_plate_match_only_plate_endings(staff, zhang, crowd):
    assert _names(search(staff["advisor"], "90")) == ["李四"]


def test_a_company_is_found_by_any_part_of_its_name(staff, store):
    services.customer_create(
        actor=staff["advisor"],
        store=store,
        data={"kind": "company", "name": "广州粤运出租汽车有限公司", "mobile": "13500001234"},
    )
    assert _names(search(staff["advisor"], "出租汽车")) == ["广州粤运出租汽车有限公司"]


def test_results_show_plate_model_owner_masked_phone_and_last_visit(staff, zhang):
    result = search(staff["technician"], "12345")[0]
    assert (result.plate, result.model, result.customer_name) == ("粤A12345", "广汽本田 雅阁", "张三")
    assert result.phone == "138****5678"
    assert hasattr(result, "last_visit_at")


def test_roles_with_full_contact_permission_see_the_whole_number(staff, zhang):
    assert search(staff["advisor"], "12345")[0].phone == "13812345678"


def test_another_stores_customers_are_never_found(staff, other_store):
    VehicleFactory(owner=CustomerFactory(store=other_store, name="赵六", mobile="13812340000"), plate="粤C11111")
    assert search(staff["advisor"], "赵六") == []
    assert search(staff["advisor"], "11111") == []


def test_a_group_wide_role_finds_customers_of_every_store(store, other_store):
    manager = UserFactory(username="area-manager")
    MembershipFactory(user=manager, store=store, role=Role.SERVICE_MANAGER)
    MembershipFactory(user=manager, store=other_store, role=Role.SERVICE_MANAGER)
    VehicleFactory(owner=CustomerFactory(store=other_store, name="赵六"), plate="粤C11111")
    assert _names(search(manager, "赵六")) == ["赵六"]


def test_merged_away_customers_are_hidden(staff, store, zhang):
    twin = CustomerFactory(store=store, name="张三", mobile="13812345679")
    services.customer_merge(actor=staff["service_manager"], keep=zhang, merge=twin)
    assert [r.customer_id for r in search(staff["advisor"], "张三")] == [zhang.pk]


def test_nonsense_and_empty_queries_return_nothing(staff, zhang):
    assert search(staff["advisor"], "") == []
    assert search(staff["advisor"], "!!") == []
    assert search(staff["advisor"], "qqqqqqq") == []


@pytest.mark.parametrize("query", ["12345", "5678", "张", "zs", "012345"])
def test_a_search_costs_the_same_few_queries_whatever_the_data(query, staff, store, zhang):
    user = staff["advisor"]
    user.store_ids()  # memberships are cached per request; count only the search itself
    with CaptureQueriesContext(connection) as small:
        search(user, query)
    for n in range(40):
        VehicleFactory(
            owner=CustomerFactory(store=store, name="张" + "伟芳娜"[n % 3], mobile=f"1391234{n:04d}"),
            plate=f"粤A{n:03d}45",
        )
    with CaptureQueriesContext(connection) as large:
        results = search(user, query)
    assert len(large.captured_queries) == len(small.captured_queries) <= 3
    assert len(results) <= 20
