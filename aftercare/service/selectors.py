"""Reads of repair orders shared by the pages, the API and (later) reports."""

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Prefetch, Q

from aftercare.accounts.models import User
from aftercare.catalog.models import Bay, LabourOperation, OtherCharge, PackageJob, Part, RepairType
from aftercare.core.compiled import CompiledQuery
from aftercare.core.permissions import Perm

from .choices import OPEN_STATUSES, LineKind, LineStatus, Status
from .models import CheckIn, Photo, RepairOrder, RepairOrderLine, StatusChange

CATALOGUE_KINDS = ("operation", "part", "package", "other_charge")


def repair_orders_for(user, perm: str = Perm.REPAIR_ORDER_VIEW):
    """The repair orders a user may see, with what a list row shows, newest
    first — so today's orders lead. Ordered by the ro_store_recent index only:
    a computed "today's open ones first" key made every page sort the store's
    whole history (measured: 82× the floor at 90,000 orders)."""
    return (
        RepairOrder.objects.for_user(user, perm)
        .select_related("vehicle", "customer", "advisor", "repair_type")
        .order_by("-opened_at", "-id")
    )


# --- the list, compiled -----------------------------------------------------------------------
#
# The list's page without filters, or filtered by status only, runs one statement per status and
# page; building the FilterSet and its QuerySet and compiling it cost more than running it (SQLite:
# ≈ 1 ms against 0.3 ms), so the statement is compiled once (core.compiled). Other filters go
# through RepairOrderFilterSet, which stays the definition of what each filter means.
LIST_STATUSES = frozenset({"open", *Status.values})  # the status filter's choices ("open": all open ones)


@functools.lru_cache(maxsize=256)
def _list_query(status: str, offset: int, limit: int, fields: tuple[str, ...]) -> CompiledQuery:
    def build(store_ids):
        # repair_orders_for() and RepairOrderFilterSet.filter_status, with the user's store ids.
        orders = RepairOrder.objects.filter(store__in=store_ids)
        if status == "open":
            orders = orders.filter(status__in=OPEN_STATUSES)
        elif status:
            orders = orders.filter(status=status)
        return orders.order_by("-opened_at", "-id").values_list(*fields)[offset : offset + limit]

    return CompiledQuery(build)


class ListRows:
    """The rows (`fields` tuples) of the orders a user may see, newest first, with the status
    filter ("" for none, "open" or a status): sliced by a paginator, each slice one compiled statement."""

    ordered = True  # Paginator checks

    def __init__(self, user, status: str, fields: Sequence[str], perm: str = Perm.REPAIR_ORDER_VIEW):
        if status and status not in LIST_STATUSES:
            raise ValueError(f"not a status filter: {status!r}")
        self.store_ids = user.store_ids(perm) if user.is_authenticated else []
        self.status, self.fields = status, tuple(fields)

    def __getitem__(self, index: slice) -> list[tuple]:
        start, stop = index.start or 0, index.stop
        return _list_query(self.status, start, stop - start, self.fields).rows(self.store_ids)


_ADVISORS = CompiledQuery(
    # RepairOrderFilterSet's advisors to filter by, with the user's store ids.
    lambda store_ids: User.objects.filter(memberships__store_id__in=store_ids, memberships__is_active=True)
    .distinct()
    .order_by("full_name", "username")
    .values_list("pk", "full_name", "username")
)


def list_advisors(user, perm: str = Perm.REPAIR_ORDER_VIEW) -> list[tuple[int, str]]:
    """The advisors the list filters by, as (pk, name as User.__str__ shows it)."""
    return [(pk, full_name or username) for pk, full_name, username in _ADVISORS.rows(user.store_ids(perm))]


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


# --- the repair-order page --------------------------------------------------------------------
#
# The page runs the same four reads on every request; building and compiling them
# as QuerySets cost ten times the statements (SQLite), so each is compiled once
# (core.compiled) and the page's objects are built from the rows. It reads every
# column of the order and its lines, but of the rows around them only what it shows:
# the whole vehicle, customer and check-in sheet (with its signature image) cost more
# to read and build than the query. A field the page starts to show must be added
# here, or reading it costs one more query (pinned by a test).
_DB = DEFAULT_DB_ALIAS  # the alias CompiledQuery reads from
_USER = ("id", "full_name", "username")  # User.__str__
PAGE_RELATED = {
    "vehicle": ("id", "plate", "vin", "brand", "model"),
    "customer": ("id", "name"),
    "advisor": _USER,
    "repair_type": ("id", "name"),
    "check_in": ("id", "damage_marks", "covers_fitted", "belongings", "signed_at"),
    "authorisation_recorded_by": _USER,
}


