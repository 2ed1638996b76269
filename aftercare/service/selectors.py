"""Reads of repair orders shared by the pages, the API and (later) reports."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q

from aftercare.catalog.models import LabourOperation, OtherCharge, PackageJob, Part, RepairType
from aftercare.core.dates import local_day_bounds
from aftercare.core.permissions import Perm

from .choices import LineKind, LineStatus, Status
from .models import ZERO, CheckIn, Photo, RepairOrder, RepairOrderLine, StatusChange

CATALOGUE_KINDS = ("operation", "part", "package", "other_charge")


# What a row of the list shows (templates/service/repair_order_list.html#row); nothing else is read.
LIST_FIELDS = (
    "store_id", "number", "status", "opened_at", "promised_at", "total", "vehicle__plate", "vehicle__model",
    "customer__name", "advisor__full_name", "advisor__username",
)  # fmt: skip


def repair_orders_for(user, perm: str = Perm.REPAIR_ORDER_VIEW):
    """The repair orders a user may see, with the columns a list row shows, newest
    first — so today's orders lead. Ordered by the ro_store_recent index only:
    a computed "today's open ones first" key made every page sort the store's
    whole history. RepairOrderFilterSet narrows them."""
    return (
        RepairOrder.objects.for_user(user, perm)
        .select_related("vehicle", "customer", "advisor")
        .only(*LIST_FIELDS)
        .order_by("-opened_at", "-id")
    )


def repair_order_for(user, pk: int, perm: str = Perm.REPAIR_ORDER_VIEW) -> RepairOrder:
    """One repair order with everything its page shows, in a fixed number of
    queries whatever the number of lines (raises DoesNotExist outside the user's stores)."""
    return (
        RepairOrder.objects.for_user(user, perm)
        .select_related(
            "store", "vehicle", "customer", "advisor", "repair_type", "check_in", "authorisation_recorded_by"
        )
        .prefetch_related(
            Prefetch("lines", queryset=RepairOrderLine.objects.select_related("technician", "bay")),
            Prefetch("status_changes", queryset=StatusChange.objects.select_related("changed_by")),
            "photos",
        )
        .get(pk=pk)
    )


@dataclass
class RepairOrderPage:
    """One repair order with what its page shows."""

    order: RepairOrder  # with vehicle, customer, advisor, repair type, authorisation recorder
    sheet: CheckIn  # its check-in sheet, unsaved and empty if it has none
    lines: list[RepairOrderLine]  # in order, with technician and bay
    history: list[StatusChange]  # with who moved it
    photos: list[Photo]


def repair_order_page(user, pk: int) -> RepairOrderPage:
    """One repair order with what its page shows, in four queries whatever the
    number of lines (raises DoesNotExist outside the user's stores)."""
    order = (
        RepairOrder.objects.for_user(user, Perm.REPAIR_ORDER_VIEW)
        .select_related("vehicle", "customer", "advisor", "repair_type", "check_in", "authorisation_recorded_by")
        .defer("check_in__customer_signature")  # an image the page does not show
        .prefetch_related(
            # Each decided line with its evidence (docs/DOMAIN.md §3.4); the photos shown only
            # when a line was decided.
            Prefetch(
                "lines",
                queryset=RepairOrderLine.objects.select_related("technician", "bay", "decision").prefetch_related(
                    "decision__photos_shown"
                ),
            ),
            Prefetch("status_changes", queryset=StatusChange.objects.select_related("changed_by")),
            Prefetch("photos", queryset=Photo.objects.order_by("id")),
        )
        .get(pk=pk)
    )
    try:
        sheet = order.check_in
    except CheckIn.DoesNotExist:
        sheet = CheckIn(repair_order=order)
    return RepairOrderPage(
        order=order,
        sheet=sheet,
        lines=list(order.lines.all()),
        history=list(order.status_changes.all()),
        photos=list(order.photos.all()),
    )


@dataclass
class LineGroup:
    kind: str
    label: str
    lines: list = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.counts), Decimal("0.00"))

    @property
    def hours(self) -> Decimal:
        return sum((line.hours for line in self.lines if line.counts), Decimal("0.00"))


def lines_grouped(lines: Iterable[RepairOrderLine]) -> list[LineGroup]:
    """An order's lines (already read) as labour / parts / other charges."""
    groups = {kind: LineGroup(kind, label) for kind, label in LineKind.choices}
    for line in lines:
        groups[line.kind].lines.append(line)
    return [group for group in groups.values() if group.lines]


# Readers that mark an order's lines with what settles them elsewhere (loyalty's
# package-card use, 套餐卡抵扣): reader(order, line_ids) -> {line_id: label}. The
# apps downstream register theirs in ready(); the spine imports none of them.
LINE_MARK_READERS: list[Callable[[RepairOrder, list[int]], dict[int, str]]] = []


def register_line_mark(reader: Callable[[RepairOrder, list[int]], dict[int, str]]) -> None:
    if reader not in LINE_MARK_READERS:
        LINE_MARK_READERS.append(reader)


