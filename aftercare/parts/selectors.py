"""Reads of the parts counter shared by pages, the API and reports; each starts from for_user()."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, F, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.core.marks import order_priority, order_priority_mark
from aftercare.core.permissions import Perm

from .choices import OPEN_DEMAND, DemandStatus, MovementKind, OrderStatus
from .models import LineDemand, Movement, StockItem, SupplierOrderLine

QUEUE_LIMIT = 200


def issue_queue(user, store=None, limit: int = QUEUE_LIMIT) -> list[LineDemand]:
    """待发料: open part lines, those of a priority order first (core.marks: the VIC green
    channel's parts are issued first), then by promised time, each with what its order and part
    need to show, and for a short line the expected arrival of its earliest open order."""
    rows = (
        LineDemand.objects.for_user(user, Perm.PARTS_MANAGE)
        .filter(status__in=OPEN_DEMAND)
        .select_related("repair_order", "repair_order__vehicle", "line", "item")
        .annotate(priority=order_priority("repair_order_id"), priority_mark=order_priority_mark("repair_order_id"))
        .order_by("-priority", F("promised_at").asc(nulls_last=True), "id")
    )
    if store is not None:
        rows = rows.filter(store=store)
    rows = list(rows[:limit])
    _attach_arrivals(rows)
    return rows


def _attach_arrivals(demands) -> None:
    short = {d.item_id for d in demands if d.status == DemandStatus.SHORT}
    arrivals = expected_arrivals(short)
    for demand in demands:
        demand.expected_at = arrivals.get(demand.item_id)


def expected_arrivals(item_ids) -> dict[int, object]:
    """item id -> the earliest expected arrival of an open, submitted order line."""
    if not item_ids:
        return {}
    rows = (
        SupplierOrderLine.objects.filter(
            item_id__in=item_ids, order__status=OrderStatus.SUBMITTED, quantity__gt=F("received") + F("cancelled")
        )
        .values("item_id")
        .annotate(first=Min("expected_at"))
    )
    return {row["item_id"]: row["first"] for row in rows}


def order_part_lines(user, order) -> list:
    """The part lines of one repair order as the advisor sees them, each with its demand (None
    before approval): 待发料, 缺件 with the expected arrival, or 已发料; OEM or brand as estimated."""
    from aftercare.service.choices import LineKind
    from aftercare.service.models import RepairOrderLine

    lines = list(
        RepairOrderLine.objects.filter(repair_order=order, kind=LineKind.PART)
        .select_related("demand")
        .order_by("position", "id")
    )
    demands = [line.demand for line in lines if getattr(line, "demand", None) is not None]
    _attach_arrivals(demands)
    for line in lines:
        line.part_demand = getattr(line, "demand", None)
    return lines


def shortages(user, store, limit: int = 50) -> list[LineDemand]:
    """缺件 for the management board: open orders' short part lines with their expected arrival."""
    rows = list(
        LineDemand.objects.for_user(user, Perm.REPAIR_ORDER_VIEW)
        .filter(store=store, status=DemandStatus.SHORT)
        .select_related("repair_order", "repair_order__vehicle", "item")
        .order_by(F("promised_at").asc(nulls_last=True), "id")[:limit]
    )
    _attach_arrivals(rows)
    return rows


def short_counts(store_ids, order_ids) -> dict[int, int]:
    """repair order id -> its number of short part lines (for the management board)."""
    rows = (
        LineDemand.objects.filter(store_id__in=store_ids, repair_order_id__in=order_ids, status=DemandStatus.SHORT)
        .values("repair_order_id")
        .annotate(n=Count("id"))
    )
    return {row["repair_order_id"]: row["n"] for row in rows}


def stock_lookup(user, store, q: str = "", limit: int = 50):
    """Stock by part number, name, pinyin (full or initials) or bin: every key a prefix of an indexed column."""
    items = StockItem.objects.for_user(user, Perm.PARTS_MANAGE).filter(store=store)
    q = (q or "").strip()
    if q:
        lowered = q.lower()
        if q.isascii():
            upper = q.upper()
            match = (
                Q(part_no__prefix=upper)
                | Q(name_pinyin__prefix=lowered)
                | Q(name_initials__prefix=lowered)
                | Q(main_bin__prefix=upper)
            )
        else:
            match = Q(name__prefix=q)
        items = items.filter(match)
    return list(items.order_by("part_no")[: limit + 1])


def back_orders(user, store):
    return (
        SupplierOrderLine.objects.for_user(user, Perm.PARTS_MANAGE)
        .filter(store=store, back_ordered_at__isnull=False, order__status=OrderStatus.SUBMITTED)
        .filter(quantity__gt=F("received") + F("cancelled"))
        .select_related("order", "item")
        .order_by("order__submitted_at")
    )


# --- Reports ------------------------------------------------------------------------------


def stock_value_by_category(user, store):
    return list(
        StockItem.objects.for_user(user, Perm.PARTS_MANAGE)
        .filter(store=store, on_hand__gt=0)
        .values("category")
        .annotate(items=Count("id"), quantity=Sum("on_hand"), value=Sum(F("on_hand") * F("avg_cost")))
        .order_by("category")
    )


def slow_movers(user, store, days: int = 180, now=None):
    since = (now or timezone.now()) - timedelta(days=days)
    return (
        StockItem.objects.for_user(user, Perm.PARTS_MANAGE)
        .filter(store=store, on_hand__gt=0)
        .filter(Q(last_moved_at__lt=since) | Q(last_moved_at__isnull=True))
        .order_by("last_moved_at", "part_no")
    )


def fill_rate(user, store, since, until) -> tuple[int, int, Decimal | None]:
    """Lines issued on time (first issue no later than the promised time) ÷ lines requested."""
    demands = LineDemand.objects.for_user(user, Perm.PARTS_MANAGE).filter(
        store=store, requested_at__gte=since, requested_at__lt=until
    )
    requested = demands.count()
    on_time = (
        demands.filter(first_issued_at__isnull=False)
        .filter(Q(promised_at__isnull=True) | Q(first_issued_at__lte=F("promised_at")))
        .count()
    )
    return on_time, requested, (Decimal(on_time) / requested * 100).quantize(Decimal("0.1")) if requested else None


def parts_margin(user, store, since, until) -> dict:
    """Parts sales (the issued lines' amounts) against their cost at issue."""
    issues = Movement.objects.for_user(user, Perm.PARTS_MANAGE).filter(
        store=store, kind__in=(MovementKind.ISSUE, MovementKind.RETURN), created_at__gte=since, created_at__lt=until
    )
    cost = -(issues.aggregate(v=Sum(F("quantity") * F("unit_cost")))["v"] or 0)
    line_ids = issues.values("line_id")
    from aftercare.service.models import RepairOrderLine

    sales = RepairOrderLine.objects.filter(pk__in=line_ids).aggregate(v=Sum("amount"))["v"] or 0
    return {"sales": sales, "cost": cost, "margin": sales - cost}


def delete_veto(order) -> str:
    """Registered with core.services.register_delete_veto: an order whose parts were issued
    (any issue movement on its lines, even returned later) is never deleted (docs/DOMAIN.md §24.4)."""
    if Movement.objects.filter(line__repair_order=order, kind=MovementKind.ISSUE).exists():
        return _("Parts were issued to the order; it cannot be deleted.")
    return ""


def parts_cost_of_orders(orders, *, by: str = "repair_order_id") -> dict:
    """The stock cost of the parts issued to these orders, net of returns, grouped by a lookup
    from the repair-order line (e.g. "repair_order__repair_type_id"), for the service profit
    report (docs/DOMAIN.md §18.7). One grouped query."""
    rows = (
        Movement.objects.filter(kind__in=(MovementKind.ISSUE, MovementKind.RETURN), line__repair_order__in=orders)
        .order_by()
        .values_list(f"line__{by}")
        .annotate(v=Sum(F("quantity") * F("unit_cost")))
    )
    # Issues are negative quantities out of stock; returns positive.
    return {key: -(value or 0) for key, value in rows}
