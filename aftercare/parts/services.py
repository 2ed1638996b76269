"""Changes at the parts counter (docs/DOMAIN.md §12). Every quantity change locks the store's
stock-item row first (select_for_update; SQLite's IMMEDIATE transaction serialises writers),
checks against what it reads under that lock, writes one append-only Movement, and audits.
Stock never goes negative: a refusal is a ValidationError naming what is left."""

from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, DecimalField, ExpressionWrapper, F, Q, Sum, Value, When
from django.db.models.functions import Ceil, Coalesce, Greatest
from django.db.models.lookups import LessThan
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from aftercare.core.audit import audit_record
from aftercare.core.dates import add_months
from aftercare.core.money import check_price, check_quantity, to_money
from aftercare.core.permissions import Perm, require
from aftercare.core.services import next_document_number
from aftercare.service.choices import LineKind, LineStatus, Payer, Status

from .choices import (
    DEMAND_KINDS,
    OPEN_DEMAND,
    PHOTO_KINDS,
    CountStatus,
    DemandStatus,
    DocumentKind,
    MovementKind,
    OrderStatus,
    PartClass,
    SerialStatus,
)
from .models import (
    ZERO,
    BinStock,
    LineDemand,
    Movement,
    ReorderRun,
    SerialUnit,
    SpecialDocument,
    StockCount,
    StockCountLine,
    StockItem,
    Supplier,
    SupplierClosure,
    SupplierOrder,
    SupplierOrderLine,
)

DAYS_PER_MONTH = Decimal(30)
DEMAND_MONTHS = 12
# Defaults for a part without a supplier (docs/DOMAIN.md §12.2).
DEFAULT_CYCLE_DAYS, DEFAULT_LEAD_DAYS, DEFAULT_SAFETY_DAYS = 7, 3, 5
RESERVING_STATUSES = (Status.APPROVED, Status.IN_PROGRESS, Status.QUALITY_CHECK, Status.READY)


def name_keys(name: str) -> tuple[str, str]:
    """('jilvqing', 'jlq') for 机滤清: a part name's pinyin and initials for the lookup box."""
    syllables = [s for s in lazy_pinyin(name or "", style=Style.NORMAL, errors=lambda c: [x for x in c.lower()]) if s]
    syllables = [s for s in syllables if s.strip()]
    return "".join(syllables)[:200], "".join(s[0] for s in syllables)[:50]


# --- Stock items and movements ------------------------------------------------------------


def stock_item_ensure(*, store, part, bin: str = "", supplier=None, **fields) -> StockItem:
    """The store's stock item for a catalogue part, created empty the first time it is needed."""
    pinyin, initials = name_keys(part.name)
    defaults = {
        "part_no": part.part_no, "name": part.name, "name_pinyin": pinyin, "name_initials": initials,
        "main_bin": bin, "supplier": supplier, **fields,
    }  # fmt: skip
    item, _created = StockItem.objects.get_or_create(store=store, part=part, defaults=defaults)
    return item


def _locked(item: StockItem) -> StockItem:
    return StockItem.objects.select_for_update().select_related("store").get(pk=item.pk)


def _bin_row(item: StockItem, bin: str) -> BinStock:
    row = BinStock.objects.select_for_update().filter(item=item, bin=bin).first()
    return row or BinStock(item=item, store_id=item.store_id, bin=bin)


def _post(item: StockItem, *, kind, quantity: Decimal, bin: str, unit_cost, actor, now=None, **refs) -> Movement:
    """Apply one signed quantity to a locked item and its bin and write its movement. The caller
    holds the item's lock; a quantity that would leave the bin or the item below zero (or below
    what is reserved, for an unreserved take) is refused before anything is written."""
    bin = (bin or "").strip()[:20] or _default_bin(item, quantity)
    row = _bin_row(item, bin)
    if quantity < 0 and row.on_hand + quantity < 0:
        raise ValidationError(
            {"quantity": _("Only %(left)s of %(part)s in bin %(bin)s.")
             % {"left": row.on_hand.normalize(), "part": item.part_no, "bin": bin or "-"}}
        )  # fmt: skip
    if item.on_hand + quantity < 0:
        raise ValidationError({"quantity": _("Stock cannot go negative.")})
    now = now or timezone.now()
    row.on_hand += quantity
    row.save()
    item.on_hand += quantity
    item.last_moved_at = item.changed_at = now
    if not item.main_bin and bin:
        item.main_bin = bin
    return Movement.objects.create(
        store_id=item.store_id, item=item, kind=kind, bin=bin, quantity=quantity, unit_cost=to_money(unit_cost),
        on_hand_after=item.on_hand, created_by=actor if actor and actor.is_authenticated else None,
        created_at=now, **refs,
    )  # fmt: skip


def _default_bin(item: StockItem, quantity: Decimal) -> str:
    """Where a movement without a bin goes: the main bin, or for a take the main bin when it
    holds enough, else the bin holding the most."""
    if quantity > 0 or not item.pk:
        return item.main_bin or ""
    rows = dict(BinStock.objects.filter(item=item, on_hand__gte=-quantity).values_list("bin", "on_hand"))
    if item.main_bin in rows or not rows:
        return item.main_bin or ""
    return max(rows, key=rows.get)


ITEM_FIELDS = ["on_hand", "reserved", "on_order", "back_ordered", "avg_cost", "changed_at", "last_moved_at", "main_bin"]


def _moving_average(item: StockItem, quantity: Decimal, unit_cost: Decimal) -> Decimal:
    total = item.on_hand + quantity
    if total <= 0:
        return to_money(unit_cost)
    return to_money((item.on_hand * item.avg_cost + quantity * unit_cost) / total)


