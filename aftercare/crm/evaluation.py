"""Measuring the mileage forecast (docs/RETENTION.md): a seeded synthetic history of
cars whose owners drive at their own, drifting rates, with irregular visits, typos
and replaced instruments. At every visit after the first, the forecast of the next
maintenance (5,000 km or 6 months) is compared with the calendar rule, with the day
the car really reached its service km, and with its actual next visit.

Run: .venv/bin/python manage.py shell -c "from aftercare.crm.evaluation import report; print(report())"
"""

import random
import statistics
from dataclasses import dataclass
from datetime import date, timedelta

from aftercare.core.dates import add_months

from .mileage import Reading, estimate_km_per_day

CYCLE_KM = 5_000
CYCLE_MONTHS = 6
DEFAULT_KM_PER_DAY = 40


@dataclass
class Result:
    forecasts: int
    earlier_than_calendar: float
    mean_days_earlier: float
    mean_days_later: float
    mae_projection_due: float
    mae_calendar_due: float
    mae_projection_visit: float
    mae_calendar_visit: float
    from_default: int


def _car(rng: random.Random, start: date, days: int):
    """(true odometer by day offset, visits as (day, reading, correction))."""
    rate = rng.lognormvariate(3.55, 0.5)  # median about 35 km/day
    km, odo, offset = rng.randint(0, 20_000), [], 0
    for _day in range(days):
        if _day % 120 == 0:
            rate *= rng.lognormvariate(0, 0.2)
        km += max(rate * rng.lognormvariate(0, 0.6), 0)
        odo.append(km)
    visits, day, shown = [], rng.randint(0, 60), 0
    while day < days:
        true = int(odo[day]) - offset
        correction = False
        if rng.random() < 0.01:  # instrument replaced: the display restarts
            offset, true, correction = int(odo[day]), 0, True
        shown = true + (rng.choice((-1, 1)) * rng.randint(3_000, 20_000) if rng.random() < 0.02 else 0)
        visits.append((day, max(shown, 0), true, correction))
        # The owner comes back when the car is due, give or take, or later.
        due_km = true + CYCLE_KM
        reached = next((d for d in range(day + 1, days) if odo[d] - offset >= due_km), days)
        calendar = (add_months(start + timedelta(days=day), CYCLE_MONTHS) - start).days
        day = min(reached, calendar) + int(rng.gauss(10, 20))
        day = max(day, visits[-1][0] + 14)
    return odo, visits


def evaluate(*, cars: int = 500, seed: int = 16, years: int = 4) -> Result:
    rng = random.Random(seed)
    start = date(2022, 1, 1)
    days = 365 * years
    earlier, later, n, defaults = [], [], 0, 0
    err_p_due, err_c_due, err_p_visit, err_c_visit = [], [], [], []
    for _ in range(cars):
        odo, visits = _car(rng, start, days)
        offset = 0
        for i, (day, _shown, true, correction) in enumerate(visits[:-1]):
            if correction:
                offset = int(odo[day])
            today = start + timedelta(days=day)
            readings = [Reading(start + timedelta(days=d), km, c) for d, km, _t, c in visits[: i + 1]]
            estimate = estimate_km_per_day(readings, today=today, default=DEFAULT_KM_PER_DAY)
            defaults += estimate.from_default
            projected = day + int(CYCLE_KM / max(estimate.km_per_day, 0.1))
            calendar = (add_months(today, CYCLE_MONTHS) - start).days
            forecast = min(projected, calendar)
            due_km = true + CYCLE_KM
            reached = next((d for d in range(day + 1, days) if odo[d] - offset >= due_km), None)
            if reached is None:
                continue
            actual_due = min(reached, calendar)
            n += 1
            (earlier if forecast < calendar else later).append(calendar - forecast)
            err_p_due.append(abs(forecast - actual_due))
            err_c_due.append(abs(calendar - actual_due))
            next_visit = visits[i + 1][0]
            err_p_visit.append(abs(forecast - next_visit))
            err_c_visit.append(abs(calendar - next_visit))
    return Result(
        forecasts=n,
        earlier_than_calendar=len([e for e in earlier if e > 0]) / n,
        mean_days_earlier=statistics.mean([e for e in earlier if e > 0] or [0]),
        mean_days_later=0.0,
        mae_projection_due=statistics.mean(err_p_due),
        mae_calendar_due=statistics.mean(err_c_due),
        mae_projection_visit=statistics.mean(err_p_visit),
        mae_calendar_visit=statistics.mean(err_c_visit),
        from_default=defaults,
    )


def report(**kwargs) -> str:
    r = evaluate(**kwargs)
    return (
        f"forecasts {r.forecasts}; earlier than the calendar {r.earlier_than_calendar:.0%} "
        f"(by {r.mean_days_earlier:.0f} days on average); mean absolute error against the day the car reached "
        f"its due point: forecast {r.mae_projection_due:.1f} days, calendar {r.mae_calendar_due:.1f} days; "
        f"against the actual next visit: forecast {r.mae_projection_visit:.1f} days, calendar "
        f"{r.mae_calendar_visit:.1f} days; store default used {r.from_default} times"
    )
