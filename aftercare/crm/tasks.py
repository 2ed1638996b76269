"""Background work of the retention engine: take ids, call services."""

from aftercare.core.background import background_task


# Set-based and idempotent: a rerun the same night changes nothing and fires nothing twice.
@background_task(idempotent=True, max_run_minutes=60)
def retention_nightly() -> int:
    from .rules import rules_run_all
    from .segments import segments_refresh_all

    return segments_refresh_all() + rules_run_all()