def stock_receive(
    *, actor, item: StockItem, quantity, unit_cost, bin: str = "", order_line=None, serials=(), reason: str = ""
) -> Movement:
    """Put received parts into a bin at their cost; the moving average follows. Short lines of
    repair orders waiting for this part are reserved from the new stock, earliest promise first."""
    require(actor, Perm.PARTS_MANAGE, item.store)
    quantity = check_quantity(quantity)
    unit_cost = check_price(unit_cost, "unit_cost")
    with transaction.atomic():
        item = _locked(item)
        serial_units = _new_serials(item, serials, quantity)
        item.avg_cost = _moving_average(item, quantity, unit_cost)
        movement = _post(
            item, kind=MovementKind.RECEIPT, quantity=quantity, bin=bin, unit_cost=unit_cost, actor=actor,
            order_line=order_line, reason=reason[:200],
        )  # fmt: skip
        for unit in serial_units:
            unit.order_line = order_line
            unit.save()
        _allocate_short(item)
        item.save(update_fields=ITEM_FIELDS)
        audit_record(actor=actor, action="parts.receive", obj=item, changes={"on_hand": [None, str(item.on_hand)]})
    return movement


def _new_serials(item: StockItem, serials, quantity: Decimal) -> list[SerialUnit]:
    serials = [s.strip() for s in serials if s and s.strip()]
    if not item.serialized:
        return []
    if len(serials) != quantity or len(set(serials)) != len(serials):
        raise ValidationError({"serials": _("Enter one serial number for each of the %(n)s units.") % {"n": quantity}})
    taken = set(SerialUnit.objects.filter(item=item, serial__in=serials).values_list("serial", flat=True))
    if taken:
        raise ValidationError({"serials": _("Already received: %(s)s") % {"s": ", ".join(sorted(taken))}})
    return [SerialUnit(store_id=item.store_id, item=item, serial=s[:50]) for s in serials]


def stock_adjust(*, actor, item: StockItem, quantity, bin: str = "", reason: str) -> Movement:
    """An adjustment with its reason (damage, found in another bin): signed quantity, at average cost."""
    require(actor, Perm.PARTS_MANAGE, item.store)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the stock is adjusted.")})
    quantity = _signed_quantity(quantity)
    with transaction.atomic():
        item = _locked(item)
        if quantity < 0 and item.on_hand + quantity < item.reserved:
            raise ValidationError({"quantity": _("That would take parts reserved for repair orders.")})
        movement = _post(
            item, kind=MovementKind.ADJUSTMENT, quantity=quantity, bin=bin, unit_cost=item.avg_cost, actor=actor,
            reason=reason[:200],
        )  # fmt: skip
        item.save(update_fields=ITEM_FIELDS)
        audit_record(
            actor=actor, action="parts.adjust", obj=item, reason=reason, changes={"quantity": [None, str(quantity)]}
        )
    return movement


def _signed_quantity(value, field: str = "quantity") -> Decimal:
    text = str(value).strip()
    negative = text.startswith("-")
    quantity = check_quantity(text.lstrip("-"), field)
    return -quantity if negative else quantity


MAX_COUNT = Decimal("9999")


def _check_count(value, field: str) -> Decimal:
    try:
        counted = Decimal(str(value).strip())
    except Exception:
        raise ValidationError({field: _("Enter the counted quantity.")}) from None
    if not counted.is_finite() or counted < 0 or counted > MAX_COUNT or counted != counted.quantize(Decimal("0.01")):
        raise ValidationError({field: _("Enter the counted quantity.")})
    return counted


def count_enter(*, actor, store, counts: dict[int, object], bin_prefix: str = "", note: str = "") -> StockCount:
    """Save what the clerk counted, bin by bin ({bin-stock row id: counted}), as a count document with
    what each bin held at that moment. Nothing moves until a manager approves (docs/DOMAIN.md §12.1)."""
    require(actor, Perm.PARTS_MANAGE, store)
    entered = {pk: value for pk, value in counts.items() if str(value).strip() != ""}
    if not entered:
        raise ValidationError({"counts": _("Enter at least one counted quantity.")})
    checked = {pk: _check_count(value, f"count-{pk}") for pk, value in entered.items()}
    with transaction.atomic():
        rows = {row.pk: row for row in BinStock.objects.filter(store=store, pk__in=list(checked))}
        unknown = [pk for pk in checked if pk not in rows]
        if unknown:
            raise ValidationError({"counts": _("Unknown bin.")})
        count = StockCount.objects.create(
            store=store, number=next_document_number(store=store, kind="parts_count", prefix="SC"),
            bin_prefix=(bin_prefix or "")[:20], note=(note or "")[:200],
            counted_by=actor if actor and actor.is_authenticated else None,
        )  # fmt: skip
        lines = [
            StockCountLine(count=count, store=store, item_id=row.item_id, bin=row.bin, expected=row.on_hand,
                           counted=checked[pk])
            for pk, row in rows.items()
        ]  # fmt: skip
        StockCountLine.objects.bulk_create(lines)
        audit_record(actor=actor, action="parts.count_enter", obj=count, changes={"lines": [None, len(checked)]})
    return count


def count_approve(*, actor, count: StockCount) -> list[Movement]:
    """A manager approves a count's variances: each bin whose count differs from what it held when
    counted gets one count movement of the difference (movements since the count are already in the
    books). All or nothing: a variance that would take stock below zero or below what is reserved
    refuses the whole approval, naming the part."""
    require(actor, Perm.PARTS_APPROVE, count.store)
    movements = []
    with transaction.atomic():
        count = StockCount.objects.select_for_update().get(pk=count.pk)
        if count.status != CountStatus.ENTERED:
            raise ValidationError(_("This count has already been decided."))
        now = timezone.now()
        for line in count.lines.select_related("item").order_by("item_id", "bin"):
            variance = line.variance
            if not variance:
                continue
            item = _locked(line.item)
            if item.on_hand + variance < item.reserved:
                raise ValidationError(
                    _("%(part)s: the count leaves less than is reserved for repair orders.") % {"part": item.part_no}
                )
            try:
                movement = _post(
                    item, kind=MovementKind.COUNT, quantity=variance, bin=line.bin, unit_cost=item.avg_cost,
                    actor=actor, now=now, reason=(_("Stock count %(n)s") % {"n": count.number})[:200],
                )  # fmt: skip
            except ValidationError as error:
                raise ValidationError(f"{item.part_no} {line.bin}: {' '.join(error.messages)}") from None
            item.save(update_fields=ITEM_FIELDS)
            line.movement = movement
            line.save(update_fields=["movement"])
            movements.append(movement)
        count.status, count.decided_by, count.decided_at = CountStatus.APPROVED, actor, now
        count.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(
            actor=actor, action="parts.count_approve", obj=count, changes={"movements": [None, len(movements)]}
        )
    return movements


