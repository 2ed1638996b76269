"""Background work of the loyalty app: take ids, call services."""

from aftercare.core.background import background_task
from aftercare.service.models import RepairOrder


# Points are earned once per order (docs/DOMAIN.md §13): a rerun posts nothing.
@background_task(idempotent=True, max_run_minutes=5)
def points_earn_for_order(repair_order_id: int) -> int:
    from .services import points_earn

    return points_earn(order=RepairOrder.objects.get(pk=repair_order_id))


@background_task(idempotent=True, max_run_minutes=60)
def points_expire_nightly() -> int:
    from .services import points_expire

    return points_expire()
