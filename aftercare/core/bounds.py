"""Every row the app writes keeps its text within its length and its dates within sane bounds.

One guard on `pre_save` of every model of the project, so a service, a form, the API and an import
are bounded alike, whichever serializer or form field took the value (issue 11: a 1 MB
`customer_statement` and a `promised_at` in year 9999 were stored): a CharField longer than its
column (SQLite never checks), a TextField longer than its own `max_length` or, without one,
`TEXT_MAX_LENGTH`, and a date or time outside `core.dates.EARLIEST..LATEST` raise a ValidationError
with the field's name, which the API answers with 400 and `post_form` puts on the form's field.
Bulk inserts (demo data, the benchmark's dataset) do not pass here; what they write is generated.
"""

from datetime import date
from functools import cache

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models

from .dates import validate_plausible_date

# Free text a person types: a customer's words, findings, notes, a complaint's description.
TEXT_MAX_LENGTH = 4000
# A signature drawn on the pad, as a PNG data URL (tens of kilobytes; fields declare it as max_length).
SIGNATURE_MAX_LENGTH = 1_000_000


@cache
def _bounded_fields(model) -> tuple[tuple[str, str, type, object], ...]:
    fields = []
    for field in model._meta.concrete_fields:
        if isinstance(field, models.CharField) and field.max_length:
            fields.append((field.name, field.attname, str, MaxLengthValidator(field.max_length)))
        elif isinstance(field, models.TextField):
            fields.append((field.name, field.attname, str, MaxLengthValidator(field.max_length or TEXT_MAX_LENGTH)))
        elif isinstance(field, models.DateField):  # DateTimeField too
            fields.append((field.name, field.attname, date, validate_plausible_date))
    return tuple(fields)


def check_bounds(instance, update_fields=None) -> None:
    """Raise a ValidationError naming every field of `instance` out of its bounds."""
    errors = {}
    for name, attname, kind, validator in _bounded_fields(type(instance)):
        if update_fields is not None and name not in update_fields and attname not in update_fields:
            continue
        value = getattr(instance, attname, None)
        if not isinstance(value, kind):
            continue  # None, or an expression (F(), Now()) that the database computes
        try:
            validator(value)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)


def bound_on_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if not raw and sender.__module__.startswith("aftercare."):
        check_bounds(instance, update_fields)


# The largest row id a filter accepts (a signed 64-bit integer, the widest id column):
# a bigger number in a query string is a 400, not an overflow in the database.
ID_MAX = 2**63 - 1
ID_BOUNDS = {"min_value": 1, "max_value": ID_MAX}