def count_reject(*, actor, count: StockCount, reason: str) -> StockCount:
    """A manager rejects a count (recount needed): nothing is posted."""
    require(actor, Perm.PARTS_APPROVE, count.store)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the count is rejected.")})
    with transaction.atomic():
        count = StockCount.objects.select_for_update().get(pk=count.pk)
        if count.status != CountStatus.ENTERED:
            raise ValidationError(_("This count has already been decided."))
        count.status, count.decided_by, count.decided_at = CountStatus.REJECTED, actor, timezone.now()
        count.decision_reason = reason[:200]
        count.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit_record(actor=actor, action="parts.count_reject", obj=count, reason=reason)
    return count


def stock_transfer(*, actor, item: StockItem, quantity, from_bin: str, to_bin: str, to_store=None) -> Movement:
    """Move parts between bins, or to another store of the same group (the receiving store's
    stock item is created on the way); two movements point at each other."""
    require(actor, Perm.PARTS_MANAGE, item.store)
    quantity = check_quantity(quantity)
    target_store = to_store or item.store
    if target_store.group_id != item.store.group_id:
        raise ValidationError({"to_store": _("Transfers stay within the dealer group.")})
    if target_store.pk == item.store_id and (from_bin or "") == (to_bin or ""):
        raise ValidationError({"to_bin": _("Choose another bin.")})
    with transaction.atomic():
        item = _locked(item)
        if item.on_hand - quantity < item.reserved:
            raise ValidationError({"quantity": _("That would take parts reserved for repair orders.")})
        cost = item.avg_cost
        out = _post(item, kind=MovementKind.TRANSFER_OUT, quantity=-quantity, bin=from_bin, unit_cost=cost, actor=actor)
        item.save(update_fields=ITEM_FIELDS)
        target = item
        if target_store.pk != item.store_id:
            target = _locked(
                stock_item_ensure(store=target_store, part=item.part, bin=to_bin, serialized=item.serialized)
            )
            target.avg_cost = _moving_average(target, quantity, cost)
        incoming = _post(
            target, kind=MovementKind.TRANSFER_IN, quantity=quantity, bin=to_bin, unit_cost=cost, actor=actor,
            counterpart=out,
        )  # fmt: skip
        if target.pk != item.pk:
            _allocate_short(target)
        target.save(update_fields=ITEM_FIELDS)
        audit_record(
            actor=actor, action="parts.transfer", obj=item, changes={"to": [from_bin, f"{target_store}/{to_bin}"]}
        )
    return incoming


REVERSIBLE = (MovementKind.ADJUSTMENT, MovementKind.COUNT, MovementKind.RECEIPT)


def movement_reverse(*, actor, movement: Movement, reason: str) -> Movement:
    """Correct a movement by its mirror image: never an edit. Issues and returns are corrected
    by returning or issuing again; a receipt against an order reopens the order line."""
    require(actor, Perm.PARTS_APPROVE, movement.store)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the movement is reversed.")})
    if movement.kind not in REVERSIBLE:
        raise ValidationError(
            _("Only receipts, adjustments and counts are reversed; return or issue the part instead.")
        )
    with transaction.atomic():
        item = _locked(movement.item)
        if Movement.objects.filter(reverses=movement).exists():
            raise ValidationError(_("This movement has already been reversed."))
        if movement.quantity > 0 and item.on_hand - movement.quantity < item.reserved:
            raise ValidationError(_("The parts are reserved for repair orders; release them first."))
        reversal = _post(
            item, kind=MovementKind.REVERSAL, quantity=-movement.quantity, bin=movement.bin,
            unit_cost=movement.unit_cost, actor=actor, reverses=movement, reason=reason.strip()[:200],
            order_line=movement.order_line,
        )  # fmt: skip
        if movement.order_line_id:
            line = SupplierOrderLine.objects.select_for_update().get(pk=movement.order_line_id)
            line.received -= movement.quantity
            line.save(update_fields=["received"])
            item.on_order += min(movement.quantity, line.open_quantity)
        item.save(update_fields=ITEM_FIELDS)
        audit_record(
            actor=actor, action="parts.reverse", obj=item, reason=reason, changes={"movement": [movement.pk, None]}
        )
    return reversal


# --- Repair-order part lines ---------------------------------------------------------------


def demands_sync(*, repair_order_id: int) -> int:
    """Reserve stock for the approved part lines of an order that have no demand yet, and
    release what declined or removed lines held; on cancellation release everything.
    Idempotent: the service spine's signal calls it after every move."""
    from aftercare.service.models import RepairOrder, RepairOrderLine

    with transaction.atomic():
        order = RepairOrder.objects.select_for_update(of=("self",)).get(pk=repair_order_id)
        demands = {d.line_id: d for d in LineDemand.objects.filter(repair_order=order)}
        created = 0
        if order.status in RESERVING_STATUSES:
            lines = RepairOrderLine.objects.filter(
                repair_order=order, kind=LineKind.PART, status=LineStatus.APPROVED, part__isnull=False
            ).select_related("part")
            for line in lines:
                if line.pk in demands:
                    continue
                item = _locked(stock_item_ensure(store=order.store, part=line.part))
                demand = LineDemand(
                    store_id=order.store_id, line=line, repair_order=order, item=item, quantity=line.quantity,
                    promised_at=order.promised_at,
                )  # fmt: skip
                take = min(max(item.available, ZERO), line.quantity)
                demand.reserved = take
                item.reserved += take
                item.changed_at = timezone.now()
                demand.status = demand.status_for()
                demand.save()
                item.save(update_fields=["reserved", "changed_at"])
                created += 1
            live = set(lines.values_list("pk", flat=True))
        else:
            live = set()
        for line_id, demand in demands.items():
            # a declined, removed or no longer needed line gives its reservation back; parts already
            # issued stay with the job until the clerk books them back as a return
            if line_id not in live and demand.status in OPEN_DEMAND and order.status != Status.SETTLED:
                _release(demand)
    return created


