"""Background work of the parts counter: tasks take ids and call services."""

from aftercare.core.background import background_task
from aftercare.core.models import Store

from . import services


@background_task(idempotent=True, max_run_minutes=30)
def reorder_store(store_id: int) -> int:
    return services.reorder_run(store_id=store_id)


@background_task(idempotent=True, max_run_minutes=120)
def reorder_nightly() -> int:
    """The nightly reorder suggestions of every active store (docs/DOMAIN.md §12.2)."""
    return sum(
        services.reorder_run(store_id=pk) for pk in Store.objects.filter(is_active=True).values_list("pk", flat=True)
    )
