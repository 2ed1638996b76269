"""Background work of the follow-up system: tasks take ids and call services."""

from django.utils import timezone

from aftercare.core.background import background_task
from aftercare.core.models import Store

from . import services


# Idempotent: generation and problems are keyed by their source, so a second run adds nothing.
@background_task(idempotent=True, max_run_minutes=5)
def generate_for_delivery(repair_order_id: int) -> int:
    return len(services.followups_for_delivery(repair_order_id=repair_order_id))


@background_task(idempotent=True, max_run_minutes=30)
def generate_scheduled() -> int:
    """Churn warnings and holiday care for every active store (daily)."""
    return services.followups_generate_scheduled(now=timezone.now())


@background_task(idempotent=True, max_run_minutes=10)
def escalate_overdue() -> int:
    now = timezone.now()
    return sum(services.followups_escalate(store=store, now=now) for store in Store.objects.filter(is_active=True))


@background_task(idempotent=True, max_run_minutes=5)
def problem_from_survey(response_id: int) -> int | None:
    problem = services.problem_from_survey(response_id=response_id)
    return problem.pk if problem else None