# Panels other apps load into the order's page by htmx (crm's recommendations): each
# registers the template of its loader in ready(); the page includes them in order.
ORDER_PAGE_PANELS: list[str] = []


def register_order_panel(template_name: str) -> None:
    if template_name not in ORDER_PAGE_PANELS:
        ORDER_PAGE_PANELS.append(template_name)


def mark_lines(order: RepairOrder, lines: Iterable[RepairOrderLine]) -> list[RepairOrderLine]:
    """Set `line.marks` (labels, possibly none) on lines already read: one query
    per registered reader, none when the order has no lines."""
    lines = list(lines)
    for line in lines:
        line.marks = []
    ids = [line.pk for line in lines]
    if not ids:
        return lines
    for reader in LINE_MARK_READERS:
        marks = reader(order, ids)
        for line in lines:
            if line.pk in marks:
                line.marks.append(marks[line.pk])
    return lines


def proposed_lines(lines: Iterable[RepairOrderLine]) -> list[RepairOrderLine]:
    return [line for line in lines if line.status == LineStatus.PROPOSED]


def total_hours(lines: Iterable[RepairOrderLine]) -> Decimal:
    return sum((line.hours for line in lines if line.kind == LineKind.LABOUR and line.counts), Decimal("0.00"))


def catalogue_matches(order: RepairOrder, kind: str, query: str, limit: int = 15) -> list:
    """Catalogue entries of the order's store matching a type-ahead: code or name contains the query.
    Operations and package jobs that do not apply to the vehicle's powertrain are left out."""
    model = {"operation": LabourOperation, "part": Part, "package": PackageJob, "other_charge": OtherCharge}.get(kind)
    if model is None:
        return []
    items = model.objects.effective_for_store(order.store).active()
    query = query.strip()
    if query:
        code_field = "part_no" if model is Part else "code"
        items = items.filter(Q(**{f"{code_field}__icontains": query}) | Q(name__icontains=query))
    items = items.order_by(*(["part_no"] if model is Part else ["code"]))
    if model in (LabourOperation, PackageJob):  # a BEV is never offered an oil service (docs/DOMAIN.md §17.1)
        powertrain = order.vehicle.powertrain
        return [op for op in items[: limit * 3] if op.applies_to(powertrain)][:limit]
    return list(items[:limit])


def catalogue_item(order: RepairOrder, kind: str, pk) -> object | None:
    """One active catalogue entry of the order's store, or None."""
    model = {"operation": LabourOperation, "part": Part, "package": PackageJob, "other_charge": OtherCharge}.get(kind)
    if model is None:
        return None
    try:
        return model.objects.effective_for_store(order.store).active().filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def history_for(user, *, vehicle=None, customer=None, limit: int = 20) -> list[RepairOrder]:
    """车历: a vehicle's or customer's repair orders, newest first, with their
    lines, in two queries whatever the number of orders."""
    orders = RepairOrder.objects.for_user(user, Perm.REPAIR_ORDER_VIEW).select_related("vehicle", "advisor")
    if vehicle is not None:
        orders = orders.filter(vehicle=vehicle)
    if customer is not None:
        orders = orders.filter(customer=customer)
    return list(
        orders.order_by("-opened_at", "-id").prefetch_related(
            Prefetch("lines", queryset=RepairOrderLine.objects.exclude(status=LineStatus.DECLINED))
        )[:limit]
    )


def repair_type_available(store, repair_type) -> bool:
    return RepairType.objects.effective_for_store(store).active().filter(pk=repair_type.pk).exists()


PROGRESS_STEPS = (
    Status.RECEPTION,
    Status.ESTIMATE,
    Status.APPROVED,
    Status.IN_PROGRESS,
    Status.QUALITY_CHECK,
    Status.READY,
    Status.SETTLED,
    Status.DELIVERED,
)


def progress_steps(order: RepairOrder, changes: Iterable[StatusChange]) -> list[dict]:
    """进度查询: each step of the order with the move that reached it, for staff and the
    customer's phone alike (docs/DOMAIN.md §3.1)."""
    reached = {change.to_status: change for change in changes}
    current = PROGRESS_STEPS.index(order.status) if order.status in PROGRESS_STEPS else -1
    return [
        {"status": step, "label": step.label, "change": reached.get(step), "done": index < current,
         "current": index == current}
        for index, step in enumerate(PROGRESS_STEPS)
    ]  # fmt: skip


# --- daily figures for the reports app (docs/DOMAIN.md §18.3): set-based, by store and local day ----------


