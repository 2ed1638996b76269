"""The task worker: django_tasks_db's `db_worker` with a stable id and a heartbeat.

Run one per process slot on each machine: `manage.py run_worker --slot 1`, `--slot 2`, ... The id is
`<host>:<slot>`, so a restarted worker recognises the tasks its previous life left RUNNING and hands
them to recovery at once. A heartbeat thread writes `WorkerHeartbeat.last_seen` every
WORKER_HEARTBEAT_SECONDS; if it finds that recovery has meanwhile marked its running task failed
(over its max run time), it stops the process, so a re-queued copy never runs beside it.
"""

import logging
import os
import sys
import threading

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from aftercare.core import background
from aftercare.core.models import WorkerHeartbeat

logger = logging.getLogger("aftercare.core.worker")


class HeartbeatWorker(Worker):
    def __init__(self, *, heartbeat_seconds: float, slot: int, **kwargs):
        super().__init__(**kwargs)
        self.heartbeat_seconds = heartbeat_seconds
        self.slot = slot
        self.current_id = ""
        self._stop_beating = threading.Event()

    def run(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "host": background.host_name(),
                "slot": self.slot,
                "pid": os.getpid(),
                "queues": ",".join(self.queue_names)[:200],
                "started_at": now,
                "last_seen": now,
                "stopped_at": None,
                "task_result_id": "",
            },
        )
        self.recover_own_orphans()
        beater = threading.Thread(target=self.beat, name="heartbeat", daemon=True)
        beater.start()
        try:
            super().run()
        finally:
            self._stop_beating.set()
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
                stopped_at=timezone.now(), last_seen=timezone.now(), task_result_id=""
            )

    def recover_own_orphans(self) -> None:
        """Tasks this worker id was running when its previous process died."""
        for db_result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
            if db_result.worker_ids and db_result.worker_ids[-1] == self.worker_id:
                reason = f"Worker {self.worker_id} restarted while running it."
                if background._mark_lost(db_result, reason):
                    background.retry_or_alert(db_result, reason=reason)

    def beat(self) -> None:
        try:
            while not self._stop_beating.wait(self.heartbeat_seconds):
                try:
                    self.beat_once()
                except Exception:
                    # A missed beat (database briefly unavailable) must not end the heartbeat.
                    logger.exception("Heartbeat of %s failed", self.worker_id)
        finally:
            connection.close()

    def beat_once(self) -> None:
        current = self.current_id
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
            last_seen=timezone.now(), task_result_id=current
        )
        if not current:
            return
        # Only recovery's mark counts: the task finishing here also ends RUNNING, just before
        # current_id is cleared.
        lost = DBTaskResult.objects.filter(
            id=current, status=TaskResultStatus.FAILED, exception_class_path=background.LOST
        ).exists()
        if lost and self.current_id == current:
            logger.error("Task %s was failed by recovery while running here; stopping.", current)
            os._exit(3)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        self.current_id = str(db_task_result.id)
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
            last_seen=timezone.now(), task_result_id=self.current_id
        )
        try:
            super().run_task(db_task_result)
        finally:
            self.current_id = ""


class Command(DbWorkerCommand):
    help = "Run a task worker with a stable id (host:slot) and a heartbeat."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--slot",
            type=int,
            default=int(os.environ.get("WORKER_SLOT") or 1),
            help="This worker's process slot on this machine (1, 2, ...); the id is <host>:<slot>.",
        )

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        slot: int,
        **options,
    ) -> None:
        self.configure_logging(verbosity)
        # The library's default id is random per process; ours is stable unless given explicitly.
        explicit = any(arg.startswith("--worker-id") for arg in sys.argv)
        worker = HeartbeatWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id if explicit else background.worker_identity(slot),
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
            heartbeat_seconds=settings.WORKER_HEARTBEAT_SECONDS,
            slot=slot,
        )
        # No autoreload: a reload would kill the running task without a clean stop.
        worker.configure_signals()
        worker.run()
