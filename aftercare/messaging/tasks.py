"""Background work of the messaging door: take ids, call services (docs/DOMAIN.md §15.1)."""

from aftercare.core.background import background_task


# Idempotent: a row already claimed or sent is skipped; a rerun sends nothing twice.
@background_task(idempotent=True, max_run_minutes=5)
def message_send_now(message_id: int) -> int:
    from .services import messages_send_due

    return messages_send_due(ids=[message_id])


# Every minute: retries whose backoff ended, held messages whose quiet hours ended,
# and rows whose worker died mid-send (lease run out).
@background_task(idempotent=True, max_run_minutes=10)
def messages_dispatch() -> int:
    from .services import messages_send_due

    return messages_send_due(limit=5000)
