"""Nothing stuck, nothing lost: declarations, retries, recovery of dead workers' tasks, pruning."""

import datetime as dt
import importlib
import pkgutil

import pytest
import time_machine
from django.utils import timezone
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

import aftercare
from aftercare.core import background
from aftercare.core.models import BackgroundAlert, ScheduledRun, TaskAttempt, WorkerHeartbeat
from aftercare.core.tests import tasks_for_tests

pytestmark = pytest.mark.django_db
PATH = "aftercare.core.tests.tasks_for_tests."


@pytest.fixture(autouse=True)
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.WORKER_HEARTBEAT_SECONDS = 10
    settings.TASK_HEARTBEAT_STALE_SECONDS = 60


def running(task, *, worker="shop-1:1", started_ago=dt.timedelta(seconds=30), beat_ago=dt.timedelta(seconds=5)):
    result = task.enqueue()
    now = timezone.now()
    DBTaskResult.objects.filter(id=result.id).update(
        status=TaskResultStatus.RUNNING, started_at=now - started_ago, worker_ids=[worker]
    )
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker,
        defaults={"host": worker.split(":")[0], "started_at": now - dt.timedelta(hours=1), "last_seen": now - beat_ago},
    )
    return DBTaskResult.objects.get(id=result.id)


def test_every_task_of_the_project_declares_whether_it_is_idempotent_and_its_max_run_time():
    for module in pkgutil.walk_packages(aftercare.__path__, "aftercare."):
        if module.name.endswith(".tasks"):
            tasks = vars(importlib.import_module(module.name)).values()
            for task in (t for t in tasks if isinstance(t, Task)):
                assert task.module_path in background.POLICIES, f"{task.module_path} has no declaration"


def test_a_task_whose_worker_stopped_its_heartbeat_is_failed_with_the_reason_and_re_queued_once():
    lost = running(tasks_for_tests.idempotent_noop, beat_ago=dt.timedelta(minutes=5))

    assert background.recover_stale_tasks() == [str(lost.id)]
    assert background.recover_stale_tasks() == []

    lost.refresh_from_db()
    assert lost.status == TaskResultStatus.FAILED and "stopped sending heartbeats" in lost.traceback
    retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert retry.task_path == lost.task_path
    # Not before the old worker would have noticed and stopped (three heartbeats).
    assert retry.run_after >= timezone.now() + dt.timedelta(seconds=29)
    assert TaskAttempt.objects.get(task_result_id=str(retry.id)).attempt == 2


def test_a_task_that_is_not_idempotent_is_failed_and_alerts_instead_of_running_again():
    lost = running(tasks_for_tests.unsafe_noop, beat_ago=dt.timedelta(minutes=5))

    background.recover_stale_tasks()

    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()
    alert = BackgroundAlert.objects.get()
    assert alert.subject == "unsafe_noop failed" and alert.task_result_id == str(lost.id)
    assert "not safe to run twice" in alert.message


def test_a_task_over_its_max_run_time_is_failed_even_while_its_worker_is_alive():
    slow = running(tasks_for_tests.idempotent_noop, started_ago=dt.timedelta(minutes=2))

    background.recover_stale_tasks()

    slow.refresh_from_db()
    assert "longer than its maximum of 1 minutes" in slow.traceback


def test_a_running_task_with_a_live_worker_inside_its_time_is_left_alone():
    fine = running(tasks_for_tests.idempotent_noop)

    assert background.recover_stale_tasks() == []
    fine.refresh_from_db()
    assert fine.status == TaskResultStatus.RUNNING


def test_retries_stop_at_the_limit_and_then_alert():
    first = running(tasks_for_tests.idempotent_noop, beat_ago=dt.timedelta(minutes=5))
    background.recover_stale_tasks()
    for _ in range(2):
        retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
        DBTaskResult.objects.filter(id=retry.id).update(
            status=TaskResultStatus.RUNNING, started_at=timezone.now(), worker_ids=["shop-1:1"]
        )
        background.recover_stale_tasks()

    assert DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count() == 3
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()
    assert "failed 3 times" in BackgroundAlert.objects.get().message
    assert TaskAttempt.objects.filter(previous_id=str(first.id)).count() == 1


