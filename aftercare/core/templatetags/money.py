"""`{{ amount|money }}`: an amount as people read it in the shop, ¥1,234.00."""

from django import template

from aftercare.core.money import to_money

register = template.Library()


@register.filter
def money(value) -> str:
    """Yuan with a thousands separator and two decimals, rounded as core.money rounds;
    "" for no amount, so that `|default:"—"` can stand in for it."""
    if value is None or value == "":
        return ""
    amount = to_money(value)
    return f"-¥{-amount:,.2f}" if amount < 0 else f"¥{amount:,.2f}"
