"""Signal receivers: no business logic, they enqueue tasks that take ids."""

from aftercare.service.choices import Status


def on_repair_order_status_changed(sender, repair_order_id, to_status, **kwargs):
    if to_status != Status.SETTLED:
        return
    from .tasks import points_earn_for_order

    points_earn_for_order.enqueue(repair_order_id=repair_order_id)
