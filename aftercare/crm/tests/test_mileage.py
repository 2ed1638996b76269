"""The km/day estimator on made-up series (docs/DOMAIN.md §11.4)."""

from datetime import date, timedelta

from aftercare.crm.mileage import Reading, estimate_km_per_day

TODAY = date(2026, 12, 1)


def _series(start_km, rate, days, every=60, start=date(2025, 1, 1)):
    return [Reading(start + timedelta(days=d), int(start_km + rate * d)) for d in range(0, days + 1, every)]


def test_a_steady_driver_is_read_at_their_rate():
    estimate = estimate_km_per_day(_series(10_000, 40, 600), today=TODAY, default=25)
    assert round(estimate.km_per_day) == 40 and not estimate.from_default


def test_a_mistyped_reading_does_not_move_the_estimate_much():
    readings = _series(10_000, 40, 600)
    readings[4] = Reading(readings[4].day, readings[4].km + 9_000)  # a typo, later readings still higher
    estimate = estimate_km_per_day(readings, today=TODAY, default=25)
    assert 38 <= estimate.km_per_day <= 46


def test_irregular_gaps_still_give_the_rate():
    days = [0, 3, 40, 41, 200, 380, 385, 600]
    readings = [Reading(date(2025, 1, 1) + timedelta(days=d), 5_000 + 30 * d) for d in days]
    assert round(estimate_km_per_day(readings, today=TODAY, default=25).km_per_day) == 30


def test_a_single_reading_uses_the_store_default():
    estimate = estimate_km_per_day([Reading(date(2026, 6, 1), 12_000)], today=TODAY, default=25)
    assert (estimate.km_per_day, estimate.from_default) == (25, True)


def test_readings_on_one_day_only_use_the_store_default():
    readings = [Reading(date(2026, 6, 1), 12_000), Reading(date(2026, 6, 1), 12_010)]
    assert estimate_km_per_day(readings, today=TODAY, default=25).from_default


def test_an_odometer_correction_starts_a_new_series():
    before = [Reading(date(2025, 1, 1), 50_000), Reading(date(2025, 4, 1), 53_600)]
    after = [Reading(date(2025, 5, 1), 100, correction=True), Reading(date(2025, 7, 30), 3_700)]
    estimate = estimate_km_per_day(before + after, today=TODAY, default=25)
    assert round(estimate.km_per_day) == 40


def test_recent_driving_weighs_more_than_old_driving():
    old = _series(0, 20, 720, start=date(2023, 1, 1))
    recent = _series(old[-1].km, 60, 360, start=old[-1].day)
    estimate = estimate_km_per_day(old + recent[1:], today=TODAY, default=25)
    assert estimate.km_per_day > 40
