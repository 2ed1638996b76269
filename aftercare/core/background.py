"""Background work that survives a dead worker: task declarations, retries, recovery, alerts.

Every task is declared with `background_task(idempotent=..., max_run_minutes=...)`: whether running
it twice does no harm, and how long one run may take. With that:

* a task that raises is re-queued with backoff if it is idempotent, up to its retry limit; otherwise
  (or once the limit is reached) an alert is raised;
* `recover_stale_tasks` (called by every scheduler every TASK_RECOVERY_SECONDS) marks failed, with a
  reason, each RUNNING task that has outlived its max run time or whose worker stopped writing its
  heartbeat, and then re-queues or alerts the same way;
* a task enqueued by the scheduler is re-run by the scheduler for its slot (core.scheduling), not here,
  so one slot never has two runs in flight.

An alert is a `BackgroundAlert` row (the background health page lists it) and an ERROR log line.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task as django_task
from django_tasks.base import TaskResultStatus

from .models import BackgroundAlert, ScheduledRun, TaskAttempt, WorkerHeartbeat

logger = logging.getLogger(__name__)

LOST = "aftercare.core.background.TaskLost"


@dataclass(frozen=True)
class TaskPolicy:
    idempotent: bool
    max_run: timedelta
    retries: int
    backoff: timedelta

    def delay(self, attempt: int) -> timedelta:
        """Backoff before retry number `attempt` (1, 2, ...): doubling from `backoff`."""
        return self.backoff * (2 ** max(attempt - 1, 0))


# Undeclared tasks (a library's) are treated as unsafe to repeat: they alert instead of re-running.
DEFAULT_POLICY = TaskPolicy(idempotent=False, max_run=timedelta(hours=1), retries=0, backoff=timedelta(minutes=1))
POLICIES: dict[str, TaskPolicy] = {}


def background_task(
    *,
    idempotent: bool,
    max_run_minutes: float,
    retries: int = 3,
    backoff_seconds: float = 60,
    **task_options,
):
    """`django_tasks.task` plus the declaration recovery and retries need."""

    def decorate(func):
        declared = django_task(**task_options)(func)
        POLICIES[declared.module_path] = TaskPolicy(
            idempotent=idempotent,
            max_run=timedelta(minutes=max_run_minutes),
            retries=retries if idempotent else 0,
            backoff=timedelta(seconds=backoff_seconds),
        )
        return declared

    return decorate


def policy_for(task_path: str) -> TaskPolicy:
    if task_path not in POLICIES:
        # Importing the task registers its declaration (the scheduler may not have imported it yet).
        try:
            import_string(task_path)
        except ImportError:
            pass
    return POLICIES.get(task_path, DEFAULT_POLICY)


def longest_max_run() -> timedelta:
    return max((p.max_run for p in POLICIES.values()), default=DEFAULT_POLICY.max_run)


def host_name() -> str:
    return (settings.WORKER_HOST or socket.gethostname())[:60]


def worker_identity(slot: int) -> str:
    """Stable across restarts: the same machine and process slot get the same id."""
    return f"{host_name()}:{slot}"


def alert(subject: str, message: str, *, task_result_id: str = "") -> BackgroundAlert:
    logger.error("Background alert: %s: %s", subject, message)
    return BackgroundAlert.objects.create(
        subject=subject[:200], message=message[:4000], task_result_id=str(task_result_id)
    )


def _db_results():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects


def attempt_of(task_result_id) -> int:
    """1 for a first run, 2 for its first retry, ..."""
    row = TaskAttempt.objects.filter(task_result_id=str(task_result_id)).first()
    return row.attempt if row else 1


def requeue(db_result, *, reason: str, delay: timedelta) -> str:
    """Enqueue the same task with the same arguments after `delay`; return the new result's id."""
    task = import_string(db_result.task_path).using(queue_name=db_result.queue_name, priority=db_result.priority)
    if task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + delay)
    args = db_result.args_kwargs
    with transaction.atomic():
        new = task.enqueue(*args["args"], **args["kwargs"])
        TaskAttempt.objects.create(
            task_result_id=str(new.id),
            previous_id=str(db_result.id),
            attempt=attempt_of(db_result.id) + 1,
            reason=reason[:500],
        )
    logger.warning("Re-queued %s (%s) as %s: %s", db_result.task_path, db_result.id, new.id, reason)
    return str(new.id)


def retry_or_alert(db_result, *, reason: str, min_delay: timedelta = timedelta(0)) -> str | None:
    """A task ended badly: re-queue it if that is safe and allowed, alert otherwise.

    Tasks the scheduler enqueued are left to the scheduler, which re-runs their slot.
    """
    if ScheduledRun.objects.filter(task_result_id=str(db_result.id)).exists():
        return None
    policy = policy_for(db_result.task_path)
    attempt = attempt_of(db_result.id)
    if policy.idempotent and attempt <= policy.retries:
        return requeue(db_result, reason=reason, delay=max(policy.delay(attempt), min_delay))
    why = "it is not safe to run twice" if not policy.idempotent else f"it failed {attempt} times"
    alert(
        f"{db_result.task_path.rsplit('.', 1)[-1]} failed",
        f"{reason} Not re-run automatically: {why}. Task {db_result.id}, arguments {db_result.args_kwargs}.",
        task_result_id=str(db_result.id),
    )
    return None


