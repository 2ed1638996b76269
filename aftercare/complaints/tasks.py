"""Background tasks of complaints. Tasks take ids and call services."""

from django_tasks import task

from .services import complaints_flag_breaches


@task()
def flag_complaint_breaches() -> int:
    """Scheduled every hour: flag late complaint clocks and escalate them."""
    return complaints_flag_breaches()
