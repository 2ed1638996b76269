"""Signal receivers: no business logic, they call the service with ids."""

from aftercare.service.choices import Status

from .services import RESERVING_STATUSES


def on_repair_order_status_changed(sender, repair_order_id, to_status, **kwargs):
    # Approval reserves the part lines; later moves pick up approved additional work;
    # cancellation or delivery releases what was reserved and never issued.
    if to_status in RESERVING_STATUSES or to_status in (Status.CANCELLED, Status.DELIVERED):
        from .services import demands_sync

        demands_sync(repair_order_id=repair_order_id)


def on_repair_order_line_decided(sender, repair_order_id, approved, **kwargs):
    # Additional work the customer approves after the order was approved reserves its parts at once
    # (docs/DOMAIN.md §12.1); demands_sync reserves only while the order is in a reserving state.
    if approved:
        from .services import demands_sync

        demands_sync(repair_order_id=repair_order_id)