def on_task_finished(sender, task_result, **kwargs) -> None:
    """A task that raised: retry or alert (connected to django_tasks' task_finished)."""
    from django_tasks_db.backend import DatabaseBackend

    if task_result.status != TaskResultStatus.FAILED or not issubclass(sender, DatabaseBackend):
        return
    db_result = _db_results().filter(id=task_result.id).first()
    if db_result is None or db_result.exception_class_path == LOST:
        return
    error = db_result.exception_class_path.rsplit(".", 1)[-1]
    try:
        retry_or_alert(db_result, reason=f"It raised {error}.")
    except Exception:
        logger.exception("Could not re-queue or alert for task %s", task_result.id)


def _mark_lost(db_result, reason: str) -> bool:
    """RUNNING → FAILED with the reason, only if nobody changed it meanwhile."""
    return bool(
        _db_results()
        .filter(id=db_result.id, status=TaskResultStatus.RUNNING, started_at=db_result.started_at)
        .update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            exception_class_path=LOST,
            traceback=reason,
            return_value=None,
        )
    )


def stale_reason(db_result, heartbeats: dict[str, WorkerHeartbeat], now) -> str | None:
    policy = policy_for(db_result.task_path)
    stale_after = timedelta(seconds=settings.TASK_HEARTBEAT_STALE_SECONDS)
    worker_id = db_result.worker_ids[-1] if db_result.worker_ids else ""
    started = db_result.started_at or db_result.enqueued_at
    if started + policy.max_run < now:
        minutes = policy.max_run.total_seconds() / 60
        return f"It ran longer than its maximum of {minutes:g} minutes on worker {worker_id}."
    beat = heartbeats.get(worker_id)
    if beat is not None and beat.last_seen < now - stale_after:
        seen = timezone.localtime(beat.last_seen)
        return f"Worker {worker_id} stopped sending heartbeats at {seen:%Y-%m-%d %H:%M:%S}."
    return None


def recover_stale_tasks(now=None) -> list[str]:
    """Mark stale RUNNING tasks failed with a reason; re-queue or alert. Return the recovered ids.

    Safe to run from several schedulers at once: a task is claimed by the conditional UPDATE that
    marks it failed, so only one of them re-queues it.
    """
    now = now or timezone.now()
    running = list(_db_results().filter(status=TaskResultStatus.RUNNING))
    if not running:
        return []
    ids = {r.worker_ids[-1] for r in running if r.worker_ids}
    heartbeats = {b.worker_id: b for b in WorkerHeartbeat.objects.filter(worker_id__in=ids)}
    heartbeat = timedelta(seconds=settings.WORKER_HEARTBEAT_SECONDS)
    recovered = []
    for db_result in running:
        reason = stale_reason(db_result, heartbeats, now)
        if reason is None or not _mark_lost(db_result, reason):
            continue
        recovered.append(str(db_result.id))
        # A worker that is alive but over time stops itself at its next heartbeat, when it sees
        # the task is no longer RUNNING; the retry waits for that, so the task never runs twice
        # at the same time.
        retry_or_alert(db_result, reason=reason, min_delay=heartbeat * 3)
    return recovered


def prune_task_results(now=None) -> int:
    """Delete finished task results older than TASK_RESULT_KEEP_DAYS, with their bookkeeping."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.TASK_RESULT_KEEP_DAYS)
    old = _db_results().filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED], finished_at__lt=cutoff
    )
    deleted, _ = old.delete()
    TaskAttempt.objects.filter(created_at__lt=cutoff).delete()
    # A monthly job's slot row must outlive the month, or its slot would look missed again.
    ScheduledRun.objects.filter(enqueued_at__lt=min(cutoff, now - timedelta(days=62))).delete()
    BackgroundAlert.objects.filter(acknowledged_at__lt=cutoff).delete()
    WorkerHeartbeat.objects.filter(last_seen__lt=cutoff).delete()
    return deleted


def alert_acknowledge(*, actor, alert_id: int) -> bool:
    """An admin has seen the alert: it leaves the health page (and stops failing /health/)."""
    from .audit import audit_record
    from .models import AuditEntry

    with transaction.atomic():
        alert_row = BackgroundAlert.objects.select_for_update().filter(pk=alert_id, acknowledged_at=None).first()
        if alert_row is None:
            return False
        alert_row.acknowledged_at = timezone.now()
        alert_row.save(update_fields=["acknowledged_at"])
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, object_repr=f"alert:{alert_row.pk}", reason=alert_row.subject
        )
    return True
