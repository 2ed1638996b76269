"""Background work of the reports: the daily figures (docs/DOMAIN.md §18.3)."""

from datetime import date, timedelta

from django.utils import timezone

from aftercare.core.background import alert, background_task

from . import figures

# The nightly job recomputes this many days back: late corrections (a payment reversed, a survey
# completed days later) land in the stored figures within the week.
NIGHTLY_DAYS = 7


@background_task(idempotent=True, max_run_minutes=5)
def figures_refresh(keys: list) -> int:
    """Recompute the figures of the touched [store_id, "YYYY-MM-DD"] pairs (after a service's commit)."""
    from aftercare.core.models import Store

    # A key noted in a transaction that was rolled back may name a store that never came to be.
    existing = set(Store.objects.filter(pk__in={int(s) for s, _d in keys}).values_list("pk", flat=True))
    by_day: dict[date, set[int]] = {}
    for store_id, day in keys:
        if int(store_id) in existing:
            by_day.setdefault(date.fromisoformat(day), set()).add(int(store_id))
    written = 0
    for day, store_ids in sorted(by_day.items()):
        written += figures.figures_materialise(start=day, end=day, store_ids=store_ids)
    return written


@background_task(idempotent=True, max_run_minutes=60)
def figures_nightly() -> int:
    """Every store's figures of the last NIGHTLY_DAYS days, recomputed from the source (idempotent)."""
    today = timezone.localdate()
    return figures.figures_materialise(start=today - timedelta(days=NIGHTLY_DAYS), end=today)


@background_task(idempotent=True, max_run_minutes=30)
def figures_check_nightly() -> int:
    """Yesterday recomputed from the source and compared with the stored figures; an alert on any difference."""
    day = timezone.localdate() - timedelta(days=1)
    problems = figures.figures_check(day=day)
    if problems:
        alert(
            f"Daily figures of {day} differ from the source",
            "\n".join(problems[:50]) + ("\n..." if len(problems) > 50 else ""),
        )
    return len(problems)


# On the 1st (docs/DOMAIN.md §18.6): last month's CRM report per store, once; a rerun adds nothing.
@background_task(idempotent=True, max_run_minutes=60)
def crm_reports_monthly() -> int:
    from .crm_report import crm_reports_for_last_month

    return crm_reports_for_last_month()
