"""The benchmark's history is the data the app would have made: its follow-up
calls are the ones followups_for_delivery makes, and last visits match the orders."""

import random
from datetime import datetime, timedelta

import pytest
from django.db.models import Max
from django.utils import timezone

from aftercare.bench.history import _call_for, build_history
from aftercare.customers.models import Customer, Vehicle
from aftercare.demo.builder import DemoOptions, build_demo
from aftercare.followups import services
from aftercare.followups.choices import Kind, TaskStatus
from aftercare.followups.models import FollowUpAttempt, FollowUpProblem, FollowUpRule, FollowUpTask
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.surveys.models import SurveyResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    result = build_demo(DemoOptions(seed=2026, stores=1, customers=60, vehicles=80, activity=False))
    store = result.stores[0]
    return store, build_history(store, orders=400, rng=random.Random(3), open_per_state=1)


def _call(task: FollowUpTask) -> tuple:
    return (task.kind, task.customer_id, task.vehicle_id, task.note, task.owner_role)


def test_every_delivered_order_has_the_call_followups_for_delivery_would_make(history):
    store, made = history
    tasks = {t.repair_order_id: t for t in FollowUpTask.objects.filter(store=store)}
    assert made.followups == len(tasks) > 0
    assert {t.source_key for t in tasks.values()} == {f"ro:{pk}" for pk in tasks}
    # Called or unreachable in the past, open for the last days, never cancelled.
    statuses = {t.status for t in tasks.values()}
    assert {TaskStatus.DONE, TaskStatus.UNREACHABLE} <= statuses <= {
        TaskStatus.DONE, TaskStatus.UNREACHABLE, TaskStatus.OPEN
    }  # fmt: skip
    recent = timezone.now() - timedelta(days=2)
    assert all(t.due_at >= recent for t in tasks.values() if t.status == TaskStatus.OPEN)
    kinds = {t.kind for t in tasks.values()}
    assert {"first_service", "repair", "maintenance"} <= kinds

    # Make the calls again through the service and compare.
    FollowUpProblem.objects.all().delete()
    FollowUpAttempt.objects.all().delete()
    SurveyResponse.objects.all().delete()
    FollowUpTask.objects.all().delete()
    for order_id in RepairOrder.objects.filter(store=store, status=Status.DELIVERED).values_list("id", flat=True):
        services.followups_for_delivery(repair_order_id=order_id)
    again = {t.repair_order_id: t for t in FollowUpTask.objects.filter(store=store)}

    assert again.keys() == tasks.keys()
    for order_id, task in tasks.items():
        assert _call(again[order_id]) == _call(task), order_id
        if task.status != TaskStatus.UNREACHABLE:  # each retry moves an unreachable call on
            assert (again[order_id].available_at, again[order_id].due_at) == (task.available_at, task.due_at)
        if task.owner_role == "":
            assert again[order_id].owner_id == task.owner_id  # the advisor's own call


def test_surveys_are_answered_for_a_share_of_the_called_orders(history):
    store, made = history
    responses = SurveyResponse.objects.filter(store=store)
    assert made.surveys == responses.count() > 0
    assert not responses.filter(overall_score__isnull=True).exists()
    called = set(FollowUpTask.objects.filter(status=TaskStatus.DONE).values_list("repair_order_id", flat=True))
    assert set(responses.values_list("repair_order_id", flat=True)) <= called


def test_last_visits_are_the_opening_of_the_last_order(history):
    store, _made = history
    for model, key in ((Customer, "customer_id"), (Vehicle, "vehicle_id")):
        last = dict(RepairOrder.objects.filter(store=store).values_list(key).annotate(last=Max("opened_at")).order_by())
        rows = dict(model.objects.filter(store=store).values_list("id", "last_visit_at"))
        assert last and all(rows[pk] == at for pk, at in last.items())
        earliest = min(last.values())
        assert all(at < earliest for pk, at in rows.items() if pk not in last)


def test_a_call_for_an_early_morning_delivery_counts_days_from_the_local_date(store):
    # The history's deliveries fall between 08:00 and midnight; this pins the early hours too
    # (07:30 in Asia/Shanghai is the previous day in UTC).
    rule = FollowUpRule.for_store(store)
    delivered = timezone.make_aware(datetime(2026, 3, 2, 7, 30))

    kind, _advisor, available, due = _call_for(delivered, next(iter(rule.repair_codes)), False, rule)

    assert kind == Kind.REPAIR
    assert available == timezone.make_aware(datetime(2026, 3, 2, 9, 0)) + timedelta(days=rule.repair_days)
    assert due == available + timedelta(hours=9)
