"""What the service desk does when another app announces something (docs/DOMAIN.md §25.5)."""

from django.dispatch import receiver

from aftercare.crm.signals import customer_lost


@receiver(customer_lost, dispatch_uid="desk.recovery_on_lost_for_quality")
def open_recovery_when_lost_for_quality(sender, *, customer_id, store_id, reason, **kwargs):
    """A customer lost because of quality gets the seven-step recovery (price and convenience
    are answered by the retention rule's own offer)."""
    if reason != "quality":
        return
    from aftercare.customers.models import Customer

    from .choices import RecoverySource
    from .services import recovery_open

    customer = Customer.objects.filter(pk=customer_id, store_id=store_id).select_related("store").first()
    if customer is not None:
        recovery_open(actor=None, customer=customer, reason=reason, source=RecoverySource.RETENTION)