def _release(demand: LineDemand) -> None:
    item = _locked(demand.item)
    item.reserved -= min(demand.reserved, item.reserved)
    item.changed_at = timezone.now()
    item.save(update_fields=["reserved", "changed_at"])
    demand.reserved = ZERO
    demand.status = DemandStatus.CLOSED
    demand.save(update_fields=["reserved", "status"])
    _allocate_short(item)
    item.save(update_fields=["reserved"])


def stock_allocate(*, item: StockItem) -> StockItem:
    """Reserve an item's free stock for the lines short of it (after stock was loaded in bulk)."""
    with transaction.atomic():
        item = _locked(item)
        _allocate_short(item)
        item.save(update_fields=["reserved"])
    return item


def _allocate_short(item: StockItem) -> None:
    """Reserve free stock of a locked item for the repair-order lines short of it, earliest promise first."""
    free = item.on_hand - item.reserved
    if free <= 0:
        return
    for demand in (
        LineDemand.objects.select_for_update()
        .filter(item=item, status=DemandStatus.SHORT)
        .order_by(F("promised_at").asc(nulls_last=True), "id")
    ):
        need = demand.quantity - demand.issued - demand.reserved
        take = min(need, free)
        if take <= 0:
            continue
        demand.reserved += take
        item.reserved += take
        free -= take
        demand.status = demand.status_for()
        demand.save(update_fields=["reserved", "status"])
        if free <= 0:
            break


def _locked_demand(demand: LineDemand) -> LineDemand:
    return LineDemand.objects.select_for_update().select_related("line", "repair_order").get(pk=demand.pk)


def part_issue(
    *, actor, demand: LineDemand, quantity=None, bin: str = "", serial: str = "", return_tag: str = ""
) -> Movement:
    """Issue a repair-order line's part to the job (发料): what was reserved for it first, then free
    stock. Two clerks issuing the last unit wait for each other on the item's lock; the second
    finds nothing left and is refused."""
    require(actor, Perm.PARTS_MANAGE, demand.store)
    with transaction.atomic():
        item = _locked(demand.item)
        demand = _locked_demand(demand)
        if demand.status == DemandStatus.CLOSED:
            raise ValidationError(_("This line no longer needs parts."))
        outstanding = demand.quantity - demand.issued
        quantity = outstanding if quantity in (None, "") else check_quantity(quantity)
        if outstanding <= 0 or quantity > outstanding:
            raise ValidationError(
                {"quantity": _("At most %(n)s still to issue for this line.") % {"n": outstanding.normalize()}}
            )
        from_reserved = min(demand.reserved, quantity)
        if quantity - from_reserved > item.available:
            raise ValidationError(
                {"quantity": _("Out of stock (缺件): %(part)s has %(n)s available.")
                 % {"part": item.part_no, "n": max(item.available, ZERO).normalize()}}
            )  # fmt: skip
        unit = _serial_for_issue(item, serial, quantity)
        if demand.line.payer == Payer.WARRANTY:
            return_tag = (return_tag or demand.return_tag).strip()
            if not return_tag:
                raise ValidationError({"return_tag": _("A warranty line keeps the old part: enter its return tag.")})
            demand.return_tag = return_tag[:40]
        item.reserved -= from_reserved
        demand.reserved -= from_reserved
        movement = _post(
            item, kind=MovementKind.ISSUE, quantity=-quantity, bin=bin, unit_cost=item.avg_cost, actor=actor,
            line=demand.line, serial=unit,
        )  # fmt: skip
        now = movement.created_at
        if unit:
            unit.status, unit.vehicle_id, unit.line, unit.fitted_at = (
                SerialStatus.FITTED,
                demand.repair_order.vehicle_id,
                demand.line,
                now,
            )
            unit.save(update_fields=["status", "vehicle", "line", "fitted_at"])
        demand.issued += quantity
        demand.first_issued_at = demand.first_issued_at or now
        demand.status = demand.status_for()
        demand.save(update_fields=["reserved", "issued", "status", "first_issued_at", "return_tag"])
        item.save(update_fields=ITEM_FIELDS)
        audit_record(
            actor=actor, action="parts.issue", obj=demand.repair_order, changes={item.part_no: [None, str(quantity)]}
        )
    return movement


def _serial_for_issue(item: StockItem, serial: str, quantity: Decimal) -> SerialUnit | None:
    if not item.serialized:
        return None
    if quantity != 1:
        raise ValidationError({"quantity": _("Serial-numbered parts are issued one at a time.")})
    unit = SerialUnit.objects.select_for_update().filter(item=item, serial=(serial or "").strip()).first()
    if unit is None or unit.status != SerialStatus.IN_STOCK:
        raise ValidationError({"serial": _("Scan the serial number of a unit in stock.")})
    return unit


def part_return(*, actor, demand: LineDemand, quantity, bin: str = "", serial: str = "") -> Movement:
    """Unused parts come back from the workshop: stock is restored at the cost they left with and
    the line needs that much less."""
    require(actor, Perm.PARTS_MANAGE, demand.store)
    quantity = check_quantity(quantity)
    with transaction.atomic():
        item = _locked(demand.item)
        demand = _locked_demand(demand)
        if quantity > demand.issued:
            raise ValidationError(
                {"quantity": _("Only %(n)s were issued to this line.") % {"n": demand.issued.normalize()}}
            )
        last_issue = Movement.objects.filter(line=demand.line, kind=MovementKind.ISSUE).order_by("-id").first()
        cost = last_issue.unit_cost if last_issue else item.avg_cost
        unit = None
        if item.serialized:
            unit = (
                SerialUnit.objects.select_for_update()
                .filter(item=item, serial=serial.strip(), line=demand.line)
                .first()
            )
            if unit is None:
                raise ValidationError({"serial": _("Scan the serial number of the unit issued to this line.")})
            unit.status, unit.vehicle, unit.line, unit.fitted_at = SerialStatus.IN_STOCK, None, None, None
            unit.save(update_fields=["status", "vehicle", "line", "fitted_at"])
        item.avg_cost = _moving_average(item, quantity, cost)
        movement = _post(
            item, kind=MovementKind.RETURN, quantity=quantity, bin=bin, unit_cost=cost, actor=actor, line=demand.line,
            serial=unit,
        )  # fmt: skip
        demand.issued -= quantity
        demand.quantity -= quantity
        demand.status = DemandStatus.ISSUED if demand.quantity <= demand.issued else demand.status_for()
        demand.save(update_fields=["issued", "quantity", "status"])
        item.save(update_fields=ITEM_FIELDS)
        audit_record(
            actor=actor, action="parts.return", obj=demand.repair_order, changes={item.part_no: [str(quantity), None]}
        )
    return movement


