import calendar
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The dates the system takes and stores: a birthday, an old car's purchase, a booking, a promised
# time, a report's range. Nothing a shop records lies outside them, and arithmetic near them (a
# week, a month, a year ahead) stays far from the calendar's end in year 9999.
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def is_plausible(value: date | datetime) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST <= day <= LATEST


def validate_plausible_date(value: date | datetime | None) -> None:
    """The validator of every date and time a user types (model, form and API fields)."""
    if value is not None and not is_plausible(value):
        raise ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."),
            code="implausible_date",
            params={"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
        )


def iso_day(value: str) -> date:
    """A YYYY-MM-DD (or ISO date-time) query parameter between EARLIEST and LATEST; ValueError otherwise."""
    day = datetime.fromisoformat(value).date()
    if not is_plausible(day):
        raise ValueError(value)
    return day


def parse_day(value: str | None, default: date) -> date:
    """A YYYY-MM-DD query parameter, or `default` when missing, malformed or out of range."""
    try:
        return iso_day(value) if value else default
    except ValueError:
        return default


def local_day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The local days start..end (inclusive) as a half-open range of aware datetimes of the current
    zone: [start 00:00, the day after end 00:00). What a report's period filters datetimes by."""
    from datetime import time, timedelta

    from django.utils import timezone

    return (
        timezone.make_aware(datetime.combine(start, time.min)),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min)),
    )