def daily_order_figures(*, store_ids, start, end) -> dict:
    """{(store_id, day, advisor_id): figures} of the local days start..end:
    arrivals (orders opened, not cancelled), deliveries (orders delivered, by their closing day),
    same_day (delivered the day they were opened), revenue of the delivered orders (labour, parts,
    other, discount, total) and the additional work sold on them (approved additional lines).
    Three grouped queries."""
    from django.db.models import Count, F, Sum
    from django.db.models.functions import TruncDate

    since, until = local_day_bounds(start, end)
    store_ids = list(store_ids)
    figures: dict = {}

    def row(key):
        return figures.setdefault(
            key,
            {
                "arrivals": 0,
                "deliveries": 0,
                "same_day": 0,
                "labour": ZERO,
                "parts": ZERO,
                "other": ZERO,
                "discount": ZERO,
                "revenue": ZERO,
                "additional": ZERO,
            },
        )

    opened = (
        RepairOrder.objects.filter(store_id__in=store_ids, opened_at__gte=since, opened_at__lt=until)
        .exclude(status=Status.CANCELLED)
        .annotate(day=TruncDate("opened_at"))
        .values_list("store_id", "day", "advisor_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for store_id, day, advisor_id, n in opened:
        row((store_id, day, advisor_id))["arrivals"] = n
    delivered = (
        RepairOrder.objects.filter(
            store_id__in=store_ids, status=Status.DELIVERED, closed_at__gte=since, closed_at__lt=until
        )
        .annotate(day=TruncDate("closed_at"), opened_day=TruncDate("opened_at"))
        .values_list("store_id", "day", "advisor_id")
        .annotate(
            n=Count("id"),
            same=Count("id", filter=Q(opened_day=F("day"))),
            labour=Sum("labour_total"),
            parts=Sum("parts_total"),
            other=Sum("other_total"),
            discount=Sum("discount_total"),
            revenue=Sum("total"),
        )
        .order_by()
    )
    for store_id, day, advisor_id, n, same, labour, parts, other, discount, revenue in delivered:
        r = row((store_id, day, advisor_id))
        r.update(
            deliveries=n, same_day=same, labour=labour, parts=parts, other=other, discount=discount, revenue=revenue
        )
    additional = (
        RepairOrderLine.objects.filter(
            repair_order__store_id__in=store_ids,
            repair_order__status=Status.DELIVERED,
            repair_order__closed_at__gte=since,
            repair_order__closed_at__lt=until,
            is_additional=True,
            status=LineStatus.APPROVED,
        )
        .annotate(day=TruncDate("repair_order__closed_at"))
        .values_list("repair_order__store_id", "day", "repair_order__advisor_id")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for store_id, day, advisor_id, amount in additional:
        row((store_id, day, advisor_id))["additional"] = amount or ZERO
    return figures


def daily_open_orders(*, store_ids, start, end) -> dict:
    """{(store_id, day): orders opened by the end of the day and not yet delivered or cancelled then}
    (在修未交车), for every day start..end: the count open at the start plus a running sum of the
    orders opened and closed each day. Three grouped queries."""
    from datetime import timedelta

    from django.db.models import Count
    from django.db.models.functions import TruncDate

    since, until = local_day_bounds(start, end)
    store_ids = list(store_ids)
    at_start = dict(
        RepairOrder.objects.filter(store_id__in=store_ids, opened_at__lt=since)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=since))
        .values_list("store_id")
        .annotate(n=Count("id"))
        .order_by()
    )

    def per_day(field):
        return {
            (store_id, day): n
            for store_id, day, n in RepairOrder.objects.filter(
                store_id__in=store_ids, **{f"{field}__gte": since, f"{field}__lt": until}
            )
            .annotate(day=TruncDate(field))
            .values_list("store_id", "day")
            .annotate(n=Count("id"))
            .order_by()
        }

    opened, closed = per_day("opened_at"), per_day("closed_at")
    result = {}
    for store_id in store_ids:
        running = at_start.get(store_id, 0)
        day = start
        while day <= end:
            running += opened.get((store_id, day), 0) - closed.get((store_id, day), 0)
            result[(store_id, day)] = running
            day += timedelta(days=1)
    return result


def orders_opened(*, store_ids, start, end, advisor_id=None):
    """The orders counted as arrivals of start..end (opened, not cancelled): a drill-down's rows."""
    since, until = local_day_bounds(start, end)
    orders = RepairOrder.objects.filter(store_id__in=list(store_ids), opened_at__gte=since, opened_at__lt=until)
    orders = orders.exclude(status=Status.CANCELLED)
    return orders.filter(advisor_id=advisor_id) if advisor_id else orders


def orders_delivered(*, store_ids, start, end, advisor_id=None, same_day: bool = False):
    """The orders delivered start..end (their revenue counts on that day): a drill-down's rows."""
    from django.db.models import F
    from django.db.models.functions import TruncDate

    since, until = local_day_bounds(start, end)
    orders = RepairOrder.objects.filter(
        store_id__in=list(store_ids), status=Status.DELIVERED, closed_at__gte=since, closed_at__lt=until
    )
    if same_day:
        orders = orders.annotate(_o=TruncDate("opened_at"), _c=TruncDate("closed_at")).filter(_o=F("_c"))
    return orders.filter(advisor_id=advisor_id) if advisor_id else orders


def orders_open_at_end_of(*, store_ids, day):
    """The orders opened by the end of `day` and not delivered or cancelled by then (在修未交车)."""
    _since, until = local_day_bounds(day, day)
    return RepairOrder.objects.filter(store_id__in=list(store_ids), opened_at__lt=until).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=until)
    )
