"""Signal receivers: the access log of personal data (docs/DOMAIN.md §16.7)."""

from . import access


def on_personal_data_viewed(sender, *, user, store_id, customer_ids, kind, records=1, **kwargs):
    access.access_record(user=user, store_id=store_id, customer_ids=customer_ids, kind=kind, records=records)
