"""Money is Decimal, rounded by one rule: to 0.01 CNY, half up (四舍五入)."""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.text import capfirst
from django.utils.translation import gettext as _

CENT = Decimal("0.01")


def to_money(value) -> Decimal:
    """Round any number to the cent, half up. Floats go through str() so that
    0.1 stays 0.10 and not 0.1000000000000000055511151231257827."""
    if isinstance(value, float):
        value = str(value)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- Bounds (docs/DOMAIN.md §4.1) ------------------------------------------------
# What a shop enters on one line or one catalogue entry. Totals are bounded by
# their columns instead (fits_columns): many lines may add up to more than one.
MIN_QUANTITY = Decimal("0.01")
MAX_QUANTITY = Decimal("9999")
MAX_PRICE = Decimal("999999.99")
MAX_FRT_HOURS = Decimal("999.99")

QUANTITY_VALIDATORS = [MinValueValidator(MIN_QUANTITY), MaxValueValidator(MAX_QUANTITY)]
PRICE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(MAX_PRICE)]
FRT_HOURS_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(MAX_FRT_HOURS)]


def check_quantity(value, field: str = "quantity") -> Decimal:
    """A quantity as a line takes it: 0.01 to 9,999, to the hundredth."""
    try:
        quantity = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter a quantity, e.g. 1 or 2.5.")}) from None
    if not quantity.is_finite() or quantity <= 0:
        raise ValidationError({field: _("The quantity must be more than zero.")})
    if quantity < MIN_QUANTITY or quantity != quantity.quantize(CENT) or quantity > MAX_QUANTITY:
        raise ValidationError(
            {field: _("The quantity is between %(low)s and %(high)s, to the hundredth.")
             % {"low": MIN_QUANTITY, "high": MAX_QUANTITY}}
        )  # fmt: skip
    return quantity


def check_price(value, field: str = "amount") -> Decimal:
    """A unit price or an amount entered for one line: ¥0 to ¥999,999.99, to the cent."""
    try:
        amount = to_money(str(value).strip() if isinstance(value, str) else value)
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter an amount in yuan, e.g. 120.50.")}) from None
    if amount < 0:
        raise ValidationError({field: _("The amount cannot be negative.")})
    if amount > MAX_PRICE:
        raise ValidationError({field: _("The amount is at most %(limit)s.") % {"limit": f"{MAX_PRICE:,}"}})
    return amount


def column_limit(field) -> Decimal:
    """The largest magnitude a model's DecimalField column holds, e.g. 9999999999.99 for (12, 2)."""
    return Decimal(10) ** (field.max_digits - field.decimal_places) - Decimal(1).scaleb(-field.decimal_places)


def fits_columns(instance, names: Iterable[str], *, field: str | None = None, message=None) -> None:
    """Refuse, before anything is written, values of `instance` that its
    decimal columns could not hold: PostgreSQL would fail the statement, and
    SQLite would store a number that no longer reads back. The error is on
    `field` (the input the user can change), or on the whole form."""
    for name in names:
        model_field = instance._meta.get_field(name)
        value = getattr(instance, name)
        if value is None or abs(value) <= column_limit(model_field):
            continue
        text = (message or _("%(what)s would come to %(value)s, more than the %(limit)s it can hold.")) % {
            "what": capfirst(model_field.verbose_name),
            "value": f"{value:,}",
            "limit": f"{column_limit(model_field):,}",
        }
        raise ValidationError({field: text} if field else text)
