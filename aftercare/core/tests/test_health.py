"""Visible health: the admin's background page and the monitoring endpoint."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from aftercare.core.models import BackgroundAlert, RestoreDrill, WorkerHeartbeat
from aftercare.core.scheduling import run_due_jobs

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def nightly(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.HEALTH_TOKEN = ""
    settings.SCHEDULE_OVERDUE_MINUTES = 120
    settings.SCHEDULED_TASKS = [
        {"name": "nightly", "task": "aftercare.core.tests.tasks_for_tests.idempotent_noop", "at": "02:30"}
    ]


def live_worker():
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="shop-1:1", host="shop-1", started_at=now, last_seen=now)


def health(**headers):
    return Client(REMOTE_ADDR=headers.pop("addr", "127.0.0.1")).get("/health/", headers=headers)


def test_the_health_endpoint_is_200_when_jobs_ran_and_a_worker_is_alive(nightly, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        run_due_jobs()
        live_worker()
        response = health()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["workers_alive"] == 1 and body["jobs"]["nightly"]["last_success"]


def test_the_health_endpoint_goes_503_when_a_job_is_overdue(nightly):
    with time_machine.travel(dt.datetime(2026, 3, 1, 2, 31, tzinfo=SHANGHAI), tick=False):
        run_due_jobs()  # enqueued, but no worker ever runs it
    with time_machine.travel(dt.datetime(2026, 3, 1, 5, 0, tzinfo=SHANGHAI), tick=False):
        live_worker()
        response = health()
    assert response.status_code == 503
    body = response.json()
    assert body["jobs"]["nightly"]["overdue"] is True
    assert "job nightly is overdue (slot 2026-03-01)" in body["problems"]


def test_the_health_endpoint_goes_503_when_no_worker_is_alive_or_an_alert_is_open(nightly):
    assert "no worker is sending heartbeats" in health().json()["problems"]
    live_worker()
    BackgroundAlert.objects.create(subject="run_backup failed", message="disk full")
    problems = health().json()["problems"]
    assert "alert: run_backup failed" in problems and "no worker is sending heartbeats" not in problems


def test_the_health_endpoint_answers_only_local_addresses_without_a_token_and_only_the_token_with_one(
    nightly, settings
):
    assert health(addr="10.0.0.7").status_code == 403
    settings.HEALTH_TOKEN = "s3cret-monitoring-token"
    assert health().status_code == 403
    assert health(Authorization="Bearer wrong").status_code == 403
    assert health(addr="10.0.0.7", Authorization="Bearer s3cret-monitoring-token").status_code == 503


def test_the_admin_sees_background_health_and_can_acknowledge_an_alert(nightly, client_for, staff):
    live_worker()
    alert = BackgroundAlert.objects.create(subject="run_backup failed", message="disk full")
    RestoreDrill.objects.create(backup_name="aftercare-20260301-023000.sqlite3", host="shop-1", ok=True, rows=9)
    client = client_for(staff["admin"])

    page = client.get("/background/").content.decode()
    assert "run_backup failed" in page and "shop-1:1" in page and "nightly" in page
    assert "aftercare-20260301-023000.sqlite3" in page
    assert "aftercare-20260301-023000.sqlite3" in client.get("/backups/").content.decode()

    client.post(f"/background/alerts/{alert.pk}/ack/")
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None


def test_the_background_page_is_for_admins_only(nightly, client_for, staff):
    assert client_for(staff["advisor"]).get("/background/").status_code == 403
