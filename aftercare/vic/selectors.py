"""Reads of the VIC programme other apps may use (docs/DOMAIN.md §13.3).

A customer is a row of one store; the same person visiting another store of the
group is another row with the same mobile. A VIC enrolment is recognised across
the group by the customer row itself or by that mobile."""

from django.db.models import Q

from .models import VicEnrolment


def vic_enrolment_for(customer) -> "VicEnrolment | None":
    """The customer's open VIC enrolment, at any store of the group, or None."""
    if customer is None or customer.pk is None:
        return None
    match = Q(customer_id=customer.pk)
    if customer.mobile:
        match |= Q(customer__mobile=customer.mobile, store__group_id=customer.store.group_id)
    return (
        VicEnrolment.objects.active()
        .filter(match)
        .select_related("store", "specialist", "customer")
        .order_by("-enrolled_at", "-id")
        .first()
    )


def is_vic(customer) -> bool:
    return vic_enrolment_for(customer) is not None
