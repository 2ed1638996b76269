import datetime as dt

import pytest
import time_machine

from aftercare.core.models import ScheduledRun
from aftercare.core.scheduling import run_due_jobs

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def one_job(settings):
    settings.SCHEDULED_TASKS = [{"name": "noop", "task": "aftercare.core.tests.tasks_for_tests.noop", "at": "02:30"}]


def test_a_job_is_not_enqueued_before_its_time(one_job):
    with time_machine.travel(dt.datetime(2026, 3, 1, 2, 0, tzinfo=SHANGHAI), tick=False):
        assert run_due_jobs() == []


def test_a_due_job_is_enqueued_once_per_day_however_often_the_scheduler_runs(one_job):
    with time_machine.travel(dt.datetime(2026, 3, 1, 2, 31, tzinfo=SHANGHAI), tick=False):
        assert run_due_jobs() == ["noop"]
        assert run_due_jobs() == []
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        assert run_due_jobs() == ["noop"]
    assert list(ScheduledRun.objects.values_list("slot", flat=True).order_by("slot")) == ["2026-03-01", "2026-03-02"]


def test_a_periodic_job_is_enqueued_once_per_interval(settings):
    settings.SCHEDULED_TASKS = [
        {"name": "tick", "task": "aftercare.core.tests.tasks_for_tests.noop", "every_minutes": 15}
    ]
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 1, tzinfo=SHANGHAI), tick=False):
        assert run_due_jobs() == ["tick"]
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 14, tzinfo=SHANGHAI), tick=False):
        assert run_due_jobs() == []
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 16, tzinfo=SHANGHAI), tick=False):
        assert run_due_jobs() == ["tick"]