def _attnames(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _in_model_order(model, names) -> tuple[str, ...]:
    # Model.from_db() takes a subset of the fields in the model's own order.
    order = _attnames(model)
    return tuple(sorted(names, key=order.index))


_ORDER_FIELDS = _attnames(RepairOrder)
_LINE_FIELDS = _attnames(RepairOrderLine)
_RELATED_MODELS = {name: RepairOrder._meta.get_field(name).related_model for name in PAGE_RELATED}
_RELATED_FIELDS = {name: _in_model_order(_RELATED_MODELS[name], fields) for name, fields in PAGE_RELATED.items()}
_USER_FIELDS = _in_model_order(User, _USER)  # id, username, full_name

# The order, if it is in one of the given stores (for_user's condition, with the user's store ids).
_ORDER = CompiledQuery(
    lambda pk, store_ids: RepairOrder.objects.filter(pk=pk, store__in=store_ids).values_list(
        *_ORDER_FIELDS, *(f"{name}__{field}" for name, fields in _RELATED_FIELDS.items() for field in fields)
    )
)
_LINES = CompiledQuery(
    lambda pk: RepairOrderLine.objects.filter(repair_order=pk).values_list(
        *_LINE_FIELDS, *(f"technician__{field}" for field in _USER_FIELDS[1:]), "bay__name"
    )
)
_HISTORY = CompiledQuery(
    lambda pk: StatusChange.objects.filter(repair_order=pk).values_list(
        "to_status", "changed_at", "note", "changed_by__full_name", "changed_by__username"
    )
)
_PHOTOS = CompiledQuery(lambda pk: Photo.objects.filter(repair_order=pk).values_list("image", "caption"))


class StatusRow(NamedTuple):
    to_status: str
    changed_at: datetime
    note: str
    changed_by: str  # the user as User.__str__ shows them, "" when the system moved it


class PhotoRow(NamedTuple):
    url: str
    caption: str


@dataclass
class RepairOrderPage:
    """One repair order with what its page shows."""

    order: RepairOrder  # with vehicle, customer, advisor, repair type, authorisation recorder (shown fields)
    sheet: CheckIn  # its check-in sheet, unsaved and empty if it has none
    lines: list[RepairOrderLine]  # in order, with technician and bay
    history: list[StatusRow]
    photos: list[PhotoRow]


def repair_order_page(user, pk: int) -> RepairOrderPage:
    """One repair order with what its page shows, in four queries whatever the
    number of lines (raises DoesNotExist outside the user's stores)."""
    found = _ORDER.rows(pk, user.store_ids(Perm.REPAIR_ORDER_VIEW))
    if not found:
        raise RepairOrder.DoesNotExist
    row = found[0]
    order = RepairOrder.from_db(_DB, _ORDER_FIELDS, row[: len(_ORDER_FIELDS)])
    start, sheet = len(_ORDER_FIELDS), None
    for name, fields in _RELATED_FIELDS.items():
        values = row[start : start + len(fields)]
        start += len(fields)
        if values[0] is None:  # no check-in sheet, nobody recorded an authorisation
            continue
        related = _RELATED_MODELS[name].from_db(_DB, fields, values)  # the fields not read are deferred
        setattr(order, name, related)
        if name == "check_in":
            sheet = related
    lines = []
    for values in _LINES.rows(pk):
        line = RepairOrderLine.from_db(_DB, _LINE_FIELDS, values[: len(_LINE_FIELDS)])
        *technician, bay_name = values[len(_LINE_FIELDS) :]
        if line.technician_id is not None:
            line.technician = User.from_db(_DB, _USER_FIELDS, (line.technician_id, *technician))
        if line.bay_id is not None:
            line.bay = Bay.from_db(_DB, ("id", "name"), (line.bay_id, bay_name))
        lines.append(line)
    storage = Photo._meta.get_field("image").storage
    return RepairOrderPage(
        order=order,
        sheet=sheet or CheckIn(repair_order=order),
        lines=lines,
        history=[
            StatusRow(to_status, changed_at, note, full_name or username or "")
            for to_status, changed_at, note, full_name, username in _HISTORY.rows(pk)
        ],
        photos=[PhotoRow(storage.url(name), caption) for name, caption in _PHOTOS.rows(pk)],
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


def proposed_lines(lines: Iterable[RepairOrderLine]) -> list[RepairOrderLine]:
    return [line for line in lines if line.status == LineStatus.PROPOSED]


def total_hours(lines: Iterable[RepairOrderLine]) -> Decimal:
    return sum((line.hours for line in lines if line.kind == LineKind.LABOUR and line.counts), Decimal("0.00"))


def catalogue_matches(order: RepairOrder, kind: str, query: str, limit: int = 15) -> list:
    """Catalogue entries of the order's store matching a type-ahead: code or name contains the query.
    Operations that do not apply to the vehicle's powertrain are left out."""
    model = {"operation": LabourOperation, "part": Part, "package": PackageJob, "other_charge": OtherCharge}.get(kind)
    if model is None:
        return []
    items = model.objects.effective_for_store(order.store).active()
    query = query.strip()
    if query:
        code_field = "part_no" if model is Part else "code"
        items = items.filter(Q(**{f"{code_field}__icontains": query}) | Q(name__icontains=query))
    items = items.order_by(*(["part_no"] if model is Part else ["code"]))
    if model is LabourOperation:
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
