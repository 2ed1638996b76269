"""Background work of appointments: take ids, call services."""

from aftercare.core.background import background_task


# Hourly, idempotent: each appointment's reminder has its own dedupe key in the messaging door.
@background_task(idempotent=True, max_run_minutes=30)
def appointment_reminders() -> int:
    from .services import appointment_reminders_send

    return appointment_reminders_send()
