"""Background work of the cash desk: tasks take ids and call services."""

from datetime import timedelta

from django.utils import timezone

from aftercare.core.background import background_task

from . import online


@background_task(idempotent=True, max_run_minutes=2)
def sync_provider_charge(txn_id: int) -> str:
    return online.provider_charge_sync(txn_id=txn_id).status


@background_task(idempotent=True, max_run_minutes=5)
def sync_open_provider_charges() -> int:
    """Every open WeChat Pay / Alipay charge asked about, and cancelled past its window."""
    return online.sync_open_charges()


@background_task(idempotent=True, max_run_minutes=30)
def reconcile_provider_statements() -> int:
    """Yesterday's statements of every store's provider accounts (daily)."""
    return online.reconcile_day(day=timezone.localdate() - timedelta(days=1))
