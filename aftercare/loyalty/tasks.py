"""Background work of the loyalty app: take ids, call services."""

from aftercare.core.background import background_task
from aftercare.service.models import RepairOrder


@background_task(idempotent=True, max_run_minutes=5)
def points_earn_for_order(repair_order_id: int) -> int:
    from .services import points_earn

    return points_earn(order=RepairOrder.objects.get(pk=repair_order_id))


@background_task(idempotent=True, max_run_minutes=30)
def points_expire_nightly() -> int:
    from .services import points_expire

    return points_expire()


# Set-based (a few queries whatever the number of cards) and idempotent: a rerun moves nobody.
@background_task(idempotent=True, max_run_minutes=30)
def member_tiers_review_nightly() -> int:
    from .services import member_tiers_review

    return member_tiers_review()
