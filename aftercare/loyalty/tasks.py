"""Background work of the loyalty app: take ids, call services."""

from django_tasks import task

from aftercare.service.models import RepairOrder


@task()
def points_earn_for_order(repair_order_id: int) -> int:
    from .services import points_earn

    return points_earn(order=RepairOrder.objects.get(pk=repair_order_id))


@task()
def points_expire_nightly() -> int:
    from .services import points_expire

    return points_expire()
