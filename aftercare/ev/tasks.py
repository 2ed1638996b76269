"""Background work of the EV app: take ids, call services."""

from aftercare.core.background import background_task


# Idempotent: a rerun recomputes the same forecasts from the same readings (docs/DOMAIN.md §17.4).
@background_task(idempotent=True, max_run_minutes=30)
def battery_forecasts_nightly() -> int:
    from .services import forecasts_refresh_all

    return forecasts_refresh_all()
