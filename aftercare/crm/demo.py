"""Demo data of the retention engine: every store's segments computed, its rules
switched on and run for each of the last 30 days (a month of firings through the
doors), and this month's solicitation list worked through the timetable with outcomes."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from aftercare.accounts.models import User
from aftercare.accounts.roles import Role

from .choices import DeclineReason, Outcome
from .models import SolicitationEntry
from .rules import rules_run
from .segments import segments_refresh
from .solicitation import solicitation_calls, solicitation_invite, solicitation_list, solicitation_outcome

DAYS = 30


def seed_crm(stores, today, rng: random.Random | None = None) -> int:
    rng = rng or random.Random(16)
    fired = 0
    for store in stores:
        for back in range(DAYS, -1, -1):
            night = timezone.make_aware(datetime.combine(today - timedelta(days=back), time(6, 30)))
            if back in (DAYS, 0):
                segments_refresh(store=store, now=night, full=True)
            fired += rules_run(store=store, now=night)
        _solicitation(store, today, rng)
    return fired


def _solicitation(store, today, rng) -> None:
    """This month's list (made at the start of last month's timetable), invited and called, with outcomes."""
    month = today.replace(day=1)
    solicitation_list(store=store, month=month)
    solicitation_invite(store=store, month=month)
    solicitation_calls(store=store, month=month)
    caller = User.objects.filter(memberships__store=store, memberships__role=Role.CUSTOMER_CARE).first()
    if caller is None:
        return
    entries = list(SolicitationEntry.objects.filter(store=store, month=month).select_related("store", "vehicle"))
    for entry in entries[: len(entries) // 2]:
        outcome = rng.choices([Outcome.DECLINED, Outcome.SOLD, Outcome.MOVED, Outcome.SCRAPPED], weights=[12, 1, 1, 1])[
            0
        ]
        reason = rng.choice(DeclineReason.values) if outcome == Outcome.DECLINED else ""
        solicitation_outcome(actor=caller, entry=entry, outcome=outcome, reason=reason)
