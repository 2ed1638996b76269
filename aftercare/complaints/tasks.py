"""Background tasks of complaints. Tasks take ids and call services."""

from django_tasks import task

from .services import complaints_flag_breaches


@task()
def flag_complaint_breaches() -> int:
    """Scheduled every 15 minutes (settings.SCHEDULED_TASKS): flag late complaint clocks and escalate
    them (docs/DOMAIN.md §8.3)."""
    return complaints_flag_breaches()
