"""Anonymising customers (docs/DOMAIN.md §16.5, §16.2): one set of statements for any
number of customers, used by an erasure request (one customer) and by the retention
rule (every customer due in a store)."""

from django.utils import timezone

from .models import AnonymisedCustomer
from .registry import erasers, kept_rules


def anonymise_customers(ids: list[int], *, store_id, request=None, rule: str = "") -> dict:
    """Run every registered eraser over the customers, mark them anonymised and
    answer {"erased": {key: rows}, "kept": [{key, title, count, reason}]}. Call
    inside the caller's transaction."""
    ids = list(ids)
    erased: dict[str, int] = {}
    for eraser in erasers():
        erased.update(eraser.erase(ids))
    kept = [
        {"key": k.key, "title": str(k.title), "count": n, "reason": str(k.reason)}
        for k in kept_rules()
        if (n := k.count(ids))
    ]
    now = timezone.now()
    AnonymisedCustomer.objects.bulk_create(
        [AnonymisedCustomer(customer_id=pk, store_id=store_id, at=now, request=request, rule=rule) for pk in ids],
        ignore_conflicts=True,
    )
    return {"erased": erased, "kept": kept}
