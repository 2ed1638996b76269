"""The scheduler: enqueues settings.SCHEDULED_TASKS once per day or once per interval.

Any number of scheduler processes may run; the unique (name, slot) row makes
exactly one of them enqueue each day's run.
"""

import logging
from datetime import datetime, time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import ScheduledRun

logger = logging.getLogger(__name__)


def due_slots(now: datetime) -> list[tuple[dict, str]]:
    """The (job, slot) pairs that are due now. A daily job ("at": "HH:MM") has
    one slot per local date once its time has come; a periodic job
    ("every_minutes": N) one slot per N-minute interval."""
    local = timezone.localtime(now)
    due = []
    for job in settings.SCHEDULED_TASKS:
        if "every_minutes" in job:
            interval = int(now.timestamp() // 60) // job["every_minutes"]
            due.append((job, f"every{job['every_minutes']}:{interval}"))
            continue
        hour, minute = (int(part) for part in job["at"].split(":"))
        if local.time() >= time(hour, minute):
            due.append((job, local.date().isoformat()))
    return due


def run_due_jobs(now: datetime | None = None) -> list[str]:
    """Enqueue every due job not yet enqueued for its slot; return their names."""
    now = now or timezone.now()
    enqueued = []
    for job, slot in due_slots(now):
        if ScheduledRun.objects.filter(name=job["name"], slot=slot).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(name=job["name"], slot=slot)
                result = import_string(job["task"]).enqueue()
                run.task_result_id = str(result.id)
                run.save(update_fields=["task_result_id"])
        except IntegrityError:
            # Another scheduler claimed this slot between our check and insert.
            continue
        logger.info("Enqueued %s for %s", job["name"], slot)
        enqueued.append(job["name"])
    return enqueued
