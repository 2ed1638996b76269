"""Back-test of the battery forecast on stored history (docs/DOMAIN.md §17.4, docs/PERFORMANCE.md):
for each car, fit on the readings of the first `train_share` of its history, predict the SOH at
every later reading and compare. Errors in SOH points, by how far ahead the prediction was."""

import statistics
from collections import defaultdict

from django.utils import timezone

from .choices import SERVICE_THRESHOLD, WARRANTY_THRESHOLD
from .forecast import forecast
from .models import BatteryReading

HORIZONS = ((0, 182, "≤ 6 months"), (183, 365, "6-12 months"), (366, 10_000, "> 12 months"))


def backtest(store, *, train_share: float = 0.5) -> dict:
    history = defaultdict(list)
    for vehicle_id, read_at, soh in (
        BatteryReading.objects.filter(store=store).order_by("vehicle_id", "read_at")
        .values_list("vehicle_id", "read_at", "soh")
    ):  # fmt: skip
        history[vehicle_id].append((timezone.localdate(read_at), soh))
    errors = defaultdict(list)
    signed = defaultdict(list)
    cars = skipped = 0
    worst = (0.0, None)
    for vehicle_id, points in history.items():
        cut = points[0][0] + (points[-1][0] - points[0][0]) * train_share
        train = [p for p in points if p[0] <= cut]
        test = [p for p in points if p[0] > cut]
        result = forecast(train, (SERVICE_THRESHOLD, WARRANTY_THRESHOLD))
        if result.slope_per_year is None or not test:
            skipped += 1
            continue
        cars += 1
        for day, soh in test:
            ahead = (day - result.last_day).days
            error = result.fitted(day) - float(soh)
            label = next(name for low, high, name in HORIZONS if low <= ahead <= high)
            errors[label].append(abs(error))
            signed[label].append(error)
            if abs(error) > worst[0]:
                worst = (abs(error), vehicle_id)
    return {
        "cars": cars, "skipped": skipped,
        "horizons": {
            label: {"n": len(errors[label]), "mae": round(statistics.fmean(errors[label]), 2),
                    "p90": round(sorted(errors[label])[int(0.9 * (len(errors[label]) - 1))], 2),
                    "bias": round(statistics.fmean(signed[label]), 2)}
            for _low, _high, label in HORIZONS if errors[label]
        },
        "worst": {"error": round(worst[0], 2), "vehicle_id": worst[1]},
    }  # fmt: skip
