import signal
import time

from django.core.management.base import BaseCommand

from aftercare.core.scheduling import run_due_jobs


class Command(BaseCommand):
    help = "Enqueue the daily scheduled tasks (backups, follow-up generation, ...) when they fall due."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=30.0, help="Seconds between checks.")
        parser.add_argument("--once", action="store_true", help="Check once and exit (for cron).")

    def handle(self, *args, interval: float, once: bool, **options):
        running = True

        def stop(signum, frame):
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while running:
            for name in run_due_jobs():
                self.stdout.write(f"enqueued {name}")
            if once:
                break
            deadline = time.monotonic() + interval
            while running and time.monotonic() < deadline:
                time.sleep(0.5)
