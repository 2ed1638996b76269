"""The scheduler: enqueues settings.SCHEDULED_TASKS once per slot, and re-runs a slot that failed.

A job is daily ("at": "HH:MM" local time), monthly ("at" plus "day": day of the month) or periodic
("every_minutes": N). Any number of scheduler processes may run; the unique (name, slot) row makes
exactly one of them enqueue each slot, in the same transaction as the enqueue.

* Only the **latest** slot of a job is ever enqueued: after downtime (or on first start) a daily job
  runs once for its most recent missed time, not once per missed day.
* Catch-up runs found in one pass are spread SCHEDULE_SPREAD_SECONDS apart instead of all at once.
* A daily or monthly slot whose run failed or was lost is enqueued again, with the task's backoff,
  until it succeeds or its retries are used up; then an admin is alerted (core.background.alert).
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import TaskResultStatus

from . import background
from .models import ScheduledRun

logger = logging.getLogger(__name__)

# A slot claimed this long after its time is a catch-up run (downtime, first start).
LATE = timedelta(minutes=2)


def latest_slot(job: dict, now: datetime) -> tuple[str, datetime]:
    """The most recent slot of `job` at or before `now`: (slot key, the slot's time)."""
    if "every_minutes" in job:
        minutes = int(job["every_minutes"])
        interval = int(now.timestamp() // 60) // minutes
        start = datetime.fromtimestamp(interval * minutes * 60, tz=now.tzinfo or timezone.get_current_timezone())
        return f"every{minutes}:{interval}", start
    local = timezone.localtime(now)
    hour, minute = (int(part) for part in job["at"].split(":"))
    at = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if "day" in job:
        at = at.replace(day=int(job["day"]))
        if at > local:
            previous_month = at.replace(day=1) - timedelta(days=1)
            at = previous_month.replace(day=int(job["day"]))
    elif at > local:
        at = timezone.localtime(at - timedelta(days=1)).replace(hour=hour, minute=minute)
    return at.date().isoformat(), at


def due_slots(now: datetime) -> list[tuple[dict, str, datetime]]:
    return [(job, *latest_slot(job, now)) for job in settings.SCHEDULED_TASKS]


def _enqueue(job: dict, run_after: datetime | None):
    task = import_string(job["task"])
    if run_after is not None and task.get_backend().supports_defer:
        task = task.using(run_after=run_after)
    return task.enqueue()


def _record_immediate_outcome(run: ScheduledRun, result) -> None:
    # A backend that runs tasks at once (tests, development) has the outcome already.
    if result.status == TaskResultStatus.SUCCESSFUL:
        run.succeeded_at = timezone.now()


def run_due_jobs(now: datetime | None = None) -> list[str]:
    """Enqueue every job whose latest slot is not yet enqueued, re-run failed slots; return names."""
    now = now or timezone.now()
    enqueued = []
    late = 0
    for job, slot, at in due_slots(now):
        if ScheduledRun.objects.filter(name=job["name"], slot=slot).exists():
            continue
        run_after = None
        if now - at > LATE:
            run_after = now + timedelta(seconds=settings.SCHEDULE_SPREAD_SECONDS * late)
            late += 1
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(name=job["name"], slot=slot)
                result = _enqueue(job, run_after)
                run.task_result_id = str(result.id)
                _record_immediate_outcome(run, result)
                run.save(update_fields=["task_result_id", "succeeded_at"])
        except IntegrityError:
            # Another scheduler claimed this slot between our check and insert.
            continue
        logger.info("Enqueued %s for %s", job["name"], slot)
        enqueued.append(job["name"])
    enqueued += rerun_failed_slots(now)
    return enqueued


def _outcome(task_result_id: str):
    """(status, finished_at) of a run; (FAILED, None) if its result is gone (lost)."""
    from django_tasks_db.models import DBTaskResult

    row = DBTaskResult.objects.filter(id=task_result_id).values_list("status", "finished_at").first()
    return row or (TaskResultStatus.FAILED, None)


def rerun_failed_slots(now: datetime) -> list[str]:
    """Record finished runs; enqueue again a current daily/monthly slot whose run failed or was lost."""
    jobs = {job["name"]: job for job in settings.SCHEDULED_TASKS}
    current = {name: latest_slot(job, now)[0] for name, job in jobs.items()}
    open_runs = ScheduledRun.objects.filter(
        succeeded_at=None, gave_up_at=None, name__in=list(jobs), enqueued_at__gte=now - timedelta(days=62)
    )
    rerun = []
    for run in open_runs:
        status, finished_at = _outcome(run.task_result_id) if run.task_result_id else (TaskResultStatus.READY, None)
        if status == TaskResultStatus.SUCCESSFUL:
            ScheduledRun.objects.filter(pk=run.pk, succeeded_at=None).update(succeeded_at=finished_at or now)
            continue
        if status != TaskResultStatus.FAILED:
            continue  # waiting or running; recovery fails it if it is stuck
        job = jobs[run.name]
        if "every_minutes" in job or run.slot != current[run.name]:
            # A periodic job's next interval is its retry; an old slot is superseded by the latest.
            ScheduledRun.objects.filter(pk=run.pk).update(gave_up_at=now)
            continue
        policy = background.policy_for(job["task"])
        if finished_at is not None and now < finished_at + policy.delay(run.attempts):
            continue
        with transaction.atomic():
            locked = ScheduledRun.objects.select_for_update().filter(pk=run.pk, task_result_id=run.task_result_id)
            locked = locked.filter(succeeded_at=None, gave_up_at=None).first()
            if locked is None:
                continue  # another scheduler got there first
            if locked.attempts > policy.retries:
                locked.gave_up_at = now
                locked.save(update_fields=["gave_up_at"])
                background.alert(
                    f"{job['name']} failed for {run.slot}",
                    f"The scheduled job {job['name']} failed {locked.attempts} times for its slot {run.slot} "
                    "and will not be tried again until its next slot. See the failed tasks on this page.",
                    task_result_id=run.task_result_id,
                )
                continue
            result = _enqueue(job, None)
            locked.task_result_id = str(result.id)
            locked.attempts += 1
            _record_immediate_outcome(locked, result)
            locked.save(update_fields=["task_result_id", "attempts", "succeeded_at"])
        logger.warning("Re-running %s for %s (attempt %s)", job["name"], run.slot, locked.attempts)
        rerun.append(job["name"])
    return rerun


def job_health(now: datetime | None = None) -> list[dict]:
    """Each scheduled job: its latest slot, whether that slot succeeded, its last success, overdue."""
    now = now or timezone.now()
    grace = timedelta(minutes=settings.SCHEDULE_OVERDUE_MINUTES)
    rows = []
    for job in settings.SCHEDULED_TASKS:
        slot, at = latest_slot(job, now)
        runs = ScheduledRun.objects.filter(name=job["name"])
        run = runs.filter(slot=slot).first()
        last_success = runs.exclude(succeeded_at=None).order_by("-succeeded_at").first()
        if "every_minutes" in job:
            # Overdue when no run has succeeded for three intervals although runs have been due.
            window = timedelta(minutes=3 * int(job["every_minutes"]))
            since = now - window
            recent = last_success is not None and last_success.succeeded_at >= since
            overdue = not recent and runs.filter(enqueued_at__lt=since).exists()
        else:
            overdue = (run is None or run.succeeded_at is None) and now - at > grace
        rows.append(
            {
                "name": job["name"],
                "schedule": job.get("at") or f"{job['every_minutes']} min",
                "slot": slot,
                "slot_time": at,
                "run": run,
                "last_success": last_success.succeeded_at if last_success else None,
                "overdue": overdue,
            }
        )
    return rows
