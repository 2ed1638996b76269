import datetime as dt

import pytest
import time_machine
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from aftercare.core.models import BackgroundAlert, ScheduledRun
from aftercare.core.scheduling import job_health, run_due_jobs

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(*args):
    return time_machine.travel(dt.datetime(*args, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def one_job(settings):
    settings.SCHEDULED_TASKS = [{"name": "noop", "task": "aftercare.core.tests.tasks_for_tests.noop", "at": "02:30"}]


@pytest.fixture
def db_tasks(settings):
    """The real database backend: enqueued tasks wait as rows, as in production."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.SCHEDULED_TASKS = [
        {"name": "nightly", "task": "aftercare.core.tests.tasks_for_tests.idempotent_noop", "at": "02:30"}
    ]


def finish(run: ScheduledRun, status: str) -> None:
    DBTaskResult.objects.filter(id=run.task_result_id).update(status=status, finished_at=dt.datetime.now(tz=dt.UTC))


def test_a_job_is_not_enqueued_before_its_time_once_yesterdays_slot_ran(one_job):
    with at(2026, 2, 28, 2, 31):
        assert run_due_jobs() == ["noop"]
    with at(2026, 3, 1, 2, 0):
        assert run_due_jobs() == []


def test_a_due_job_is_enqueued_once_per_day_however_often_the_scheduler_runs(one_job):
    with at(2026, 3, 1, 2, 31):
        assert run_due_jobs() == ["noop"]
        assert run_due_jobs() == []
    with at(2026, 3, 2, 9, 0):
        assert run_due_jobs() == ["noop"]
    assert list(ScheduledRun.objects.values_list("slot", flat=True).order_by("slot")) == ["2026-03-01", "2026-03-02"]


def test_only_the_latest_missed_slot_runs_after_downtime(one_job):
    with at(2026, 3, 1, 2, 31):
        run_due_jobs()
    # Down from the 1st to the 4th at 01:00, before that day's time: the 3rd's slot is the latest missed.
    with at(2026, 3, 4, 1, 0):
        assert run_due_jobs() == ["noop"]
        assert run_due_jobs() == []
    assert list(ScheduledRun.objects.values_list("slot", flat=True).order_by("slot")) == ["2026-03-01", "2026-03-03"]


def test_catch_up_runs_of_several_jobs_are_spread_out_instead_of_firing_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.SCHEDULE_SPREAD_SECONDS = 60
    settings.SCHEDULED_TASKS = [
        {"name": f"job{n}", "task": "aftercare.core.tests.tasks_for_tests.noop", "at": "02:30"} for n in range(3)
    ]
    with at(2026, 3, 1, 9, 0):
        assert run_due_jobs() == ["job0", "job1", "job2"]
        starts = sorted(DBTaskResult.objects.values_list("run_after", flat=True))
    assert starts[1] - starts[0] == dt.timedelta(seconds=60)
    assert starts[2] - starts[1] == dt.timedelta(seconds=60)


def test_a_periodic_job_is_enqueued_once_per_interval(settings):
    settings.SCHEDULED_TASKS = [
        {"name": "tick", "task": "aftercare.core.tests.tasks_for_tests.noop", "every_minutes": 15}
    ]
    with at(2026, 3, 1, 9, 1):
        assert run_due_jobs() == ["tick"]
    with at(2026, 3, 1, 9, 14):
        assert run_due_jobs() == []
    with at(2026, 3, 1, 9, 16):
        assert run_due_jobs() == ["tick"]


def test_a_monthly_job_runs_for_the_latest_first_of_the_month(settings):
    settings.SCHEDULED_TASKS = [
        {"name": "drill", "task": "aftercare.core.tests.tasks_for_tests.noop", "at": "04:30", "day": 1}
    ]
    with at(2026, 3, 1, 4, 0):
        assert run_due_jobs() == ["drill"]
    with at(2026, 3, 20, 12, 0):
        assert run_due_jobs() == ["drill"]
    with at(2026, 3, 31, 12, 0):
        assert run_due_jobs() == []
    assert sorted(ScheduledRun.objects.values_list("slot", flat=True)) == ["2026-02-01", "2026-03-01"]


def test_a_failed_scheduled_job_is_re_run_for_its_slot_after_its_backoff(db_tasks):
    with at(2026, 3, 1, 2, 30):
        run_due_jobs()
        run = ScheduledRun.objects.get()
        finish(run, TaskResultStatus.FAILED)
        assert run_due_jobs() == []  # backoff first
    with at(2026, 3, 1, 2, 32):
        assert run_due_jobs() == ["nightly"]
    rerun = ScheduledRun.objects.get()
    assert (rerun.slot, rerun.attempts) == ("2026-03-01", 2)
    assert rerun.task_result_id != run.task_result_id
    assert DBTaskResult.objects.get(id=rerun.task_result_id).status == TaskResultStatus.READY
    with at(2026, 3, 1, 2, 40):
        finish(rerun, TaskResultStatus.SUCCESSFUL)
        assert run_due_jobs() == []
    assert ScheduledRun.objects.get().succeeded_at is not None


def test_a_lost_scheduled_run_is_re_run_and_a_slot_that_keeps_failing_alerts_an_admin(db_tasks):
    with at(2026, 3, 1, 2, 30):
        run_due_jobs()
    DBTaskResult.objects.all().delete()  # lost: its result is gone
    with at(2026, 3, 1, 2, 31):
        assert run_due_jobs() == ["nightly"]
    with at(2026, 3, 1, 3, 0):
        finish(ScheduledRun.objects.get(), TaskResultStatus.FAILED)
    with at(2026, 3, 1, 3, 10):
        assert run_due_jobs() == ["nightly"]
        finish(ScheduledRun.objects.get(), TaskResultStatus.FAILED)
    with at(2026, 3, 1, 4, 30):
        assert run_due_jobs() == []
    run = ScheduledRun.objects.get()
    assert run.attempts == 3 and run.gave_up_at is not None
    assert BackgroundAlert.objects.get().subject == "nightly failed for 2026-03-01"


def test_a_job_whose_slot_has_not_succeeded_long_after_its_time_is_overdue(db_tasks):
    with at(2026, 3, 1, 2, 31):
        run_due_jobs()
    with at(2026, 3, 1, 3, 0):
        assert [row["overdue"] for row in job_health()] == [False]
    with at(2026, 3, 1, 5, 0):
        assert [row["overdue"] for row in job_health()] == [True]
        finish(ScheduledRun.objects.get(), TaskResultStatus.SUCCESSFUL)
        run_due_jobs()
        assert [row["overdue"] for row in job_health()] == [False]
