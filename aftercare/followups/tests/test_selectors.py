from decimal import Decimal

import time_machine

from aftercare.followups import selectors, services
from aftercare.followups.choices import TaskStatus
from aftercare.followups.models import FollowUpTask
from aftercare.tests.factories import CustomerFactory

from .conftest import aware


def _make(store, customer, key, due_at, status=TaskStatus.OPEN, **kwargs):
    task = services.followup_create(
        store=store, customer=customer, kind="maintenance", due_at=due_at, source_key=key, **kwargs
    )
    FollowUpTask.objects.filter(pk=task.pk).update(status=status)
    return task


def test_coverage_is_done_over_due_with_the_customers_missed(store, other_store):
    a, b, c = (CustomerFactory(store=store) for _ in range(3))
    march = aware(2026, 3, 10, 12, 0)
    _make(store, a, "1", march, TaskStatus.DONE)
    _make(store, a, "2", march, TaskStatus.DONE)
    _make(store, b, "3", march, TaskStatus.DONE)
    _make(store, b, "4", march, TaskStatus.UNREACHABLE)
    _make(store, c, "5", march, TaskStatus.OPEN)
    _make(store, c, "6", march, TaskStatus.CANCELLED)  # not counted
    _make(store, c, "7", aware(2026, 4, 1, 0, 0), TaskStatus.OPEN)  # outside the period (end excluded)
    _make(other_store, CustomerFactory(store=other_store), "8", march, TaskStatus.OPEN)  # another store

    numbers = selectors.followup_coverage(
        store_ids=[store.pk], start=aware(2026, 3, 1, 0, 0), end=aware(2026, 4, 1, 0, 0)
    )

    # By hand: 5 calls due (1-5), 3 done (1, 2, 3): 3 / 5 = 0.6.
    assert numbers == {
        "due": 5,
        "done": 3,
        "rate": Decimal("0.6000"),
        "due_customer_ids": sorted([a.pk, b.pk, c.pk]),
        "missed_customer_ids": sorted([b.pk, c.pk]),
    }


def test_coverage_is_read_in_one_query_whatever_the_number_of_calls(store, django_assert_num_queries):
    for n in range(30):
        _make(store, CustomerFactory(store=store), str(n), aware(2026, 3, 10, 12, 0), TaskStatus.DONE)

    with django_assert_num_queries(1):
        numbers = selectors.followup_coverage(store_ids=[store.pk], start=aware(2026, 3, 1), end=aware(2026, 4, 1))

    assert (numbers["due"], numbers["done"], numbers["missed_customer_ids"]) == (30, 30, [])


def test_coverage_rate_is_none_when_nothing_was_due(store):
    numbers = selectors.followup_coverage(store_ids=[store.pk], start=aware(2026, 3, 1), end=aware(2026, 4, 1))

    assert numbers["due"] == 0 and numbers["rate"] is None


def test_a_third_is_rounded_to_four_places(store):
    customer = CustomerFactory(store=store)
    for key, status in (("1", TaskStatus.DONE), ("2", TaskStatus.OPEN), ("3", TaskStatus.OPEN)):
        _make(store, customer, key, aware(2026, 3, 10, 12, 0), status)

    numbers = selectors.followup_coverage(store_ids=[store.pk], start=aware(2026, 3, 1), end=aware(2026, 4, 1))

    assert numbers["rate"] == Decimal("0.3333")


def test_the_queue_splits_overdue_due_and_upcoming_for_mine_and_my_roles(store, staff):
    me, care = staff["advisor"], staff["customer_care"]
    customer = CustomerFactory(store=store)
    traveller = time_machine.travel(aware(2026, 3, 10, 8, 0), tick=False)
    traveller.start()
    overdue = _make(store, customer, "1", aware(2026, 3, 10, 9, 0), owner=me)
    due = _make(store, customer, "2", aware(2026, 3, 10, 18, 0), owner=me)
    upcoming = _make(store, customer, "3", aware(2026, 3, 12, 18, 0), owner=me, available_at=aware(2026, 3, 12, 9, 0))
    for_care = _make(store, customer, "4", aware(2026, 3, 10, 18, 0), owner_role="customer_care")
    _make(store, customer, "5", aware(2026, 3, 10, 18, 0), owner=care)
    traveller.stop()

    with time_machine.travel(aware(2026, 3, 10, 12, 0), tick=False):
        mine = selectors.followup_tasks_due_for(me)
        theirs = selectors.followup_tasks_due_for(care)

    assert mine == {"overdue": [overdue], "due": [due], "upcoming": [upcoming]}
    assert sorted(t.source_key for t in theirs["due"]) == [for_care.source_key, "5"]
