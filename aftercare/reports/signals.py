"""Keeping the daily figures current (docs/DOMAIN.md §18.3): the domain apps' saves are Django's own
post_save / post_delete signals, so no domain app knows about reports. Each save notes the store and
local days it touches; once the transaction commits, those days are recomputed from the source by a
background task (immediately in tests). A rolled-back transaction's days are recomputed with the next
commit, and the nightly job recomputes every day anyway."""

import threading
from datetime import timedelta

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

_pending = threading.local()


def _days_of(*moments):
    for moment in moments:
        if moment is not None:
            yield timezone.localdate(moment)


def touch(store_id, *days) -> None:
    """Recompute these days of this store (an id, or ("job", job id) resolved at commit) after the
    current transaction commits."""
    if not store_id:
        return
    keys = getattr(_pending, "keys", None)
    if keys is None:
        keys = _pending.keys = set()
    keys.update((store_id, day) for day in days if day is not None)
    # Registered at every touch, not only for a new day: a flush registered in a transaction (or
    # savepoint) that rolled back is gone, while its days are still pending here. After the commit
    # the first flush takes every pending day and the others find none.
    transaction.on_commit(_flush)


def _flush() -> None:
    keys = getattr(_pending, "keys", None)
    if not keys:
        return
    _pending.keys = set()
    from aftercare.workshop.models import Job

    from .tasks import figures_refresh

    job_ids = {store[1] for store, _day in keys if isinstance(store, tuple)}
    job_stores = dict(Job.objects.filter(pk__in=job_ids).values_list("pk", "store_id")) if job_ids else {}
    resolved = {
        (job_stores.get(store[1]) if isinstance(store, tuple) else store, day.isoformat()) for store, day in keys
    }
    figures_refresh.enqueue(sorted([store_id, day] for store_id, day in resolved if store_id))


def _order_saved(sender, instance, **kwargs):
    touch(instance.store_id, *_days_of(instance.opened_at, instance.closed_at))


def _payment_saved(sender, instance, **kwargs):
    touch(instance.store_id, *_days_of(instance.posted_at))


def _clock_saved(sender, instance, **kwargs):
    start = timezone.localdate(instance.started_at)
    end = timezone.localdate(instance.ended_at or timezone.now())
    days = [start + timedelta(days=n) for n in range(min((end - start).days, 31) + 1)]
    from aftercare.workshop.models import JobClock

    cached = JobClock.job.is_cached(instance)
    touch(instance.job.store_id if cached else ("job", instance.job_id), *days)


def _job_saved(sender, instance, **kwargs):
    touch(instance.store_id, *_days_of(instance.finished_at))


def _survey_saved(sender, instance, **kwargs):
    touch(instance.store_id, *_days_of(instance.completed_at))


def _customer_saved(sender, instance, created=False, **kwargs):
    if created or kwargs.get("signal") is post_delete:
        touch(instance.store_id, *_days_of(instance.created_at))


def connect() -> None:
    from aftercare.billing.models import Payment
    from aftercare.customers.models import Customer
    from aftercare.service.models import RepairOrder
    from aftercare.surveys.models import SurveyResponse
    from aftercare.workshop.models import Job, JobClock

    for model, receiver in (
        (RepairOrder, _order_saved),
        (Payment, _payment_saved),
        (JobClock, _clock_saved),
        (Job, _job_saved),
        (SurveyResponse, _survey_saved),
        (Customer, _customer_saved),
    ):
        uid = f"reports-figures-{model._meta.label}"
        post_save.connect(receiver, sender=model, dispatch_uid=uid)
        post_delete.connect(receiver, sender=model, dispatch_uid=uid + "-delete")
