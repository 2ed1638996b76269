"""The battery forecast (docs/DOMAIN.md §17.4): when will SOH cross a threshold?

A weighted Theil-Sen line of SOH against time. The slope is the weighted median of the
slopes of every pair of readings at least MIN_PAIR_DAYS apart, each pair weighted by the
recency of its earlier reading (half-life HALF_LIFE_DAYS, as the mileage rate of §11.4), so
a decline that speeds up moves the slope within a few readings; the line goes through the
weighted median of the residual intercepts. A median ignores a mis-read SOH that a
least-squares line would follow. The band is quantile-based, not bootstrapped: the crossing dates of the pairwise
slopes' weighted 10th and 90th percentiles, drawn from the fitted SOH at the last reading.
A bootstrap of 3-8 readings mostly redraws the same few points and gives a band that jumps
between nights; the pairwise quantiles are deterministic and cost nothing more than the fit.
Pure functions: no database, so the nightly job, the page and the back-test share them."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .choices import ForecastStatus

MIN_READINGS = 3
MIN_PAIR_DAYS = 60
HALF_LIFE_DAYS = 180
LOW_Q, HIGH_Q = 0.10, 0.90
HORIZON_DAYS = 365 * 25  # a crossing further away than this is not forecast


@dataclass(frozen=True)
class Crossing:
    on: date | None
    early: date | None
    late: date | None  # None: not within the horizon at the slow edge of the band


@dataclass(frozen=True)
class Forecast:
    status: str
    readings: int
    last_soh: Decimal | None = None
    slope_per_year: float | None = None
    fitted_last: float | None = None
    last_day: date | None = None
    crossings: dict | None = None  # threshold -> Crossing

    def crossing(self, threshold) -> Crossing | None:
        return (self.crossings or {}).get(Decimal(threshold))

    def fitted(self, day: date) -> float | None:
        if self.slope_per_year is None or self.last_day is None:
            return None
        return self.fitted_last + self.slope_per_year * (day - self.last_day).days / 365.25


def weighted_quantile(values: list[float], weights: list[float], q: float) -> float:
    pairs = sorted(zip(values, weights, strict=True))
    total = sum(w for _v, w in pairs)
    running = 0.0
    for value, weight in pairs:
        running += weight
        if running >= q * total:
            return value
    return pairs[-1][0]


def _cross(day0: date, soh0: float, slope_per_day: float, threshold: float) -> date | None:
    if soh0 <= threshold:
        return day0
    if slope_per_day >= 0:
        return None
    days = (threshold - soh0) / slope_per_day
    return day0 + timedelta(days=round(days)) if days <= HORIZON_DAYS else None


def forecast(points: list[tuple[date, Decimal]], thresholds) -> Forecast:
    """`points`: (day, SOH) readings in any order. Fewer than 3 readings, or no pair of
    readings MIN_PAIR_DAYS apart: not enough data, never a guess."""
    points = sorted(points)
    n = len(points)
    if n < MIN_READINGS:
        return Forecast(ForecastStatus.NOT_ENOUGH, n, points[-1][1] if points else None)
    origin, last_day = points[0][0], points[-1][0]
    xs = [(d - origin).days for d, _s in points]
    ys = [float(s) for _d, s in points]
    slopes, weights = [], []
    for i in range(n):
        for j in range(i + 1, n):
            gap = xs[j] - xs[i]
            if gap >= MIN_PAIR_DAYS:
                slopes.append((ys[j] - ys[i]) / gap)
                weights.append(0.5 ** ((xs[-1] - xs[i]) / HALF_LIFE_DAYS))
    if len(slopes) < 2:
        return Forecast(ForecastStatus.NOT_ENOUGH, n, points[-1][1])
    slope = weighted_quantile(slopes, weights, 0.5)
    recency = [0.5 ** ((xs[-1] - x) / HALF_LIFE_DAYS) for x in xs]
    intercept = weighted_quantile([y - slope * x for x, y in zip(xs, ys, strict=True)], recency, 0.5)
    fitted_last = intercept + slope * xs[-1]
    steep, shallow = weighted_quantile(slopes, weights, LOW_Q), weighted_quantile(slopes, weights, HIGH_Q)
    crossings = {}
    for threshold in thresholds:
        t = float(threshold)
        crossings[Decimal(threshold)] = Crossing(
            on=_cross(last_day, fitted_last, slope, t),
            early=_cross(last_day, fitted_last, min(steep, slope), t),
            late=_cross(last_day, fitted_last, max(shallow, slope), t),
        )
    status = ForecastStatus.FORECAST if slope < 0 else ForecastStatus.STABLE
    return Forecast(status, n, points[-1][1], slope * 365.25, fitted_last, last_day, crossings)
