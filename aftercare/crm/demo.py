"""Demo data of the retention engine: every store's segments computed, its rules
switched on and run for each of the last 30 days (a month of firings through the doors)."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from .rules import rules_run
from .segments import segments_refresh

DAYS = 30


def seed_crm(stores, today) -> int:
    fired = 0
    for store in stores:
        for back in range(DAYS, -1, -1):
            night = timezone.make_aware(datetime.combine(today - timedelta(days=back), time(6, 30)))
            if back in (DAYS, 0):
                segments_refresh(store=store, now=night, full=True)
            fired += rules_run(store=store, now=night)
    return fired
