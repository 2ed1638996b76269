"""The health of background work, read once for the admin page and the monitoring endpoint."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from django_tasks.base import TaskResultStatus

from . import background
from .models import BackgroundAlert, RestoreDrill, WorkerHeartbeat
from .scheduling import job_health

# A task waiting this long for a worker means no worker serves its queue (or all are busy).
WAITING_TOO_LONG = timedelta(minutes=15)


def background_health(now=None) -> dict:
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    results = DBTaskResult.objects
    waiting = results.ready()
    queues = list(
        results.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        .values("queue_name", "status")
        .annotate(count=Count("id"))
        .order_by("queue_name", "status")
    )
    oldest = waiting.aggregate(oldest=Min("enqueued_at"))["oldest"]
    workers = list(WorkerHeartbeat.objects.order_by("host", "slot"))
    stale_after = timedelta(seconds=settings.TASK_HEARTBEAT_STALE_SECONDS)
    for worker in workers:
        worker.alive = worker.stopped_at is None and worker.last_seen >= now - stale_after
    beats = {worker.worker_id: worker for worker in workers}
    running = []
    for row in results.filter(status=TaskResultStatus.RUNNING).order_by("started_at"):
        running.append(
            {
                "id": str(row.id),
                "task": row.task_path.rsplit(".", 1)[-1],
                "worker": row.worker_ids[-1] if row.worker_ids else "",
                "started_at": row.started_at,
                "age": now - (row.started_at or row.enqueued_at),
                "stuck": background.stale_reason(row, beats, now),
            }
        )
    failures = [
        {
            "id": str(row.id),
            "task": row.task_path.rsplit(".", 1)[-1],
            "finished_at": row.finished_at,
            "reason": _reason(row),
        }
        for row in results.filter(status=TaskResultStatus.FAILED, finished_at__gte=now - timedelta(days=1)).order_by(
            "-finished_at"
        )[:50]
    ]
    jobs = job_health(now)
    alerts = list(BackgroundAlert.objects.filter(acknowledged_at=None).order_by("-created_at")[:50])
    problems = [f"job {job['name']} is overdue (slot {job['slot']})" for job in jobs if job["overdue"]]
    problems += [f"task {task['task']} {task['id']} is stuck: {task['stuck']}" for task in running if task["stuck"]]
    if oldest is not None and now - oldest > WAITING_TOO_LONG:
        problems.append(f"a task has waited since {timezone.localtime(oldest):%Y-%m-%d %H:%M} for a worker")
    if not any(worker.alive for worker in workers):
        problems.append("no worker is sending heartbeats")
    problems += [f"alert: {a.subject}" for a in alerts]
    return {
        "now": now,
        "queues": queues,
        "oldest_waiting": oldest,
        "running": running,
        "failures": failures,
        "jobs": jobs,
        "workers": workers,
        "alerts": alerts,
        "drills": list(RestoreDrill.objects.order_by("-ran_at")[:6]),
        "problems": problems,
    }


def _reason(row) -> str:
    if row.exception_class_path == background.LOST:
        return row.traceback
    lines = [line for line in row.traceback.strip().splitlines() if line.strip()]
    return lines[-1] if lines else row.exception_class_path


def health_json(report: dict) -> dict:
    """What monitoring gets: no task arguments, no personal data."""
    return {
        "status": "fail" if report["problems"] else "ok",
        "problems": report["problems"],
        "oldest_waiting": report["oldest_waiting"].isoformat() if report["oldest_waiting"] else None,
        "running": len(report["running"]),
        "failures_last_day": len(report["failures"]),
        "workers_alive": sum(1 for worker in report["workers"] if worker.alive),
        "jobs": {
            job["name"]: {
                "last_success": job["last_success"].isoformat() if job["last_success"] else None,
                "overdue": job["overdue"],
            }
            for job in report["jobs"]
        },
        "last_restore_drill": (
            {"at": report["drills"][0].ran_at.isoformat(), "ok": report["drills"][0].ok} if report["drills"] else None
        ),
    }
