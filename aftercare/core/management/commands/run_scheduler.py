import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from aftercare.core.background import recover_stale_tasks
from aftercare.core.scheduling import run_due_jobs

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Enqueue the scheduled tasks (backups, follow-up generation, ...) when they fall due, re-run "
        "failed slots, and recover tasks whose worker died."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=30.0, help="Seconds between checks.")
        parser.add_argument(
            "--recovery-interval",
            type=float,
            default=None,
            help="Seconds between looks for stale running tasks (default TASK_RECOVERY_SECONDS).",
        )
        parser.add_argument("--once", action="store_true", help="Check once and exit (for cron).")

    def handle(self, *args, interval: float, recovery_interval: float | None, once: bool, **options):
        running = True
        recovery_every = settings.TASK_RECOVERY_SECONDS if recovery_interval is None else recovery_interval
        next_recovery = 0.0

        def stop(signum, frame):
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while running:
            # Recovery first: a stuck scheduled task is failed here and its slot re-run below.
            if time.monotonic() >= next_recovery:
                try:
                    for task_id in recover_stale_tasks():
                        self.stdout.write(f"recovered {task_id}")
                except Exception:
                    logger.exception("Recovery of stale tasks failed")
                next_recovery = time.monotonic() + recovery_every
            for name in run_due_jobs():
                self.stdout.write(f"enqueued {name}")
            if once:
                break
            deadline = time.monotonic() + min(interval, recovery_every)
            while running and time.monotonic() < deadline:
                time.sleep(0.2)
