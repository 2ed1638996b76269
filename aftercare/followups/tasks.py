"""Background work of the follow-up system: tasks take ids and call services."""

from django.utils import timezone
from django_tasks import task

from aftercare.core.models import Store

from . import services


@task()
def generate_for_delivery(repair_order_id: int) -> int:
    return len(services.followups_for_delivery(repair_order_id=repair_order_id))


@task()
def generate_scheduled() -> int:
    """Churn warnings and holiday care for every active store (daily)."""
    return services.followups_generate_scheduled(now=timezone.now())


@task()
def escalate_overdue() -> int:
    now = timezone.now()
    return sum(services.followups_escalate(store=store, now=now) for store in Store.objects.filter(is_active=True))


@task()
def problem_from_survey(response_id: int) -> int | None:
    problem = services.problem_from_survey(response_id=response_id)
    return problem.pk if problem else None