def demand_by_code(*, store, code: str, repair_order_id: int | None = None) -> LineDemand | None:
    """The open line a scanned barcode or typed part number belongs to: the earliest promise first."""
    code = (code or "").strip()
    if not code:
        return None
    queryset = LineDemand.objects.filter(store=store, status__in=OPEN_DEMAND, item__part_no__iexact=code)
    if repair_order_id:
        queryset = queryset.filter(repair_order_id=repair_order_id)
    return queryset.order_by(F("promised_at").asc(nulls_last=True), "id").first()


# --- Reorder (ROQ) -----------------------------------------------------------------------


def closure_runs(supplier: Supplier | None, start: date, horizon: int = 40) -> list[tuple[date, int]]:
    """(first day, length) of every closure of the supplier starting within `horizon` days:
    China's official holidays with the weekends they join (the adjusted working days stay
    open), and the supplier's own closures."""
    import chinese_calendar

    closed = set()
    end = start + timedelta(days=horizon + 30)
    if supplier is None or supplier.follows_official_holidays:
        day = start
        while day <= end:
            try:
                if chinese_calendar.get_holiday_detail(day)[1]:
                    # a named holiday: spread over the adjoining days off (weekends not made up)
                    closed.add(day)
                    for step in (-1, 1):
                        other = day + timedelta(days=step)
                        while chinese_calendar.is_holiday(other) and not chinese_calendar.get_holiday_detail(other)[1]:
                            closed.add(other)
                            other += timedelta(days=step)
            except NotImplementedError:  # beyond the calendar the package knows
                break
            day += timedelta(days=1)
    if supplier is not None and supplier.pk:
        for first, last in supplier.closures.filter(last_day__gte=start, first_day__lte=end).values_list(
            "first_day", "last_day"
        ):
            closed.update(first + timedelta(days=n) for n in range((last - first).days + 1))
    runs, day = [], start
    while day <= end:
        if day in closed and (day - timedelta(days=1)) not in closed:
            length = 1
            while day + timedelta(days=length) in closed:
                length += 1
            if day <= start + timedelta(days=horizon):
                runs.append((day, length))
        day += timedelta(days=1)
    return runs


def holiday_extension_days(supplier: Supplier | None, today: date) -> int:
    """Extra days on the order cycle before a closure of N days: 1 day N days before, 2 days
    N−1 days before, … N days on the day before (docs/DOMAIN.md §12.2)."""
    extension = 0
    for first, length in closure_runs(supplier, today + timedelta(days=1)):
        days_before = (first - today).days
        if 1 <= days_before <= length:
            extension = max(extension, length - days_before + 1)
    return extension


def reorder_levels(
    monthly_demand: Decimal, *, cycle_days: int, lead_days: int, safety_days: int, extension_days: int = 0
):
    """(MIN, MAX) for a monthly demand: MAX covers cycle (plus any holiday extension) + lead time +
    safety stock, MIN lead time + safety stock, both in months of 30 days, rounded up to whole units."""
    months_max = Decimal(cycle_days + extension_days + lead_days + safety_days) / DAYS_PER_MONTH
    months_min = Decimal(lead_days + safety_days) / DAYS_PER_MONTH
    return (
        (monthly_demand * months_min).quantize(Decimal(1), rounding=ROUND_CEILING),
        (monthly_demand * months_max).quantize(Decimal(1), rounding=ROUND_CEILING),
    )


def suggested_quantity(item: StockItem) -> Decimal:
    """What brings the stock position (available + on order + back ordered) up to MAX when it is below MIN."""
    position = item.on_hand - item.reserved + item.on_order + item.back_ordered
    if position < item.effective_min:
        return max(item.effective_max - position, ZERO)
    return ZERO


def stock_override_levels(*, actor, item: StockItem, min_qty=None, max_qty=None, reason: str) -> StockItem:
    """Set MIN and MAX by hand (empty clears the override), with who and why."""
    require(actor, Perm.PARTS_MANAGE, item.store)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why MIN/MAX is set by hand.")})
    values = {}
    for name, value in (("min_qty", min_qty), ("max_qty", max_qty)):
        values[name] = None if value in (None, "") else check_quantity(value, name)
    if values["min_qty"] is not None and values["max_qty"] is not None and values["min_qty"] > values["max_qty"]:
        raise ValidationError({"max_qty": _("MAX must not be below MIN.")})
    with transaction.atomic():
        item = _locked(item)
        before = [str(item.min_override), str(item.max_override)]
        item.min_override, item.max_override = values["min_qty"], values["max_qty"]
        item.override_by, item.override_reason, item.override_at = actor, reason.strip()[:200], timezone.now()
        item.suggested_qty = suggested_quantity(item)
        item.save(
            update_fields=[
                "min_override",
                "max_override",
                "override_by",
                "override_reason",
                "override_at",
                "suggested_qty",
            ]
        )
        audit_record(actor=actor, action="parts.levels", obj=item, reason=reason,
                     changes={"min/max": [before, [str(item.min_override), str(item.max_override)]]})  # fmt: skip
    return item


