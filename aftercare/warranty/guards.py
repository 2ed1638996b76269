"""What warranty puts on the spine without the spine importing it: the guard
that holds back settlement of an order whose warranty line is not covered
and has no approved override, and the mark on such lines (docs/DOMAIN.md §14.2)."""

from django.utils.translation import gettext as _

from .selectors import order_check


def _only_customer_lines(order) -> bool:
    """Every approved line is the customer's: its totals say so without a query (total is every
    approved line, customer_total the customer's), so orders without warranty work cost nothing."""
    return order.total == order.customer_total


def override_missing(order) -> str | None:
    if _only_customer_lines(order):
        return None
    check = order_check(order)
    if check is None or not check.needs_override:
        return None
    return _("A warranty line on this vehicle is not covered: a manager must approve an override first.")


def line_marks(order, line_ids: list[int]) -> dict[int, str]:
    if _only_customer_lines(order):
        return {}
    check = order_check(order)
    if check is None or not check.needs_override:
        return {}
    label = _("Not covered: override needed")
    excluded = set(check.excluded_line_ids)
    if check.covered:
        return {pk: _("Wear part excluded") for pk in line_ids if pk in excluded}
    warranty_ids = set(order.lines.filter(pk__in=line_ids, payer="warranty").values_list("id", flat=True))
    return {pk: label for pk in line_ids if pk in warranty_ids}


def delete_veto(order) -> str:
    """Registered with core.services.register_delete_veto: an order with a warranty claim is
    the carmaker's document too, and is never deleted (docs/DOMAIN.md §24)."""
    from .models import Claim

    if Claim.objects.filter(repair_order=order).exists():
        return _("This repair order has a warranty claim.")
    return ""
