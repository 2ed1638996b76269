from datetime import date

import pytest

from aftercare.followups.holidays import holidays_in_care_window, holidays_of


@pytest.mark.parametrize(
    ("year", "spring", "mid_autumn"),
    [(2026, date(2026, 2, 17), date(2026, 9, 25)), (2027, date(2027, 2, 6), date(2027, 9, 15))],
)
def test_lunar_holidays_are_computed_for_each_year(year, spring, mid_autumn):
    days = dict(holidays_of(year))
    assert days == {
        "new_year": date(year, 1, 1),
        "spring_festival": spring,
        "mid_autumn": mid_autumn,
        "national_day": date(year, 10, 1),
    }


def test_the_care_window_opens_a_week_before_and_closes_on_the_day():
    assert holidays_in_care_window(date(2026, 2, 10), 7) == [("spring_festival", date(2026, 2, 17))]
    assert holidays_in_care_window(date(2026, 2, 9), 7) == []
    assert holidays_in_care_window(date(2026, 2, 17), 7) == []
    assert holidays_in_care_window(date(2026, 12, 25), 7) == [("new_year", date(2027, 1, 1))]
