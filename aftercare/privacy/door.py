"""The one place the rights desk withdraws consent (docs/DOMAIN.md §16.5).

Withdrawal goes through the messaging door, `messaging.services.consent_withdraw`,
which records the withdrawal rows through customers' consent service at once and
cancels the customer's queued messages of those purposes. Until that door is on
this branch (the `msg` branch brings it), the rows are recorded through
customers' consent service directly: wiring the door is this one function."""

import importlib.util

from aftercare.customers.services import consent_record


def _door():
    if importlib.util.find_spec("aftercare.messaging.services") is None:
        return None
    module = importlib.import_module("aftercare.messaging.services")
    return getattr(module, "consent_withdraw", None)


def withdraw_consent(*, customer, purposes: list[str], via: str, actor, note: str = "") -> None:
    if door := _door():
        door(customer=customer, purposes=purposes, via=via, actor=actor, note=note)
        return
    for purpose in purposes:
        consent_record(actor=actor, customer=customer, purpose=purpose, granted=False, channel=via, note=note)
