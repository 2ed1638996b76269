from aftercare.service.choices import Status


def on_repair_order_status_changed(sender, repair_order_id, to_status, **kwargs):
    """A settled order gets its health record, then the record is queued for upload."""
    if to_status != Status.SETTLED:
        return
    from .services import health_record_take

    health_record_take(repair_order_id=repair_order_id)
