"""Background work of the reports: take ids, call services."""

from aftercare.core.background import background_task


# On the 1st (docs/DOMAIN.md §18.6): last month's CRM report per store, once; a rerun adds nothing.
@background_task(idempotent=True, max_run_minutes=60)
def crm_reports_monthly() -> int:
    from .crm_report import crm_reports_for_last_month

    return crm_reports_for_last_month()
