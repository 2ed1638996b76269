"""The battery forecast on made-up series (docs/DOMAIN.md §17.4)."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from aftercare.ev.choices import ForecastStatus
from aftercare.ev.forecast import forecast

START = date(2023, 1, 1)
THRESHOLDS = (Decimal("80"), Decimal("70"))


def series(soh_at, months=36, every=3):
    return [(START + timedelta(days=30 * m), Decimal(str(round(soh_at(m), 2)))) for m in range(0, months + 1, every)]


def test_fewer_than_three_readings_say_not_enough_data():
    result = forecast([(START, Decimal("99")), (START + timedelta(days=200), Decimal("97"))], THRESHOLDS)
    assert result.status == ForecastStatus.NOT_ENOUGH
    assert result.crossing(80) is None


def test_three_readings_on_the_same_week_are_not_enough_either():
    points = [(START + timedelta(days=d), Decimal("95")) for d in (0, 2, 4)]
    assert forecast(points, THRESHOLDS).status == ForecastStatus.NOT_ENOUGH


def test_a_steady_decline_of_two_points_a_year_crosses_where_the_line_says():
    # 100 % falling 2 points a year: 80 % after 10 years, 70 % after 15.
    result = forecast(series(lambda m: 100 - 2 * m / 12), THRESHOLDS)
    assert result.status == ForecastStatus.FORECAST
    assert abs(result.slope_per_year + 2) < 0.1
    service = result.crossing(80)
    assert abs((service.on - (START + timedelta(days=3652))).days) < 60
    assert service.early <= service.on <= service.late


def test_an_accelerating_decline_is_forecast_earlier_than_a_straight_line_through_all_points():
    # 1 point a year, then 6 a year in the last year: recent pairs weigh more.
    def soh(m):
        return 100 - m / 12 if m <= 24 else 98 - 6 * (m - 24) / 12

    result = forecast(series(soh), THRESHOLDS)
    plain_rate = (soh(36) - soh(0)) / 3  # -2.67 / year through the end points
    assert result.slope_per_year < plain_rate
    assert result.crossing(80).on < date(2029, 1, 1)


def test_a_noisy_series_keeps_its_trend_and_a_band_around_it():
    rng = random.Random(7)
    result = forecast(series(lambda m: 100 - 3 * m / 12 + rng.uniform(-1.5, 1.5), every=2), THRESHOLDS)
    assert -3.8 < result.slope_per_year < -2.2
    crossing = result.crossing(80)
    # The gentle edge of so noisy a series may be "no decline": the band is then open ("not before").
    assert crossing.early < crossing.on
    assert crossing.late is None or crossing.late > crossing.on


def test_one_wild_reading_does_not_move_a_robust_fit():
    points = series(lambda m: 100 - 2 * m / 12)
    points[5] = (points[5][0], Decimal("60"))  # a mis-read
    assert abs(forecast(points, THRESHOLDS).slope_per_year + 2) < 0.2


def test_a_battery_that_does_not_decline_gets_no_date():
    result = forecast(series(lambda m: 97), THRESHOLDS)
    assert result.status == ForecastStatus.STABLE
    assert result.crossing(80).on is None


@pytest.mark.django_db
def test_the_back_test_on_the_demo_history_stays_within_two_soh_points_six_months_ahead(store, bev, phev):
    import random as rnd

    from django.utils import timezone as tz

    from aftercare.ev.backtest import backtest
    from aftercare.ev.demo import seed_ev

    seed_ev(store, rnd.Random("ev:test"), tz.localdate())
    report = backtest(store)
    assert report["cars"] == 2
    assert report["horizons"]["≤ 6 months"]["mae"] < 2.0
