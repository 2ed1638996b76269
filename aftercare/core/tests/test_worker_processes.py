"""Real worker processes: a worker killed mid-task (PostgreSQL), `serve` stopping with a running task.

These start `manage.py` subprocesses against the test database: on PostgreSQL the test database
itself (rows are committed: transactional tests), on SQLite a file copy of the migrated in-memory
test database.
"""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from aftercare.core import background
from aftercare.core.models import BackgroundAlert

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    """One folder of collected static files for the module's `serve` runs: the first collects."""
    return tmp_path_factory.mktemp("static")


@pytest.fixture
def worker_env(tmp_path, settings, collected_static):
    """Environment for manage.py subprocesses sharing this test's database."""
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "static").symlink_to(collected_static)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    if ON_POSTGRES:
        db = connection.settings_dict
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    else:
        path = tmp_path / "tasks.sqlite3"
        copy = sqlite3.connect(path)
        connection.ensure_connection()
        connection.connection.backup(copy)
        copy.close()
        url = f"sqlite:///{path}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "VAR_DIR": str(tmp_path / "var"),
        "BACKUP_DIR": str(tmp_path / "var" / "backups"),
        "WORKER_HEARTBEAT_SECONDS": "1",
        "TASK_HEARTBEAT_STALE_SECONDS": "3",
        "TASKS_BACKEND": "",
        "WORKER_HOST": "test-host",
    }


def manage(env, *args, **popen):
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, **popen)


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def log_lines(log: Path) -> list[list[str]]:
    return [line.split() for line in log.read_text().splitlines()] if log.exists() else []


def runs(log: Path) -> list[tuple[float, float | None]]:
    """(start, end or None) per run, matched by pid."""
    starts = {pid: float(at) for kind, pid, at in log_lines(log) if kind == "start"}
    ends = {pid: float(at) for kind, pid, at in log_lines(log) if kind == "end"}
    return sorted((at, ends.get(pid)) for pid, at in starts.items())


@pytest.mark.skipif(not ON_POSTGRES, reason="the three-worker race runs on PostgreSQL (CI runs both databases)")
@pytest.mark.parametrize("idempotent", [True, False], ids=["idempotent", "not-idempotent"])
def test_a_worker_killed_mid_task_on_postgres_is_recovered_within_the_recovery_interval(
    worker_env, tmp_path, settings, idempotent
):
    from aftercare.core.tests import tasks_for_tests

    settings.WORKER_HEARTBEAT_SECONDS, settings.TASK_HEARTBEAT_STALE_SECONDS = 1, 3
    log = tmp_path / "runs.log"
    if idempotent:
        result = tasks_for_tests.slow_idempotent.enqueue(str(log), 4)
    else:
        result = tasks_for_tests.slow_unsafe.enqueue(20)
    worker_args = ("run_worker", "--no-startup-delay", "--interval", "0.2")
    doomed = manage(worker_env, *worker_args, "--slot", "1")
    others = []
    try:
        wait_for(
            lambda: DBTaskResult.objects.filter(id=result.id, status=TaskResultStatus.RUNNING).exists(),
            60,
            "the first worker to start the task",
        )
        others = [manage(worker_env, *worker_args, "--slot", str(n)) for n in (2, 3)]
        time.sleep(1)
        doomed.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        doomed.wait()

        # What each scheduler does every TASK_RECOVERY_SECONDS, here every half second.
        def recovered():
            background.recover_stale_tasks()
            return DBTaskResult.objects.filter(id=result.id, status=TaskResultStatus.FAILED).exists()

        wait_for(recovered, 30, "recovery")
        recovery_time = time.monotonic() - killed_at
        lost = DBTaskResult.objects.get(id=result.id)
        assert "test-host:1 stopped sending heartbeats" in lost.traceback
        # Stale after 3 s of silence, plus at most one heartbeat and one recovery pass.
        assert recovery_time < 3 + 1 + 2

        if idempotent:
            retry = wait_for(
                lambda: DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).first(), 60, "the re-run"
            )
            assert retry.task_path == lost.task_path and retry.worker_ids[-1] in {"test-host:2", "test-host:3"}
            (first, second) = runs(log)
            assert first[1] is None  # killed
            assert second[0] > first[0] and second[1] is not None  # one run at a time
        else:
            assert not DBTaskResult.objects.exclude(id=result.id).exists()
            assert BackgroundAlert.objects.get().task_result_id == str(result.id)
    finally:
        for process in [doomed, *others]:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def task_status(env, task_id: str) -> str:
    url = env["DATABASE_URL"]
    if url.startswith("sqlite"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            table = DBTaskResult._meta.db_table
            query = f"SELECT status FROM {table} WHERE id = ?"
            return db.execute(query, [task_id.replace("-", "")]).fetchone()[0]
        finally:
            db.close()
    return DBTaskResult.objects.get(id=task_id).status


def enqueue_in(env, code: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return out.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("seconds", "stop_timeout", "finished"), [(3, 30, True), (60, 2, False)], ids=["finishes", "left"]
)
def test_serve_stops_with_one_signal_and_the_running_task_finishes_or_is_reported(
    worker_env, tmp_path, seconds, stop_timeout, finished
):
    env = {**worker_env, "TASK_STOP_TIMEOUT": str(stop_timeout)}
    log = tmp_path / "runs.log"
    # Ahead of the scheduler's first-start jobs: higher priority.
    task_id = enqueue_in(
        env,
        "from aftercare.core.tests.tasks_for_tests import slow_idempotent as t\n"
        f"print(t.using(priority=50).enqueue({json.dumps(str(log))}, {seconds}).id)",
    )
    serve = manage(
        env, "serve", "--no-demo", "--port", str(free_port()), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(lambda: runs(log), 120, "the worker to start the task")
        serve.send_signal(signal.SIGTERM)  # what systemd, Docker or one Ctrl-C sends
        out, _ = serve.communicate(timeout=stop_timeout + 60)
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
    assert serve.returncode == 0, out
    assert "Stopped." in out
    if finished:
        assert "No task was left unfinished." in out
        assert runs(log)[0][1] is not None
        assert task_status(env, task_id) == TaskResultStatus.SUCCESSFUL
    else:
        assert f"NOT FINISHED: task aftercare.core.tests.tasks_for_tests.slow_idempotent ({task_id})" in out
        assert "re-queued as" in out
        assert task_status(env, task_id) == TaskResultStatus.FAILED
