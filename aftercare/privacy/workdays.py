"""Working days by China's official calendar (docs/DOMAIN.md §16.5).

`chinesecalendar` knows the State Council's holidays and the weekend days
made working days (调休), year by year as they are published. For a year it
has no data for (it raises NotImplementedError) the count falls back to
Monday-Friday: a deadline that far ahead is then counted without that year's
holidays until the package is upgraded (requirements.txt pins it)."""

from datetime import date, timedelta

import chinese_calendar


def is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # beyond the package's data: Monday to Friday
        return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The day `days` working days after `start` (the day of receipt does not count)."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_workday(day):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative when end is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for n in range(1, (end - start).days + 1) if is_workday(start + timedelta(days=n)))
