"""The search box: every kind of key, scoping, masking, and a constant query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftercare.accounts.roles import Role
from aftercare.customers import search as search_box
from aftercare.customers import services
from aftercare.customers.models import Customer, Vehicle
from aftercare.customers.search import search
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


# --- every kind of key, against the same data ------------------------------------------------------

QUERIES_BY_KEY_KIND = {
    "plate_key": ["粤A12345", "A123", "粤AD5"],
    "plate_suffix": ["45", "90"],
    "vin_suffix": ["012345", "rA012345"],
    "company_key": ["出租汽车", "YUNDA"],
    "name": ["张", "张三", "张_", "张%"],
    "mobile": ["13812345678"],
    "mobile_suffix": ["5678", "1111"],
    "initials": ["zs", "ZW"],
    "pinyin": ["zhangsan", "wang"],
}


@pytest.fixture
def mixed(store, other_store, zhang, crowd, staff):
    """Vehicles, customers without one, a fleet company, names with LIKE wildcards, and another store."""
    services.customer_create(
        actor=staff["advisor"], store=store,
        data={"kind": "company", "name": "韵达出租汽车公司", "mobile": "13500001234"},
    )  # fmt: skip
    for n, name in enumerate(["张_伟", "张%芳", "王小明", "王丽", "张娜"]):
        CustomerFactory(store=store, name=name, mobile=f"1370000{n:04d}")  # no vehicle
    VehicleFactory(owner=CustomerFactory(store=other_store, name="张三", mobile="13812345670"), plate="粤A12346")


def test_the_queries_cover_every_key_kind_the_search_knows():
    kinds = {
        kind for queries in QUERIES_BY_KEY_KIND.values() for query in queries for kind, _v in search_box._plan(query)
    }
    assert kinds == set(QUERIES_BY_KEY_KIND)


@pytest.mark.parametrize("query", [query for queries in QUERIES_BY_KEY_KIND.values() for query in queries])
def test_every_key_kind_finds_only_the_users_own_stores(query, store, staff, mixed):
    results = search(staff["advisor"], query)
    assert results and {r.store_id for r in results} == {store.pk}


def test_wildcards_typed_in_a_name_match_only_themselves(staff, mixed):
    assert _names(search(staff["advisor"], "张_")) == ["张_伟"]
    assert _names(search(staff["advisor"], "张%")) == ["张%芳"]


def test_each_user_finds_the_customers_of_their_own_stores(store, other_store, staff, mixed):
    other_advisor = UserFactory(username="other-advisor")
    MembershipFactory(user=other_advisor, store=other_store, role=Role.ADVISOR)
    here = search(staff["advisor"], "张三")
    there = search(other_advisor, "张三")
    assert {r.store_id for r in here} == {store.pk}
    assert [(r.store_id, r.phone) for r in there] == [(other_store.pk, "13812345670")]


@pytest.mark.parametrize(("query", "queries"), [("12345", 2), ("张", 3)])
def test_a_search_costs_two_queries_or_three_when_customers_without_a_vehicle_are_added(
    query, queries, staff, mixed, django_assert_num_queries
):
    user = staff["advisor"]
    user.store_ids()  # memberships are cached per request; count only the search itself
    with django_assert_num_queries(queries):
        search(user, query)


def test_a_search_with_room_left_says_nothing_more_matches(staff, mixed):
    results = search(staff["advisor"], "张")
    assert len(results) < search_box.SEARCH_LIMIT and not results.more


# --- ranking and "more…" (a key cut at its cap) -------------------------------------------------------


@pytest.fixture
def namesakes(store):
    """45 customers named 欧阳修远, more than a key keeps (twice the limit), created one after another."""
    return [CustomerFactory(store=store, name="欧阳修远", mobile=f"1390000{n:04d}") for n in range(45)]


@pytest.mark.parametrize("query", ["欧阳", "oyxy", "欧阳修远", "ouyangxiuyuan"])
def test_the_newest_of_many_namesakes_comes_first_and_more_are_announced(query, staff, namesakes):
    results = search(staff["advisor"], query)
    assert [r.customer_id for r in results] == [c.pk for c in reversed(namesakes)][: search_box.SEARCH_LIMIT]
    assert results.more


def test_the_most_recent_visit_ranks_before_the_newest_record(staff, namesakes):
    from datetime import timedelta

    from django.utils import timezone

    oldest, second = namesakes[0], namesakes[1]
    Customer.objects.filter(pk=oldest.pk).update(last_visit_at=timezone.now())
    Customer.objects.filter(pk=second.pk).update(last_visit_at=timezone.now() - timedelta(days=30))
    results = search(staff["advisor"], "oyxy")
    assert [r.customer_id for r in results[:3]] == [oldest.pk, second.pk, namesakes[-1].pk]


def test_vehicles_found_by_a_common_plate_fragment_are_ranked_by_last_visit_and_cut_with_more(staff, store):
    from django.utils import timezone

    owner = CustomerFactory(store=store, name="车队")
    fleet = [VehicleFactory(owner=owner, plate=f"粤A{n:03d}88") for n in range(45)]
    Vehicle.objects.filter(pk=fleet[3].pk).update(last_visit_at=timezone.now())
    results = search(staff["advisor"], "88")
    assert [r.vehicle_id for r in results[:2]] == [fleet[3].pk, fleet[-1].pk]
    assert len(results) == search_box.SEARCH_LIMIT and results.more
