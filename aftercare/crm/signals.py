"""The retention engine's announcements to apps above it (docs/DOMAIN.md §11, §25.5).

`customer_lost` is sent after the transaction in which the "lost after 6 months" rule acted for
a customer commits, with customer_id, store_id and reason ("quality" | "price" | "convenience").
crm imports none of its receivers (the service desk opens a recovery on "quality")."""

from django.dispatch import Signal

customer_lost = Signal()
