"""The VIC programme hears of a new repair order (docs/DOMAIN.md §13.3)."""


def order_opened(sender, instance, created, raw=False, **kwargs):
    """A repair order was opened: if its customer is a VIC (at any store of the group), record
    the visit in the order's transaction, so the green channel holds from the first minute."""
    if not created or raw:
        return
    from .services import visit_record

    visit_record(instance)