def reorder_run(*, store_id: int, now=None) -> int:
    """The nightly reorder job for one store, set-based: average monthly demand, MIN/MAX and the
    suggested quantity are recomputed in a few UPDATE statements for the stock items whose inputs
    changed since the last run, or whose issues a year ago have just left the 12-month window.
    When the holiday extension changes, every item with demand is recomputed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    last = ReorderRun.objects.filter(store_id=store_id).order_by("-ran_at").first()
    since = last.ran_at if last else None
    window_start = now - timedelta(days=365)
    items = StockItem.objects.filter(store_id=store_id)
    suppliers = [*Supplier.objects.filter(store_id=store_id), None]
    extensions = {getattr(s, "pk", None): holiday_extension_days(s, today) for s in suppliers}
    extension_changed = last is None or last.extension_days != max(extensions.values())
    if since is None:
        touched = items
    else:
        left_window = Movement.objects.filter(
            store_id=store_id,
            kind__in=DEMAND_KINDS,
            created_at__gte=since - timedelta(days=365),
            created_at__lt=window_start,
        ).values("item_id")
        touched = items.filter(Q(changed_at__gte=since) | Q(pk__in=left_window))
        if extension_changed:
            touched = items.filter(Q(changed_at__gte=since) | Q(pk__in=left_window) | Q(monthly_demand__gt=0))
    ids = list(touched.values_list("pk", flat=True))
    if not ids:
        ReorderRun.objects.create(store_id=store_id, ran_at=now, items=0, extension_days=max(extensions.values()))
        return 0
    qty = DecimalField(max_digits=12, decimal_places=4)
    with transaction.atomic():
        demand = (
            Movement.objects.filter(item_id__in=ids, kind__in=DEMAND_KINDS, created_at__gte=window_start)
            .values("item_id")
            .annotate(total=Sum("quantity"))
        )
        monthly = {row["item_id"]: max(-row["total"], ZERO) / DEMAND_MONTHS for row in demand}
        # One UPDATE per distinct monthly demand would not scale; bulk_update writes them in batches.
        batch = [StockItem(pk=pk, monthly_demand=monthly.get(pk, ZERO).quantize(Decimal("0.0001"))) for pk in ids]
        StockItem.objects.bulk_update(batch, ["monthly_demand"], batch_size=500)
        for supplier in suppliers:
            cycle = supplier.order_cycle_days if supplier else DEFAULT_CYCLE_DAYS
            lead = supplier.lead_time_days if supplier else DEFAULT_LEAD_DAYS
            safety = supplier.safety_days if supplier else DEFAULT_SAFETY_DAYS
            ext = extensions[getattr(supplier, "pk", None)]
            max_months = Decimal(cycle + ext + lead + safety) / DAYS_PER_MONTH
            min_months = Decimal(lead + safety) / DAYS_PER_MONTH
            scope = StockItem.objects.filter(pk__in=ids, supplier=supplier)
            scope.update(
                min_qty=Ceil(ExpressionWrapper(F("monthly_demand") * Value(min_months), output_field=qty)),
                max_qty=Ceil(ExpressionWrapper(F("monthly_demand") * Value(max_months), output_field=qty)),
            )
        position = F("on_hand") - F("reserved") + F("on_order") + F("back_ordered")
        StockItem.objects.filter(pk__in=ids).update(
            suggested_qty=Case(
                When(
                    LessThan(position, Coalesce("min_override", "min_qty")),
                    then=Greatest(Coalesce("max_override", "max_qty") - position, Value(ZERO)),
                ),
                default=Value(ZERO),
                output_field=DecimalField(max_digits=12, decimal_places=2),
            )
        )
        ReorderRun.objects.create(
            store_id=store_id, ran_at=now, items=len(ids), extension_days=max(extensions.values())
        )
    return len(ids)


# --- Suppliers ---------------------------------------------------------------------------

# What a supplier's terms may be, in days (docs/DOMAIN.md §12.2).
SUPPLIER_DAY_BOUNDS = {
    "order_cycle_days": (1, 90), "lead_time_days": (0, 180), "safety_days": (0, 90), "regular_weekday": (1, 7),
}  # fmt: skip
SUPPLIER_FIELDS = ["name", *SUPPLIER_DAY_BOUNDS, "transport", "follows_official_holidays"]
# Terms the reorder formula reads: changing one makes the nightly job recompute the supplier's parts.
REORDER_TERMS = ("order_cycle_days", "lead_time_days", "safety_days", "follows_official_holidays")
CLOSURE_MAX_DAYS = 60


def supplier_save(*, actor, store, data: dict, supplier: Supplier | None = None) -> Supplier:
    """Create or change one of the store's suppliers: name, order cycle, lead time, safety stock,
    regular order day, transport, whether it closes on China's official holidays."""
    require(actor, Perm.PARTS_MANAGE, store)
    if supplier is not None and supplier.store_id != store.pk:
        raise ValidationError(_("Choose a supplier of this store."))
    unknown = set(data) - set(SUPPLIER_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    errors = {}
    name = str(data.get("name", supplier.name if supplier else "") or "").strip()
    if not name:
        errors["name"] = _("Enter the supplier's name.")
    for field, (low, high) in SUPPLIER_DAY_BOUNDS.items():
        value = data.get(field)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            errors[field] = _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if supplier is None:
            supplier, before = Supplier(store=store), {}
        else:
            supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
            before = {f: getattr(supplier, f) for f in SUPPLIER_FIELDS}
        for field in SUPPLIER_FIELDS:
            if field in data:
                value = data[field]
                setattr(supplier, field, (value or "").strip() if isinstance(value, str) else value)
        supplier.name = name
        supplier.full_clean(exclude=["store"])
        supplier.save()
        changes = {
            f: [before.get(f), getattr(supplier, f)] for f in SUPPLIER_FIELDS if before.get(f) != getattr(supplier, f)
        }
        if before and any(f in changes for f in REORDER_TERMS):
            StockItem.objects.filter(store=store, supplier=supplier).update(changed_at=timezone.now())
        audit_record(
            actor=actor,
            action="parts.supplier",
            obj=supplier,
            changes={k: [str(a), str(b)] for k, (a, b) in changes.items()},
        )
    return supplier


def supplier_closure_add(*, actor, supplier: Supplier, first_day: date, last_day: date) -> SupplierClosure:
    """A closure of the supplier's own (stocktaking, plant shutdown): it extends the order cycle
    before it as official holidays do (docs/DOMAIN.md §12.2)."""
    require(actor, Perm.PARTS_MANAGE, supplier.store)
    if first_day is None or last_day is None:
        raise ValidationError({"first_day": _("Enter the first and last day.")})
    if last_day < first_day:
        raise ValidationError({"last_day": _("The last day cannot be before the first.")})
    if (last_day - first_day).days + 1 > CLOSURE_MAX_DAYS:
        raise ValidationError({"last_day": _("A closure lasts at most %(n)s days.") % {"n": CLOSURE_MAX_DAYS}})
    with transaction.atomic():
        supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
        if supplier.closures.filter(first_day__lte=last_day, last_day__gte=first_day).exists():
            raise ValidationError({"first_day": _("This overlaps another closure of the supplier.")})
        closure = SupplierClosure.objects.create(supplier=supplier, first_day=first_day, last_day=last_day)
        audit_record(actor=actor, action="parts.closure_add", obj=supplier,
                     changes={"closure": [None, f"{first_day}–{last_day}"]})  # fmt: skip
    return closure


def supplier_closure_remove(*, actor, closure: SupplierClosure) -> None:
    require(actor, Perm.PARTS_MANAGE, closure.supplier.store)
    with transaction.atomic():
        deleted, _rows = SupplierClosure.objects.filter(pk=closure.pk).delete()
        if deleted:
            audit_record(actor=actor, action="parts.closure_remove", obj=closure.supplier,
                         changes={"closure": [f"{closure.first_day}–{closure.last_day}", None]})  # fmt: skip


# --- Supplier orders ---------------------------------------------------------------------


def order_create(
    *, actor, store, supplier: Supplier, order_type: str, lines, part_class: str = PartClass.GENERAL,
    for_company_vehicle: bool = False, vehicle=None, note: str = "",
) -> SupplierOrder:  # fmt: skip
    """A draft order with its lines: [(stock item, quantity)]."""
    require(actor, Perm.PARTS_MANAGE, store)
    if supplier.store_id != store.pk:
        raise ValidationError({"supplier": _("Choose a supplier of this store.")})
    from .choices import OrderType

    if order_type not in OrderType.values:
        raise ValidationError({"order_type": _("Choose an order type.")})
    if part_class not in PartClass.values:
        raise ValidationError({"part_class": _("Choose a part class.")})
    checked = []
    for item, quantity in lines:
        if item.store_id != store.pk:
            raise ValidationError({"lines": _("Unknown part.")})
        checked.append((item, check_quantity(quantity)))
    if not checked:
        raise ValidationError({"lines": _("Add at least one part.")})
    with transaction.atomic():
        order = SupplierOrder.objects.create(
            store=store, supplier=supplier, order_type=order_type, part_class=part_class,
            number=next_document_number(store=store, kind="parts_order", prefix="PO"),
            for_company_vehicle=for_company_vehicle, vehicle=vehicle, note=(note or "")[:200],
            created_by=actor if actor and actor.is_authenticated else None,
        )  # fmt: skip
        SupplierOrderLine.objects.bulk_create(
            [
                SupplierOrderLine(order=order, store=store, item=item, quantity=q, unit_cost=item.avg_cost)
                for item, q in checked
            ]
        )
        audit_record(actor=actor, action="parts.order_create", obj=order)
    return order


def orders_from_suggestions(*, actor, store, order_type: str, quantities: dict[int, object]) -> list[SupplierOrder]:
    """The clerk's reviewed suggestions become draft orders, one per supplier; the suggestion is cleared."""
    require(actor, Perm.PARTS_MANAGE, store)
    items = {i.pk: i for i in StockItem.objects.filter(store=store, pk__in=list(quantities)).select_related("supplier")}
    by_supplier: dict = {}
    for pk, quantity in quantities.items():
        if pk not in items:
            raise ValidationError({"lines": _("Unknown part.")})
        if quantity in (None, "", "0", 0):
            continue
        item = items[pk]
        if item.supplier is None:
            raise ValidationError({"lines": _("%(part)s has no supplier.") % {"part": item.part_no}})
        by_supplier.setdefault(item.supplier, []).append((item, check_quantity(quantity)))
    with transaction.atomic():
        orders = [
            order_create(actor=actor, store=store, supplier=supplier, order_type=order_type, lines=lines)
            for supplier, lines in by_supplier.items()
        ]
        StockItem.objects.filter(pk__in=[i.pk for lines in by_supplier.values() for i, _q in lines]).update(
            suggested_qty=ZERO
        )
    return orders


def missing_documents(order: SupplierOrder) -> list[str]:
    """What a special-part order still lacks, each named (docs/DOMAIN.md §12.4)."""
    if order.part_class != PartClass.SPECIAL:
        return []
    docs = {d.kind: d for d in order.documents.all()}
    needed = [*PHOTO_KINDS, DocumentKind.ENGINE_RUBBING, DocumentKind.VIN_RUBBING, DocumentKind.VIN_PLATE,
              DocumentKind.CERTIFICATE, DocumentKind.APPLICATION]  # fmt: skip
    if order.for_company_vehicle:
        needed.append(DocumentKind.COMPANY_STAMP)
    missing = [str(DocumentKind(kind).label) for kind in needed if kind not in docs]
    photos = [docs[k] for k in PHOTO_KINDS if k in docs]
    if len(photos) == len(PHOTO_KINDS) and not any(p.shows_plate for p in photos):
        missing.append(_("A photo that shows the plate"))
    return missing


# A scan or phone photo of one checklist item (docs/DOMAIN.md §12.4).
DOCUMENT_EXTENSIONS = ("jpg", "jpeg", "png", "webp", "heic", "pdf")
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


def document_add(*, actor, order: SupplierOrder, kind: str, file, shows_plate: bool = False) -> SpecialDocument:
    require(actor, Perm.PARTS_MANAGE, order.store)
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Choose which document this is.")})
    name = getattr(file, "name", "") or ""
    if "." not in name or name.rsplit(".", 1)[1].lower() not in DOCUMENT_EXTENSIONS:
        raise ValidationError({"file": _("Upload a photo or a PDF (jpg, png, webp, heic, pdf).")})
    if not getattr(file, "size", 0) or file.size > DOCUMENT_MAX_BYTES:
        raise ValidationError({"file": _("The file must be between 1 byte and 10 MB.")})
    if order.status != OrderStatus.DRAFT:
        raise ValidationError(_("The order has been submitted."))
    with transaction.atomic():
        SpecialDocument.objects.filter(order=order, kind=kind).delete()
        document = SpecialDocument.objects.create(
            order=order, kind=kind, file=file, shows_plate=bool(shows_plate) and kind in PHOTO_KINDS,
            uploaded_by=actor if actor and actor.is_authenticated else None,
        )  # fmt: skip
        audit_record(actor=actor, action="parts.document", obj=order, changes={kind: [None, document.file.name]})
    return document


def order_submit(*, actor, order: SupplierOrder, now=None) -> SupplierOrder:
    """Send a draft to the supplier: its open quantities count as on order from now, and the
    back-order clock starts. A special-part order without every document is refused, naming each."""
    require(actor, Perm.PARTS_MANAGE, order.store)
    with transaction.atomic():
        order = SupplierOrder.objects.select_for_update().select_related("supplier").get(pk=order.pk)
        if order.status != OrderStatus.DRAFT:
            raise ValidationError(_("Only a draft order can be submitted."))
        missing = missing_documents(order)
        if missing:
            raise ValidationError(_("Missing documents: %(list)s") % {"list": "、".join(missing)})
        order.status, order.submitted_at = OrderStatus.SUBMITTED, now or timezone.now()
        order.save(update_fields=["status", "submitted_at"])
        expected = timezone.localdate(order.submitted_at) + timedelta(days=order.supplier.lead_time_days)
        for line in order.lines.select_related("item"):
            item = _locked(line.item)
            item.on_order += line.quantity
            item.changed_at = order.submitted_at
            item.save(update_fields=["on_order", "changed_at"])
            line.expected_at = expected
            line.save(update_fields=["expected_at"])
        audit_record(actor=actor, action="parts.order_submit", obj=order)
    return order


def order_receive(*, actor, order: SupplierOrder, receipts) -> list[Movement]:
    """Receive against a submitted order: receipts are [{"line": id, "quantity", "bin", "serials"}].
    A partial receipt leaves the rest as a back order; more than ordered is taken in (over-delivery)
    and no longer counts as on order. The order closes when nothing is open."""
    require(actor, Perm.PARTS_MANAGE, order.store)
    movements = []
    with transaction.atomic():
        order = SupplierOrder.objects.select_for_update().get(pk=order.pk)
        if order.status != OrderStatus.SUBMITTED:
            raise ValidationError(_("Only a submitted order can be received."))
        lines = {line.pk: line for line in order.lines.select_for_update().select_related("item", "item__store")}
        if not receipts:
            raise ValidationError({"receipts": _("Enter what arrived.")})
        for receipt in receipts:
            line = lines.get(receipt.get("line"))
            if line is None:
                raise ValidationError({"receipts": _("Unknown order line.")})
            quantity = check_quantity(receipt.get("quantity"))
            was_open = line.open_quantity
            was_back = line.back_ordered_at is not None
            movement = stock_receive(
                actor=actor, item=line.item, quantity=quantity, unit_cost=line.unit_cost, bin=receipt.get("bin", ""),
                order_line=line, serials=receipt.get("serials") or (),
            )  # fmt: skip
            line.received += quantity
            now_open = line.open_quantity
            item = _locked(line.item)
            drop = was_open - now_open
            if was_back:
                item.back_ordered -= min(drop, item.back_ordered)
            else:
                item.on_order -= min(drop, item.on_order)
            if now_open > 0 and not was_back:
                # what did not come is now a back order, aged from the order's submission
                line.back_ordered_at = timezone.now()
                item.on_order -= min(now_open, item.on_order)
                item.back_ordered += now_open
            item.changed_at = timezone.now()
            item.save(update_fields=["on_order", "back_ordered", "changed_at"])
            line.save(update_fields=["received", "back_ordered_at"])
            movements.append(movement)
        if all(line.open_quantity <= 0 for line in lines.values()):
            order.status = OrderStatus.CLOSED
            order.save(update_fields=["status"])
    return movements


def back_order_cancel(*, actor, line: SupplierOrderLine, approver, reason: str, now=None) -> SupplierOrderLine:
    """Cancel what is still open on a back-ordered line: only more than one month after the order
    was submitted, and only with a manager's approval (docs/DOMAIN.md §12.3)."""
    require(actor, Perm.PARTS_MANAGE, line.store)
    now = now or timezone.now()
    if approver is None or not approver.has_perm(Perm.PARTS_APPROVE, line.store):
        raise PermissionDenied(_("A manager must approve cancelling a back order."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the back order is cancelled.")})
    with transaction.atomic():
        line = SupplierOrderLine.objects.select_for_update().select_related("order").get(pk=line.pk)
        submitted = line.order.submitted_at
        if line.back_ordered_at is None or line.open_quantity <= 0:
            raise ValidationError(_("This line is not a back order."))
        local = timezone.localtime(submitted)
        if now <= local.replace(**_date_parts(add_months(local.date(), 1))):
            raise ValidationError(_("A back order can be cancelled only after one month from the order's submission."))
        item = _locked(line.item)
        open_qty = line.open_quantity
        line.cancelled += open_qty
        line.cancel_approved_by, line.cancel_reason = approver, reason.strip()[:200]
        line.save(update_fields=["cancelled", "cancel_approved_by", "cancel_reason"])
        item.back_ordered -= min(open_qty, item.back_ordered)
        item.changed_at = now
        item.save(update_fields=["back_ordered", "changed_at"])
        if not line.order.lines.exclude(pk=line.pk).filter(quantity__gt=F("received") + F("cancelled")).exists():
            line.order.status = OrderStatus.CLOSED
            line.order.save(update_fields=["status"])
        audit_record(actor=actor, action="parts.bo_cancel", obj=line.order, reason=reason,
                     changes={"approved_by": [None, approver.get_username()]})  # fmt: skip
    return line


def _date_parts(day: date) -> dict:
    return {"year": day.year, "month": day.month, "day": day.day}
