"""Money is Decimal, rounded by one rule: to 0.01 CNY, half up (四舍五入)."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_money(value) -> Decimal:
    """Round any number to the cent, half up. Floats go through str() so that
    0.1 stays 0.10 and not 0.1000000000000000055511151231257827."""
    if isinstance(value, float):
        value = str(value)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
