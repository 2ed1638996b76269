import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

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

    def handle(self, *args, host, port, no_demo, threads, **options):
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
            "worker": [*manage, "db_worker", "--interval", "1"],
            "scheduler": [*manage, "run_scheduler"],
        }
        # The commands are our own constants, not user input.
        processes = {name: subprocess.Popen(cmd, cwd=settings.BASE_DIR) for name, cmd in commands.items()}  # noqa: S603
        self.stdout.write(self.style.SUCCESS(f"\nAfterCare is running at http://{host}:{port}/"))
        if settings.DEMO_MODE:
            self.stdout.write(
                f"Demo logins (password {settings.DEMO_PASSWORD}): "
                "advisor tech foreman parts cashier care manager vic admin"
            )
        self.stdout.write("Press Ctrl-C to stop.\n")

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} exited with {process.returncode}; stopping.")
                        stopping = True
                time.sleep(0.5)
        finally:
            # Children share our terminal and got the Ctrl-C too; make sure they end.
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
            for process in processes.values():
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
            self.stdout.write("Stopped.")
