"""Background tasks of complaints. Tasks take ids and call services."""

from aftercare.core.background import background_task

from .services import complaints_flag_breaches


# Idempotent: a breach already flagged is not flagged again.
@background_task(idempotent=True, max_run_minutes=10)
def flag_complaint_breaches() -> int:
    """Scheduled every 15 minutes (settings.SCHEDULED_TASKS): flag late complaint clocks and escalate
    them (docs/DOMAIN.md §8.3)."""
    return complaints_flag_breaches()
