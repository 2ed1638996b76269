"""The search box: every kind of key, scoping, masking, and a constant query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftercare.accounts.roles import Role
from aftercare.customers import selectors, services
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


# --- the compiled statements ---------------------------------------------------------------------
#
# `search` runs SQL compiled once per shape of query and binds each keystroke's
# values; `_search(..., _ByOrm)` builds and compiles the same QuerySets on every
# call. They must never differ.

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


def _lines(results):
    return [r.as_dict() for r in results]


def test_the_queries_cover_every_key_kind_the_search_knows():
    kinds = {
        kind for queries in QUERIES_BY_KEY_KIND.values() for query in queries for kind, _v in selectors._plan(query)
    }
    assert kinds == set(QUERIES_BY_KEY_KIND)


@pytest.mark.parametrize(
    "query", [query for queries in QUERIES_BY_KEY_KIND.values() for query in queries] + ["王", "lxw", "99"]
)
@pytest.mark.parametrize("limit", [20, 2])
def test_compiled_statements_give_exactly_what_the_orm_gives(query, limit, staff, mixed):
    for role in ("advisor", "technician"):  # full and masked phones
        user = staff[role]
        by_orm = selectors._search(user, query, limit, selectors._ByOrm)
        assert _lines(search(user, query, limit=limit)) == _lines(by_orm)
        assert _lines(search(user, query, limit=limit)) == _lines(by_orm)  # and again, from the cache


def test_wildcards_typed_in_a_name_match_only_themselves(staff, mixed):
    assert _names(search(staff["advisor"], "张_")) == ["张_伟"]
    assert _names(search(staff["advisor"], "张%")) == ["张%芳"]


def test_a_statement_is_compiled_once_and_reused_for_other_values(staff, mixed):
    selectors._statement.cache_clear()
    assert _names(search(staff["advisor"], "张三")) == ["张三"]
    compiled = selectors._statement.cache_info().misses
    assert _names(search(staff["advisor"], "王五")) == ["王五"]
    assert selectors._statement.cache_info().misses == compiled


def test_compiled_statements_bind_each_users_own_stores(store, other_store, staff, mixed):
    """Same shape of query (one store each), different stores: the store ids are parameters, not SQL."""
    other_advisor = UserFactory(username="other-advisor")
    MembershipFactory(user=other_advisor, store=other_store, role=Role.ADVISOR)
    here = search(staff["advisor"], "张三")
    there = search(other_advisor, "张三")
    assert {r.store_id for r in here} == {store.pk}
    assert [(r.store_id, r.phone) for r in there] == [(other_store.pk, "13812345670")]


@pytest.mark.parametrize(("query", "queries"), [("12345", 2), ("张", 3)])
def test_a_search_compiling_a_new_shape_still_costs_only_its_queries(
    query, queries, staff, mixed, django_assert_num_queries
):
    """2 queries when the vehicles fill the answer; 3 when customers without a vehicle are added."""
    user = staff["advisor"]
    user.store_ids()  # memberships are cached per request; count only the search itself
    selectors._statement.cache_clear()
    with django_assert_num_queries(queries):
        search(user, query)
    with django_assert_num_queries(queries):
        search(user, query)


def test_a_statement_whose_argument_the_orm_wrote_into_the_sql_is_refused():
    with pytest.raises(RuntimeError):
        selectors._Statement("SELECT id FROM t WHERE store_id = -100001", [], standins=[[-100_001]])