def test_a_scheduled_task_is_left_to_the_scheduler_to_re_run_for_its_slot():
    lost = running(tasks_for_tests.idempotent_noop, beat_ago=dt.timedelta(minutes=5))
    ScheduledRun.objects.create(name="nightly", slot="2026-03-01", task_result_id=str(lost.id))

    background.recover_stale_tasks()

    lost.refresh_from_db()
    assert lost.status == TaskResultStatus.FAILED
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()


def run_one(worker_id="shop-1:1"):
    row = DBTaskResult.objects.ready().first()
    row.claim(worker_id)
    Worker(
        queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id=worker_id, excluded_queue_names=[],
    ).run_task(row)  # fmt: skip
    return row


def test_an_idempotent_task_that_raises_is_retried_with_backoff_then_alerts():
    tasks_for_tests.always_fails.enqueue()

    first = run_one()
    retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert retry.run_after >= timezone.now() + dt.timedelta(seconds=29)
    assert TaskAttempt.objects.get(task_result_id=str(retry.id)).reason == "It raised RuntimeError."

    DBTaskResult.objects.filter(id=retry.id).update(run_after=timezone.now())
    run_one()
    assert DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count() == 2
    assert "failed 2 times" in BackgroundAlert.objects.get().message
    assert first.status == TaskResultStatus.FAILED


def test_pruning_deletes_finished_task_results_past_the_keep_days_and_keeps_the_rest(settings):
    settings.TASK_RESULT_KEEP_DAYS = 14
    old_done, old_failed, recent, waiting = (tasks_for_tests.noop.enqueue() for _ in range(4))
    long_ago = timezone.now() - dt.timedelta(days=15)
    DBTaskResult.objects.filter(id=old_done.id).update(status=TaskResultStatus.SUCCESSFUL, finished_at=long_ago)
    DBTaskResult.objects.filter(id=old_failed.id).update(status=TaskResultStatus.FAILED, finished_at=long_ago)
    DBTaskResult.objects.filter(id=recent.id).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=timezone.now() - dt.timedelta(days=13)
    )
    with time_machine.travel(long_ago, tick=False):
        waiting_since_long_ago = tasks_for_tests.noop.enqueue()

    assert background.prune_task_results() == 2
    left = {str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)}
    assert left == {recent.id, waiting.id, waiting_since_long_ago.id}


def heartbeat_worker(worker_id="shop-1:1"):
    from aftercare.core.management.commands.run_worker import HeartbeatWorker

    now = timezone.now() - dt.timedelta(minutes=5)
    WorkerHeartbeat.objects.create(worker_id=worker_id, host="shop-1", started_at=now, last_seen=now)
    return HeartbeatWorker(
        queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id=worker_id, excluded_queue_names=[], heartbeat_seconds=1, slot=1,
    )  # fmt: skip


def test_an_idle_worker_keeps_beating():
    worker = heartbeat_worker()

    worker.beat_once()
    worker.beat_once()

    assert WorkerHeartbeat.objects.get().last_seen > timezone.now() - dt.timedelta(seconds=5)


def test_a_worker_whose_running_task_recovery_failed_stops_itself(monkeypatch):
    worker = heartbeat_worker()
    slow = running(tasks_for_tests.idempotent_noop, started_ago=dt.timedelta(minutes=2))
    worker.current_id = str(slow.id)
    exits = []
    monkeypatch.setattr("os._exit", exits.append)

    worker.beat_once()
    assert exits == []  # still RUNNING
    background.recover_stale_tasks()
    worker.beat_once()

    assert exits == [3]
    assert WorkerHeartbeat.objects.get().task_result_id == str(slow.id)
