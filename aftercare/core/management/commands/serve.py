import os
import signal
import subprocess
import sys
import threading
import time
from importlib import import_module

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from aftercare.core import background
from aftercare.core.models import Store


class Command(BaseCommand):
    help = (
        "Set up and serve AfterCare: migrate, load the demo data into an empty database, "
        "then run the web server, the task worker and the scheduler until Ctrl-C."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data into an empty database.")
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "8")))
        parser.add_argument("--slot", type=int, default=int(os.environ.get("WORKER_SLOT") or 1))

    def handle(self, *args, host, port, no_demo, threads, slot, **options):
        worker_id = background.worker_identity(slot)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not no_demo and not Store.objects.exists():
            self.stdout.write("Loading demo data (first start)…")
            call_command("seed_demo")
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        commands = {
            "web": [
                sys.executable,
                "-m",
                "waitress",
                f"--listen={host}:{port}",
                f"--threads={threads}",
                "aftercare.wsgi:application",
            ],
            "worker": [*manage, "run_worker", "--interval", "1", "--slot", str(slot)],
            "scheduler": [*manage, "run_scheduler"],
        }
        # Each child in its own process group: the terminal's Ctrl-C reaches only `serve`, which then
        # sends each child one SIGTERM. (A second signal makes the worker abandon its task.)
        processes = {
            name: subprocess.Popen(cmd, cwd=settings.BASE_DIR, process_group=0)  # noqa: S603 (our constants)
            for name, cmd in commands.items()
        }
        self.stdout.write(self.style.SUCCESS(f"\nAfterCare is running at http://{host}:{port}/"))
        if settings.DEMO_MODE:
            self.stdout.write(
                f"Demo logins (password {settings.DEMO_PASSWORD}): "
                "advisor tech foreman parts cashier care manager vic admin"
            )
        self.stdout.write("Press Ctrl-C to stop.\n")

        stopping = threading.Event()
        forced = threading.Event()

        def stop(signum, frame):
            if stopping.is_set():
                forced.set()
            stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping.is_set():
            for name, process in processes.items():
                if process.poll() is not None:
                    self.stderr.write(f"{name} exited with {process.returncode}; stopping.")
                    stopping.set()
            stopping.wait(0.5)
        timeout = stop_timeout()
        self.stdout.write(f"Stopping; waiting up to {timeout:g} s for the running task (Ctrl-C again to stop now)…")
        for line in stop_processes(processes, timeout=timeout, worker_id=worker_id, forced=forced):
            self.stdout.write(line)
        self.stdout.write("Stopped.")


def stop_timeout() -> float:
    """TASK_STOP_TIMEOUT, or the longest declared max run time plus a minute."""
    if settings.TASK_STOP_TIMEOUT:
        return float(settings.TASK_STOP_TIMEOUT)
    import_module("aftercare.core.tasks")  # declarations register on import
    return background.longest_max_run().total_seconds() + 60


def stop_processes(processes: dict, *, timeout: float, worker_id: str, forced=None) -> list[str]:
    """One SIGTERM to each child; wait up to `timeout` for all; kill what is left.

    Returns what to tell the operator: whether the worker's running task finished, and if not,
    which task was left and what happens to it (marked failed now, then re-queued or alerted).
    """
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(p.poll() is None for p in processes.values()) and time.monotonic() < deadline:
        if forced is not None and forced.is_set():
            break
        time.sleep(0.2)
    report = []
    for name, process in processes.items():
        if process.poll() is None:
            process.kill()
            process.wait()
            report.append(f"{name} did not stop in time and was killed.")
    report += _left_tasks(worker_id)
    return report


def _left_tasks(worker_id: str) -> list[str]:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    lines = []
    for db_result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        if not db_result.worker_ids or db_result.worker_ids[-1] != worker_id:
            continue
        reason = f"Stopped before it finished (worker {worker_id} was shut down)."
        if background._mark_lost(db_result, reason):
            retried = background.retry_or_alert(db_result, reason=reason)
            then = f"re-queued as {retried}" if retried else "an alert was raised"
            lines.append(f"NOT FINISHED: task {db_result.task_path} ({db_result.id}); marked failed, {then}.")
    if not lines:
        lines.append("No task was left unfinished.")
    return lines
