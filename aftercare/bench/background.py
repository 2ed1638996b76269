"""Background work benchmark: `python -m aftercare.bench.background` (docs/PERFORMANCE.md).

On a fresh database (a SQLite file under var/bench/, or DATABASE_URL's server):

* throughput: N trivial tasks enqueued, then 1 and 3 `run_worker --batch` processes drain them;
  tasks per second from the first start to the last finish;
* latency: tasks enqueued one at a time (every 20 ms) while workers run; enqueue-to-done p50/p95;
* recovery: a 30-second idempotent task whose worker is killed three seconds in; the time until
  its re-queued copy has finished on a live worker, with the heartbeat/recovery settings given.

Not part of `make bench` (it takes minutes): run `make bench-tasks`.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def setup(database_url: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "aftercare.settings",
        "DEBUG": "0",
        "TASKS_BACKEND": "",
        "WORKER_HEARTBEAT_SECONDS": os.environ.get("WORKER_HEARTBEAT_SECONDS", "2"),
        "TASK_HEARTBEAT_STALE_SECONDS": os.environ.get("TASK_HEARTBEAT_STALE_SECONDS", "10"),
        "TASK_RECOVERY_SECONDS": os.environ.get("TASK_RECOVERY_SECONDS", "5"),
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return env


def clear() -> None:
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()


def worker(env: dict, slot: int, *extra: str) -> subprocess.Popen:
    args = ["run_worker", "--no-startup-delay", "--interval", "0.05", "--slot", str(slot), "-v0", *extra]
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env)  # noqa: S603


def workers(env: dict, count: int, *extra: str) -> list[subprocess.Popen]:
    return [worker(env, slot, *extra) for slot in range(1, count + 1)]


def throughput(env: dict, tasks: int, count: int) -> dict:
    from django.db.models import Max, Min
    from django_tasks_db.models import DBTaskResult

    from .background_tasks import trivial

    clear()
    started = time.perf_counter()
    for _ in range(tasks):
        trivial.enqueue()
    enqueue_seconds = time.perf_counter() - started
    for process in workers(env, count, "--batch"):
        process.wait()
    done = DBTaskResult.objects.filter(status="SUCCESSFUL")
    span = done.aggregate(first=Min("started_at"), last=Max("finished_at"))
    seconds = (span["last"] - span["first"]).total_seconds()
    return {
        "workers": count,
        "tasks": tasks,
        "done": done.count(),
        "enqueue_per_second": round(tasks / enqueue_seconds),
        "seconds": round(seconds, 2),
        "per_second": round(done.count() / seconds),
    }


def latency(env: dict, tasks: int, count: int) -> dict:
    from django_tasks_db.models import DBTaskResult

    from .background_tasks import trivial

    clear()
    running = workers(env, count)
    time.sleep(5)  # workers up
    try:
        for _ in range(tasks):
            trivial.enqueue()
            time.sleep(0.02)
        deadline = time.monotonic() + 120
        while DBTaskResult.objects.exclude(status="SUCCESSFUL").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        for process in running:
            process.send_signal(signal.SIGTERM)
            process.wait()
    waits = sorted(
        (finished - enqueued).total_seconds() * 1000
        for enqueued, finished in DBTaskResult.objects.filter(status="SUCCESSFUL").values_list(
            "enqueued_at", "finished_at"
        )
    )
    return {
        "workers": count,
        "tasks": len(waits),
        "p50_ms": round(statistics.median(waits), 1),
        "p95_ms": round(waits[int(len(waits) * 0.95) - 1], 1),
    }


def recovery(env: dict) -> dict:
    from django_tasks_db.models import DBTaskResult

    from .background_tasks import sleepy

    clear()
    result = sleepy.enqueue(30)
    doomed = workers(env, 1)[0]
    while not DBTaskResult.objects.filter(id=result.id, status="RUNNING").exists():
        time.sleep(0.1)
    time.sleep(3)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    killed = time.perf_counter()
    # The re-run is a short task: measure recovery, not the task's own 30 seconds.
    DBTaskResult.objects.filter(id=result.id).update(args_kwargs={"args": [0.01], "kwargs": {}})
    from aftercare.core.background import recover_stale_tasks

    helpers = [worker(env, 2)]
    every = int(env["TASK_RECOVERY_SECONDS"])
    next_recovery = time.perf_counter()
    try:
        marked = None
        while True:
            # What every scheduler does each TASK_RECOVERY_SECONDS (run here, without the scheduler's
            # first-start jobs competing for the worker).
            if time.perf_counter() >= next_recovery:
                recover_stale_tasks()
                next_recovery += every
            if marked is None and DBTaskResult.objects.filter(id=result.id, status="FAILED").exists():
                marked = time.perf_counter() - killed
            if DBTaskResult.objects.filter(status="SUCCESSFUL").exists():
                break
            time.sleep(0.1)
        done = time.perf_counter() - killed
    finally:
        for process in helpers:
            process.send_signal(signal.SIGTERM)
            process.wait()
    return {
        "heartbeat_s": int(env["WORKER_HEARTBEAT_SECONDS"]),
        "stale_s": int(env["TASK_HEARTBEAT_STALE_SECONDS"]),
        "recovery_interval_s": int(env["TASK_RECOVERY_SECONDS"]),
        "marked_failed_s": round(marked, 1),
        "rerun_done_s": round(done, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--latency-tasks", type=int, default=500)
    parser.add_argument("--skip-recovery", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or ""
    if not url:
        path = ROOT / "var" / "bench" / "background.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path}"
    env = setup(url)
    from django.db import connection

    report = {"database": connection.vendor, "throughput": [], "latency": []}
    for count in (1, 3):
        report["throughput"].append(throughput(env, args.tasks, count))
        print(json.dumps(report["throughput"][-1]), flush=True)
    for count in (1, 3):
        report["latency"].append(latency(env, args.latency_tasks, count))
        print(json.dumps(report["latency"][-1]), flush=True)
    if not args.skip_recovery:
        report["recovery"] = recovery(env)
        print(json.dumps(report["recovery"]), flush=True)
    out = ROOT / "var" / "bench" / f"background-{connection.vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
