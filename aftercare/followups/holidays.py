"""Major holidays for holiday care (节日关怀): the lunar ones computed with
`lunardate` each year, never a fixed table."""

from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _
from lunardate import LunarDate

HOLIDAY_NAMES = {
    "new_year": _("New Year"),
    "spring_festival": _("Spring Festival"),
    "mid_autumn": _("Mid-Autumn Festival"),
    "national_day": _("National Day"),
}


def holidays_of(year: int) -> list[tuple[str, date]]:
    """(code, date) of the major holidays of a Gregorian year, in date order."""
    days = [
        ("new_year", date(year, 1, 1)),
        ("spring_festival", LunarDate(year, 1, 1).to_solar_date()),
        ("mid_autumn", LunarDate(year, 8, 15).to_solar_date()),
        ("national_day", date(year, 10, 1)),
    ]
    return sorted(days, key=lambda item: item[1])


def holidays_in_care_window(today: date, days_before: int) -> list[tuple[str, date]]:
    """Holidays whose care window (from `days_before` days before, until the day
    before) contains today."""
    return [
        (code, day)
        for year in (today.year, today.year + 1)
        for code, day in holidays_of(year)
        if day - timedelta(days=days_before) <= today < day
    ]
