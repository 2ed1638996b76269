"""Background work of the health records: take ids, call services."""

from aftercare.core.background import background_task


# Idempotent: a record already answered is left alone, so a retry after a failure
# (backoff doubling from a minute) never sends an answered record twice (docs/DOMAIN.md §23.4).
@background_task(idempotent=True, max_run_minutes=2, retries=5, backoff_seconds=60)
def upload_health_record(record_id: int) -> str:
    from .services import health_record_upload

    return health_record_upload(record_id=record_id)


# The sweep after an outage: every pending record of a connected store, queued once.
@background_task(idempotent=True, max_run_minutes=10)
def upload_pending_health_records() -> int:
    from .services import upload_pending

    return upload_pending()
