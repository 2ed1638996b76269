"""Reads of repair orders shared by the pages, the API and (later) reports."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q

from aftercare.catalog.models import LabourOperation, OtherCharge, PackageJob, Part, RepairType
from aftercare.core.permissions import Perm

from .choices import LineKind, LineStatus, Status
from .models import CheckIn, Photo, RepairOrder, RepairOrderLine, StatusChange

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
