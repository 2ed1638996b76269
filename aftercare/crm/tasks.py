"""Background work of the retention engine: take ids, call services."""

from django.utils import timezone

from aftercare.core.background import background_task


# Set-based and idempotent: a rerun the same night changes nothing, fires nothing twice
# and lists, invites or calls nobody twice.
@background_task(idempotent=True, max_run_minutes=60)
def retention_nightly() -> int:
    from aftercare.core.models import Store

    from .campaigns import campaigns_nightly
    from .rules import rules_run_all
    from .segments import segments_refresh_all
    from .solicitation import solicitation_timetable

    done = segments_refresh_all() + rules_run_all()
    today = timezone.localdate()
    for store in Store.objects.filter(is_active=True):
        done += sum(solicitation_timetable(store=store, today=today).values())
        done += campaigns_nightly(store=store)
    return done
