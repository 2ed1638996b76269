"""Document numbers per store and kind: one statement each, never handed out twice."""

import threading

import pytest
from django.db import connection, connections, transaction

from aftercare.core.models import DocumentSequence
from aftercare.core.services import next_document_number

pytestmark = pytest.mark.django_db


def _next(store, kind="invoice"):
    return next_document_number(store=store, kind=kind, prefix="IV", width=4)


def test_the_first_number_of_a_kind_creates_its_sequence_and_numbers_count_up(store):
    assert not DocumentSequence.objects.filter(store=store, kind="invoice").exists()
    assert [_next(store) for _ in range(3)] == ["IV0001", "IV0002", "IV0003"]
    assert DocumentSequence.objects.get(store=store, kind="invoice").last_value == 3


def test_each_store_and_kind_has_its_own_series(store, other_store):
    assert (_next(store), _next(store, "receipt"), _next(other_store), _next(store)) == (
        "IV0001",
        "IV0001",
        "IV0001",
        "IV0002",
    )


def test_a_rolled_back_document_gives_its_number_back(store):
    _next(store)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert _next(store) == "IV0002"
        raise RuntimeError("the document was refused")
    assert _next(store) == "IV0002"


def test_once_the_sequence_exists_a_number_is_one_statement(store, django_assert_num_queries):
    _next(store)
    with django_assert_num_queries(1):
        assert _next(store) == "IV0002"


@pytest.mark.django_db(transaction=True)
def test_two_clerks_numbering_at_once_never_get_the_same_number(store):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between threads need PostgreSQL (SQLite serialises writers anyway)")
    barrier = threading.Barrier(2)
    numbers: list[str] = []

    def clerk() -> None:
        try:
            barrier.wait()
            for _ in range(10):
                with transaction.atomic():
                    numbers.append(_next(store))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=clerk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == [f"IV{n:04d}" for n in range(1, 21)]
