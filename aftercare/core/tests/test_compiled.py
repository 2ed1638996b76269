"""Reads compiled once per shape give what the ORM gives, with the caller's values bound."""

import pytest

from aftercare.core.compiled import CompiledQuery
from aftercare.core.models import AuditEntry, Store
from aftercare.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def _stores(ids):
    return Store.objects.filter(pk__in=ids).order_by("id").values_list("id", "code", "created_at", "opens_at")


def test_rows_are_the_orms_rows_converted_the_same_way_for_every_call(store, other_store):
    stores = CompiledQuery(_stores)
    assert stores.rows([store.pk, other_store.pk]) == list(_stores([store.pk, other_store.pk]))
    assert stores.rows([other_store.pk]) == list(_stores([other_store.pk]))  # another length: another shape
    assert stores.rows([store.pk]) == list(_stores([store.pk]))  # the same shape, other values
    assert stores.rows([-1]) == []


def test_an_empty_list_of_ids_matches_nothing_without_a_query(store, django_assert_num_queries):
    stores = CompiledQuery(_stores)
    with django_assert_num_queries(0):
        assert stores.rows([]) == []


def test_json_and_ids_among_constants_bind_correctly(store):
    entry = AuditEntry.objects.create(
        actor_name="x", store=store, action=AuditEntry.Action.UPDATE, object_type="t", changes={"a": [1, 2]}
    )
    entries = CompiledQuery(
        lambda pk, store_id: AuditEntry.objects.filter(
            pk=pk, store=store_id, action=AuditEntry.Action.UPDATE, object_type="t"
        ).values_list("changes", "store_id")
    )
    assert entries.rows(entry.pk, store.pk) == [({"a": [1, 2]}, store.pk)]
    assert entries.rows(entry.pk, StoreFactory().pk) == []


def test_a_value_the_orm_writes_into_the_sql_cannot_be_bound_and_is_refused(store):
    by_code = CompiledQuery(lambda pk: Store.objects.filter(code=str(pk)).values_list("id"))
    with pytest.raises(RuntimeError, match="cannot bind"):
        by_code.rows(store.pk)


def test_datetime_arguments_are_bound_like_ids(store, other_store):
    from datetime import timedelta

    Store.objects.filter(pk=other_store.pk).update(created_at=store.created_at + timedelta(days=3))
    created = CompiledQuery(
        lambda since, until: Store.objects.filter(created_at__gte=since, created_at__lt=until)
        .order_by("id")
        .values_list("id", flat=False)
    )
    start = store.created_at - timedelta(seconds=1)
    assert created.rows(start, start + timedelta(days=1)) == [(store.pk,)]
    assert created.rows(start + timedelta(days=1), start + timedelta(days=9)) == [(other_store.pk,)]
