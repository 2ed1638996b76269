"""Background work of the privacy app: tasks take ids and call services."""

from aftercare.core.background import background_task
from aftercare.core.models import Store

from .retention import retention_run


@background_task(idempotent=True, max_run_minutes=60)
def retention_store(store_id: int, real: bool = True) -> int:
    return retention_run(store_id=store_id, dry_run=not real).pk


@background_task(idempotent=True, max_run_minutes=120)
def retention_nightly() -> int:
    """Every active store's retention limits (docs/DOMAIN.md §16.6): a real run where a
    manager approved one, a dry-run report elsewhere."""
    for pk in Store.objects.filter(is_active=True).values_list("pk", flat=True):
        retention_run(store_id=pk, dry_run=False)
    return 0
