"""The service process: open a repair order at reception, build the estimate,
get it authorised, propose additional work, and move the order through its
states. Every function runs in one transaction, locks the repair order it
changes, checks the actor's permission in the order's store, and audits."""

import functools
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.transaction import TransactionManagementError
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.catalog.models import (
    DiscountLevel,
    LabourOperation,
    LabourRate,
    OtherCharge,
    PackageJob,
    PackageJobLine,
    Part,
    RepairType,
)
from aftercare.core.audit import audit_entry, audit_record
from aftercare.core.models import AuditEntry, Store
from aftercare.core.money import to_money
from aftercare.core.permissions import Perm
from aftercare.core.services import next_document_number
from aftercare.customers.choices import OdometerSource
from aftercare.customers.models import Customer, Vehicle
from aftercare.customers.services import odometer_record

from .choices import EDITABLE_STATUSES, TRANSITIONS, ApprovalMethod, LineKind, LineStatus, Payer, Status
from .models import ZERO, CheckIn, Photo, RepairOrder, RepairOrderLine, StatusChange

HUNDRED = Decimal("100")

# Sent after the transaction that moved a repair order commits, with
# repair_order_id, from_status, to_status, actor_id. The follow-up issue turns
# `delivered` into a call task; receivers must not assume they run in the
# request that made the move.
repair_order_status_changed = Signal()

# Extra conditions other apps attach to a move (the workshop's passed quality
# check before `ready`, billing's payment before `settled`):
# to_status -> [guard(order) -> error message or None]. A guard that declares a
# `context` keyword also receives what the mover already computed under the
# order's lock (repair_order_move_locked), e.g. {"balance": Decimal(...)}, and
# may use it instead of reading it again; it gets {} from a plain transition.
TRANSITION_GUARDS: dict[str, list[Callable[..., str | None]]] = {}


def register_transition_guard(to_status: str, guard: Callable[..., str | None]) -> None:
    TRANSITION_GUARDS.setdefault(to_status, []).append(guard)


@functools.cache
def _takes_context(guard: Callable) -> bool:
    try:
        return "context" in inspect.signature(guard).parameters
    except (TypeError, ValueError):
        return False


class TransitionRefused(ValidationError):
    """A move the workflow does not allow now (HTTP 409 in the API)."""


def _require(actor, perm: str, store: Store) -> None:
    if not actor.has_perm(perm, store):
        raise PermissionDenied(_("You do not have permission to do this in %(store)s.") % {"store": store})


_KEPT_RELATIONS = tuple(RepairOrder._meta.get_field(name) for name in ("store", "repair_type", "vehicle"))


def _locked(order: RepairOrder) -> RepairOrder:
    """The order re-read under its row lock (PostgreSQL) / the IMMEDIATE write
    lock (SQLite), which serialises two advisors editing the same order: each
    sees the other's committed lines. Only the order's row is read and locked:
    the store, repair type and vehicle the caller already loaded are reused
    when the locked row still points at them (they are read, never changed,
    here), and anything else loads on first use."""
    locked = RepairOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)
    for field in _KEPT_RELATIONS:
        if field.is_cached(order) and getattr(order, field.attname) == getattr(locked, field.attname):
            field.set_cached_value(locked, field.get_cached_value(order))
    return locked


# --- opening an order at reception --------------------------------------------------


def repair_order_open(
    *,
    actor,
    store: Store,
    vehicle: Vehicle,
    repair_type: RepairType | None = None,
    customer_statement: str = "",
    odometer_km: int | None = None,
    fuel_level: int | None = None,
    contact_phone: str = "",
    promised_at=None,
    items: "Iterable[LineItem | dict]" = (),
) -> RepairOrder:
    """Open a repair order for a vehicle at reception. The odometer reading is
    recorded on the vehicle too (a lower one is refused as in the vehicle file).

    `items` (what lines_add takes) puts work known at reception on the order in
    the same transaction, as an appointment's booked work: the lines are priced
    as lines_add prices them, with the same errors and audit rows, and an item
    that is refused opens no order at all. One commit instead of two: the new
    order is nobody else's yet, so there is nothing to lock or re-read, and its
    totals go into its own INSERT."""
    _require(actor, Perm.REPAIR_ORDER_EDIT, store)
    if vehicle.store_id != store.pk:
        raise ValidationError({"vehicle": _("The vehicle must be on file in this store.")})
    if fuel_level is not None and not 0 <= fuel_level <= 100:
        raise ValidationError({"fuel_level": _("Enter the fuel or charge level as 0-100 %.")})
    items = [_checked(item) for item in items]
    if repair_type is None:
        repair_type = RepairType.objects.effective_get(store, "general")
        if repair_type is None:
            raise ValidationError({"repair_type": _("Choose a repair type.")})
    with transaction.atomic():
        order = RepairOrder(
            store=store,
            customer_id=vehicle.owner_id,
            vehicle=vehicle,
            advisor=actor,
            repair_type=repair_type,
            customer_statement=customer_statement,
            odometer_km=odometer_km,
            fuel_level=fuel_level,
            contact_phone=contact_phone or vehicle.owner.mobile,
            promised_at=promised_at,
            discount_level=vehicle.discount_level,
        )
        # Priced before anything is written: a refused item rolls back nothing but reads.
        lines, described = _lines_for(order, items, position=0) if items else ([], [])
        _add_to_totals(order, _approved(lines))
        order.number = next_document_number(store=store, kind="repair_order", prefix="RO", width=7)
        order.save(force_insert=True)
        if lines:
            RepairOrderLine.objects.bulk_create(lines)
        # The car's last visit is now: with the reading's write of the vehicle when there is one.
        if odometer_km is not None:
            odometer_record(
                actor=actor, vehicle=vehicle, km=odometer_km, source=OdometerSource.RECEPTION, visit_at=order.opened_at
            )
        else:
            Vehicle.objects.filter(pk=vehicle.pk).update(last_visit_at=order.opened_at)
        CheckIn.objects.create(repair_order=order)
        StatusChange.objects.create(repair_order=order, to_status=Status.RECEPTION, changed_by=actor)
        Customer.objects.filter(pk=vehicle.owner_id).update(last_visit_at=order.opened_at)
        # The order's own row first, then one per item as lines_add writes them: one INSERT.
        AuditEntry.objects.bulk_create(
            [
                audit_entry(
                    actor=actor, action=AuditEntry.Action.CREATE, obj=order, changes={"vehicle": [None, vehicle.plate]}
                ),
                *(_lines_added_entry(actor, order, text) for text in described),
            ]
        )
    return order


# --- lines and prices -------------------------------------------------------------------


def _discount_rates(order: RepairOrder) -> tuple[Decimal, Decimal]:
    """(labour %, parts %) of the order's discount level, 0 when none."""
    if not order.discount_level:
        return ZERO, ZERO
    level = DiscountLevel.objects.effective_get(order.store, order.discount_level)
    return (level.labour_discount_pct, level.parts_discount_pct) if level else (ZERO, ZERO)


def _priced(line: RepairOrderLine) -> RepairOrderLine:
    """amount = round(quantity × unit price) − round(that × discount %), each to the cent."""
    gross = (
        to_money(line.quantity * line.unit_price)
        if line.kind != LineKind.LABOUR
        else to_money(line.hours * line.unit_price)
    )
    line.discount_amount = to_money(gross * line.discount_rate / HUNDRED) if line.payer == Payer.CUSTOMER else ZERO
    line.amount = gross - line.discount_amount
    return line


_KIND_TOTALS = {LineKind.LABOUR: "labour_total", LineKind.PART: "parts_total", LineKind.OTHER: "other_total"}
TOTAL_FIELDS = (*_KIND_TOTALS.values(), "discount_total", "total", "customer_total")


def _add_to_totals(order: RepairOrder, lines) -> None:
    """Add approved lines, as (kind, amount, discount_amount, payer), to the
    order's totals: total = labour + parts + other; the discount is the lines'
    discounts plus the negative (manager discount) lines; customer_total is
    what the customer's own lines come to."""
    for kind, amount, line_discount, payer in lines:
        name = _KIND_TOTALS[kind]
        setattr(order, name, getattr(order, name) + amount)
        order.total += amount
        order.discount_total += line_discount + (-amount if amount < 0 else ZERO)
        if payer == Payer.CUSTOMER:
            order.customer_total += amount


def repair_order_recalculate(order: RepairOrder) -> RepairOrder:
    """Recompute the order's totals from its approved lines. Call inside the
    transaction that changed the lines, with the order locked."""
    for name in TOTAL_FIELDS:
        setattr(order, name, ZERO)
    _add_to_totals(
        order,
        order.lines.filter(status=LineStatus.APPROVED).values_list("kind", "amount", "discount_amount", "payer"),
    )
    order.save(update_fields=[*TOTAL_FIELDS, "updated_at"])
    return order


def _new_line_status(order: RepairOrder) -> tuple[str, bool]:
    """Lines added before authorisation are part of the estimate; afterwards
    they are additional work the customer must approve first."""
    if order.status in EDITABLE_STATUSES:
        return LineStatus.APPROVED, False
    if order.status in (Status.APPROVED, Status.IN_PROGRESS, Status.QUALITY_CHECK):
        return LineStatus.PROPOSED, True
    raise ValidationError(_("Lines can no longer be added to this repair order."))


def _labour_rate(order: RepairOrder) -> Decimal:
    rate = LabourRate.rate_for(order.store, order.repair_type.code)
    if rate is None:
        raise ValidationError(
            {"operation": _("No labour rate is set for the repair type %(type)s.") % {"type": order.repair_type}}
        )
    return rate


def _labour_line(order, operation: LabourOperation, *, rate, quantity, payer, labour_pct) -> RepairOrderLine:
    if operation.high_voltage and order.vehicle.powertrain not in ("BEV", "PHEV", "HEV"):
        raise ValidationError({"operation": _("This high-voltage operation does not apply to this vehicle.")})
    return RepairOrderLine(
        kind=LineKind.LABOUR, operation=operation, code=operation.code, description=operation.name,
        quantity=quantity, hours=to_money(operation.frt_hours * quantity), unit_price=rate,
        discount_rate=labour_pct, payer=payer,
    )  # fmt: skip


def _part_line(part: Part, *, quantity, payer, parts_pct) -> RepairOrderLine:
    return RepairOrderLine(
        kind=LineKind.PART, part=part, code=part.part_no, description=part.name, part_brand=part.brand,
        is_oem=part.is_oem, quantity=quantity, unit_price=part.unit_price, discount_rate=parts_pct, payer=payer,
    )  # fmt: skip


@dataclass(frozen=True)
class LineItem:
    """One thing to put on an order: exactly one catalogue entry (an operation,
    a part, another charge, or a package that expands into its lines), how
    many, who pays, and for a charge an amount other than its default."""

    operation: LabourOperation | None = None
    part: Part | None = None
    other_charge: OtherCharge | None = None
    package: PackageJob | None = None
    quantity: Decimal = Decimal("1")
    payer: str = Payer.CUSTOMER
    amount: Decimal | None = None


def _checked(item: LineItem | dict) -> LineItem:
    """What can be refused without the database, with line_add's messages.
    A charge's amount is resolved here (its default unless one is given)."""
    if isinstance(item, dict):
        item = LineItem(**item)
    chosen = [entry for entry in (item.operation, item.part, item.other_charge, item.package) if entry is not None]
    if len(chosen) != 1:
        raise ValidationError(_("Choose exactly one operation, part, charge or package."))
    quantity = Decimal(item.quantity)
    if quantity <= 0:
        raise ValidationError({"quantity": _("The quantity must be more than zero.")})
    if item.payer not in Payer.values:
        raise ValidationError({"payer": _("Unknown payer.")})
    amount = item.amount
    if item.other_charge is not None:
        amount = item.other_charge.default_amount if amount is None else to_money(amount)
        if amount < 0:
            raise ValidationError({"amount": _("A charge cannot be negative; use an approved discount.")})
    return replace(item, quantity=quantity, amount=amount)


def _package_contents(store: Store, packages: list[PackageJob]) -> dict[int, list[tuple]]:
    """package id -> [(operation or None, part or None, quantity)] in the package's
    order, each operation and part as `store` sees it (a store override of the
    same code wins, as PackageJob.expand prices it): 3 queries for any number
    of packages."""
    if not packages:
        return {}
    rows = list(PackageJobLine.objects.filter(package__in=packages).select_related("operation", "part"))
    op_codes = {row.operation.code for row in rows if row.operation_id}
    part_nos = {row.part.part_no for row in rows if row.part_id}
    operations = LabourOperation.objects.effective_by_key(store, op_codes) if op_codes else {}
    parts = Part.objects.effective_by_key(store, part_nos) if part_nos else {}
    contents: dict[int, list[tuple]] = {package.pk: [] for package in packages}
    for row in rows:
        if row.operation_id:
            contents[row.package_id].append((operations.get(row.operation.code, row.operation), None, row.quantity))
        else:
            contents[row.package_id].append((None, parts.get(row.part.part_no, row.part), row.quantity))
    return contents


def _lines_for(order: RepairOrder, items: list[LineItem], *, position: int) -> tuple[list, list[list[str]]]:
    """The priced lines of checked items on `order` (locked by the caller, or
    being opened), numbered from `position`, and what each item's audit row
    says. Reads the discount level, the packages' contents and the labour rate
    when the items need them; writes nothing."""
    status, additional = _new_line_status(order)
    labour_pct, parts_pct = _discount_rates(order)
    contents = _package_contents(order.store, list({i.package.pk: i.package for i in items if i.package}.values()))
    needs_rate = any(item.operation for item in items) or any(
        operation for package in contents.values() for operation, _part, _quantity in package
    )
    rate = _labour_rate(order) if needs_rate else None

    def labour(operation, quantity, payer) -> RepairOrderLine:
        return _labour_line(order, operation, rate=rate, quantity=quantity, payer=payer, labour_pct=labour_pct)

    lines: list[RepairOrderLine] = []
    described: list[list[str]] = []
    for item in items:
        if item.operation is not None:
            added = [labour(item.operation, item.quantity, item.payer)]
        elif item.part is not None:
            added = [_part_line(item.part, quantity=item.quantity, payer=item.payer, parts_pct=parts_pct)]
        elif item.other_charge is not None:
            charge = item.other_charge
            added = [
                RepairOrderLine(
                    kind=LineKind.OTHER, other_charge=charge, code=charge.code, description=charge.name,
                    quantity=item.quantity, unit_price=item.amount, payer=item.payer,
                )
            ]  # fmt: skip
        else:
            added = [
                labour(operation, quantity * item.quantity, item.payer)
                if operation is not None
                else _part_line(part, quantity=quantity * item.quantity, payer=item.payer, parts_pct=parts_pct)
                for operation, part, quantity in contents[item.package.pk]
            ]
            for line in added:
                line.package = item.package
        for line in added:
            line.repair_order = order
            line.status, line.is_additional = status, additional
            line.position = position
            position += 1
            _priced(line)
        lines += added
        described.append([f"{line.code} {line.description} {line.amount}" for line in added])
    return lines, described


def _approved(lines: list[RepairOrderLine]) -> list[tuple]:
    """The lines that count in the totals, as _add_to_totals takes them."""
    return [
        (line.kind, line.amount, line.discount_amount, line.payer)
        for line in lines
        if line.status == LineStatus.APPROVED
    ]


def _lines_added_entry(actor, order: RepairOrder, described: list[str]) -> AuditEntry:
    return audit_entry(
        actor=actor, action=AuditEntry.Action.UPDATE, obj=order, changes={"lines_added": [None, described]}
    )


def lines_add(*, actor, order: RepairOrder, items: Iterable[LineItem | dict]) -> list[RepairOrderLine]:
    """Add catalogue items (operations, parts, other charges, packages expanded
    into their lines) to an order at once, as the estimate screen does when a
    package or several operations are chosen together. All or nothing: an item
    that is refused adds none of them.

    One lock of the order; the labour rate, the discount level and the next
    position are read once; the lines are one INSERT; the totals are brought
    up to date from the new lines in one UPDATE (they are kept exact under the
    lock by every line change, see repair_order_recalculate); one audit row per
    item, as line_add writes, in one INSERT.

    Prices come from the catalogue (price transparency, seed 004): the same for
    every customer unless the order's discount level or an approved discount applies."""
    _require(actor, Perm.REPAIR_ORDER_EDIT, order.store)
    items = [_checked(item) for item in items]
    if not items:
        raise ValidationError(_("Choose what to add to the repair order."))
    with transaction.atomic():
        order = _locked(order)
        lines, described = _lines_for(order, items, position=order.lines.count())
        RepairOrderLine.objects.bulk_create(lines)
        _add_to_totals(order, _approved(lines))
        order.save(update_fields=[*TOTAL_FIELDS, "updated_at"])
        AuditEntry.objects.bulk_create([_lines_added_entry(actor, order, text) for text in described])
    return lines


def line_add(
    *,
    actor,
    order: RepairOrder,
    operation: LabourOperation | None = None,
    part: Part | None = None,
    other_charge: OtherCharge | None = None,
    package: PackageJob | None = None,
    quantity: Decimal = Decimal("1"),
    payer: str = Payer.CUSTOMER,
    amount: Decimal | None = None,
) -> list[RepairOrderLine]:
    """Add one catalogue item (or a package, expanded into its lines) to an
    order: lines_add with one item (same checks, errors and audit row).

    Prices come from the catalogue (price transparency, seed 004): the same for
    every customer unless the order's discount level or an approved discount applies."""
    item = LineItem(
        operation=operation, part=part, other_charge=other_charge, package=package, quantity=quantity, payer=payer,
        amount=amount,
    )  # fmt: skip
    return lines_add(actor=actor, order=order, items=[item])


def line_remove(*, actor, line: RepairOrderLine) -> None:
    """Remove a line while the estimate is still being built."""
    order = line.repair_order
    _require(actor, Perm.REPAIR_ORDER_EDIT, order.store)
    with transaction.atomic():
        order = _locked(order)
        if not order.lines_editable and line.status != LineStatus.PROPOSED:
            raise ValidationError(_("Authorised work cannot be removed; cancel the order or decline the line."))
        description = f"{line.code} {line.description} {line.amount}"
        RepairOrderLine.objects.filter(pk=line.pk, repair_order=order).delete()
        repair_order_recalculate(order)
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=order, changes={"lines_removed": [description, None]}
        )


def repair_order_discount(*, actor, order: RepairOrder, amount: Decimal, reason: str) -> RepairOrderLine:
    """A manager-approved discount, as a negative line paid by the customer."""
    _require(actor, Perm.DISCOUNT_APPROVE, order.store)
    amount = to_money(amount)
    if amount <= 0:
        raise ValidationError({"amount": _("Enter the discount as a positive amount.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the discount.")})
    with transaction.atomic():
        order = _locked(order)
        if order.status not in (
            *EDITABLE_STATUSES,
            Status.APPROVED,
            Status.IN_PROGRESS,
            Status.QUALITY_CHECK,
            Status.READY,
        ):
            raise ValidationError(_("This repair order can no longer be discounted."))
        if amount > order.customer_total:
            raise ValidationError({"amount": _("The discount cannot exceed what the customer pays.")})
        line = RepairOrderLine.objects.create(
            repair_order=order, kind=LineKind.OTHER, code="DISCOUNT", payer=Payer.CUSTOMER,
            description=_("Discount: %(reason)s") % {"reason": reason},
            quantity=Decimal("1"), unit_price=-amount, amount=-amount, position=order.lines.count(),
        )  # fmt: skip
        repair_order_recalculate(order)
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=order,
            changes={"discount": [None, str(amount)]},
            reason=reason,
        )
    return line


# --- authorisation and additional work ------------------------------------------------------


def repair_order_authorise(
    *, actor, order: RepairOrder, method: str, signature: str = "", note: str = ""
) -> RepairOrder:
    """The customer authorises the estimate (修理委托书): by signature on screen,
    by a verbal approval that staff record with time, or through the phone link.
    Moves the order from estimate to approved; no work starts before this."""
    _require(actor, Perm.REPAIR_ORDER_EDIT, order.store)
    if method not in ApprovalMethod.values:
        raise ValidationError({"method": _("Unknown way of authorising.")})
    if method == ApprovalMethod.SIGNATURE and not signature.startswith("data:image/"):
        raise ValidationError({"signature": _("The customer has not signed yet.")})
    if method == ApprovalMethod.VERBAL and not note.strip():
        raise ValidationError({"note": _("Note who approved by phone, e.g. 'owner, call at 10:20'.")})
    with transaction.atomic():
        order = _locked(order)
        if order.status != Status.ESTIMATE:
            raise TransitionRefused(
                _("Only an estimate can be authorised; this order is %(status)s.")
                % {"status": order.get_status_display()}
            )
        if not order.lines.filter(status=LineStatus.APPROVED).exists():
            raise ValidationError(_("The estimate has no lines yet."))
        order.authorised_at = timezone.now()
        order.authorisation_method = method
        order.authorisation_signature = signature
        order.authorisation_recorded_by = actor
        order.authorisation_note = note
        order.save(
            update_fields=["authorised_at", "authorisation_method", "authorisation_signature",
                           "authorisation_recorded_by", "authorisation_note", "updated_at"]
        )  # fmt: skip
        return _move(order=order, to=Status.APPROVED, actor=actor, note=_("Authorised by the customer"))


def line_decide(*, actor, line: RepairOrderLine, approve: bool, method: str, note: str = "") -> RepairOrderLine:
    """The customer approves or declines proposed additional work. A declined
    line stays on the order as declined work for a later follow-up."""
    order = line.repair_order
    _require(actor, Perm.REPAIR_ORDER_EDIT, order.store)
    if method == ApprovalMethod.VERBAL and not note.strip():
        raise ValidationError({"note": _("Note who decided by phone.")})
    with transaction.atomic():
        order = _locked(order)
        updated = RepairOrderLine.objects.filter(pk=line.pk, repair_order=order, status=LineStatus.PROPOSED).update(
            status=LineStatus.APPROVED if approve else LineStatus.DECLINED,
            decided_at=timezone.now(),
            decided_via=method,
        )
        if not updated:
            raise ValidationError(_("This line is not waiting for the customer's decision."))
        repair_order_recalculate(order)
        line.refresh_from_db()
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=order, reason=note,
            changes={"additional_work": [line.description, "approved" if approve else "declined"]},
        )  # fmt: skip
    return line


# --- the workflow -----------------------------------------------------------------------------


def _builtin_guard(order: RepairOrder, to: str) -> str | None:
    if to == Status.ESTIMATE and not order.lines.exists():
        return _("Add the work and parts to the estimate first.")
    if to in (Status.APPROVED, Status.IN_PROGRESS) and not order.is_authorised:
        return _("The customer has not authorised the work yet.")
    if to == Status.QUALITY_CHECK and order.lines.filter(status=LineStatus.PROPOSED).exists():
        return _("Additional work is waiting for the customer's decision.")
    return None


def _move(
    *, order: RepairOrder, to: str, actor, note: str = "", context: dict | None = None, audit: Iterable[AuditEntry] = ()
) -> RepairOrder:
    """Apply one move to a locked order: table, guards, history, audit, event.
    Everything that can refuse runs before the first write, so a refused move
    leaves nothing to roll back."""
    if to not in TRANSITIONS.get(order.status, ()):
        raise TransitionRefused(
            _("A repair order cannot go from %(from)s to %(to)s.")
            % {"from": order.get_status_display(), "to": Status(to).label if to in Status.values else to}
        )
    if to != Status.CANCELLED:
        if message := _builtin_guard(order, to):
            raise TransitionRefused(message)
        context = context or {}
        for guard in TRANSITION_GUARDS.get(to, []):
            if message := (guard(order, context=context) if _takes_context(guard) else guard(order)):
                raise TransitionRefused(message)
    from_status = order.status
    order.status = to
    fields = ["status", "updated_at"]
    if to in (Status.DELIVERED, Status.CANCELLED):
        order.closed_at = timezone.now()
        fields.append("closed_at")
    order.save(update_fields=fields)
    StatusChange.objects.create(repair_order=order, from_status=from_status, to_status=to, changed_by=actor, note=note)
    moved = audit_entry(
        actor=actor, action=AuditEntry.Action.UPDATE, obj=order, changes={"status": [from_status, to]}, reason=note
    )
    AuditEntry.objects.bulk_create([*audit, moved])
    event = {
        "repair_order_id": order.pk,
        "from_status": from_status,
        "to_status": to,
        "actor_id": getattr(actor, "pk", None),
    }
    transaction.on_commit(lambda: repair_order_status_changed.send(sender=RepairOrder, **event))
    return order


# Who may make which move: the permission each target state needs.
TRANSITION_PERMS = {
    Status.ESTIMATE: Perm.REPAIR_ORDER_EDIT,
    Status.APPROVED: Perm.REPAIR_ORDER_EDIT,
    Status.IN_PROGRESS: Perm.JOB_CLOCK,
    Status.QUALITY_CHECK: Perm.JOB_CLOCK,
    Status.READY: Perm.QUALITY_CHECK,
    Status.SETTLED: Perm.PAYMENT_POST,
    Status.DELIVERED: Perm.REPAIR_ORDER_EDIT,
    Status.CANCELLED: Perm.REPAIR_ORDER_EDIT,
}


def _require_move(actor, order: RepairOrder, to: str) -> None:
    perm = TRANSITION_PERMS.get(to)
    if perm is None:
        raise TransitionRefused(_("Unknown state: %(to)s") % {"to": to})
    # Whoever dispatches the workshop may also start and finish its work.
    workshop_lead = perm == Perm.JOB_CLOCK and actor.has_perm(Perm.DISPATCH, order)
    if not (actor.has_perm(perm, order) or workshop_lead):
        raise PermissionDenied(_("Your role cannot move a repair order to %(to)s.") % {"to": Status(to).label})


def repair_order_transition(*, order: RepairOrder, to: str, actor, note: str = "") -> RepairOrder:
    """Move a repair order to `to` under a row lock, if the transition table,
    the guards and the actor's role allow it; refuse with a clear message otherwise."""
    _require_move(actor, order, to)
    with transaction.atomic():
        return _move(order=_locked(order), to=to, actor=actor, note=note)


def repair_order_move_locked(
    *,
    order: RepairOrder,
    to: str,
    actor,
    note: str = "",
    context: dict | None = None,
    audit: Iterable[AuditEntry] = (),
) -> RepairOrder:
    """repair_order_transition for an order the caller has already locked
    (select_for_update) in the transaction it is still in, e.g. billing settling
    the order it has just taken the last payment for: the same role check,
    table, guards, StatusChange row, audit row and signal after commit, without
    locking and reading the order again. `context` hands the guards that accept
    it what the caller computed under that lock ({"balance": ...}); `audit` are
    the caller's own unsaved audit rows, written before the move's in the same
    INSERT when the move is made (a refused move writes none of them: the
    caller still owns them)."""
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError("repair_order_move_locked needs the transaction that locked the order.")
    _require_move(actor, order, to)
    return _move(order=order, to=to, actor=actor, note=note, context=context, audit=audit)


# --- reception details, check-in sheet and photos ----------------------------------------------

DAMAGE_KINDS = ("scratch", "dent", "crack", "other")
PHOTO_MAX_BYTES = 10 * 1024 * 1024
# The first bytes of the image types a tablet camera produces. No Pillow: the
# magic number is enough to refuse a renamed document or script.
_PHOTO_SIGNATURES = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)
# Editable details: before settlement the advisor may still correct the
# reception record and the promise; afterwards the order is a closed document.
DETAIL_FIELDS = (
    "contact_phone",
    "fuel_level",
    "customer_statement",
    "findings",
    "promised_at",
    "waiting_mode",
    "return_old_parts",
)


def repair_order_update(*, actor, order: RepairOrder, data: dict) -> RepairOrder:
    """Change reception and estimate details (用户陈述, findings, promise, how the
    customer waits, old parts) while the order is open and not yet settled."""
    _require(actor, Perm.REPAIR_ORDER_EDIT, order.store)
    unknown = set(data) - set(DETAIL_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))})
    fuel = data.get("fuel_level")
    if fuel is not None and not 0 <= fuel <= 100:
        raise ValidationError({"fuel_level": _("Enter the fuel or charge level as 0-100 %.")})
    with transaction.atomic():
        order = _locked(order)
        if order.status not in (*EDITABLE_STATUSES, Status.APPROVED, Status.IN_PROGRESS, Status.QUALITY_CHECK,
                                Status.READY):  # fmt: skip
            raise ValidationError(_("This repair order is closed and can no longer be changed."))
        changes = {}
        for name, value in data.items():
            before = getattr(order, name)
            if before != value:
                changes[name] = [_audit_value(before), _audit_value(value)]
                setattr(order, name, value)
        if changes:
            order.save(update_fields=[*changes, "updated_at"])
            audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=order, changes=changes)
    return order


def _audit_value(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _clean_marks(marks) -> list[dict]:
    """Damage marks as [{x, y, kind, note}] with x, y in 0-1 of the car outline."""
    if not isinstance(marks, list) or len(marks) > 100:
        raise ValidationError({"damage_marks": _("The damage marks could not be read.")})
    cleaned = []
    for mark in marks:
        try:
            x, y = float(mark["x"]), float(mark["y"])
            kind = str(mark.get("kind", "other"))
            note = str(mark.get("note", ""))[:100]
        except (KeyError, TypeError, ValueError) as error:
            raise ValidationError({"damage_marks": _("The damage marks could not be read.")}) from error
        if not (0 <= x <= 1 and 0 <= y <= 1) or kind not in DAMAGE_KINDS:
            raise ValidationError({"damage_marks": _("A damage mark is outside the car or of an unknown kind.")})
        cleaned.append({"x": round(x, 4), "y": round(y, 4), "kind": kind, "note": note})
    return cleaned


def check_in_record(
    *,
    actor,
    order: RepairOrder,
    damage_marks: list,
    belongings: str = "",
    covers_fitted: bool = False,
    notes: str = "",
    customer_signature: str = "",
) -> CheckIn:
    """Record the walk-around check-in sheet (接车单): damage on the car outline,
    belongings, covers fitted, and the customer's signature. A signed sheet is
    final: the customer signed what they saw."""
    _require(actor, Perm.REPAIR_ORDER_EDIT, order.store)
    marks = _clean_marks(damage_marks)
    if customer_signature and not customer_signature.startswith("data:image/png;base64,"):
        raise ValidationError({"customer_signature": _("The signature could not be read; sign again.")})
    with transaction.atomic():
        order = _locked(order)
        check_in, _created = CheckIn.objects.select_for_update().get_or_create(repair_order=order)
        if check_in.signed_at:
            raise ValidationError(_("The customer has already signed the check-in sheet."))
        if order.status not in (Status.RECEPTION, Status.ESTIMATE, Status.APPROVED):
            raise ValidationError(_("The check-in sheet is recorded at reception."))
        check_in.damage_marks = marks
        check_in.belongings = belongings.strip()
        check_in.covers_fitted = covers_fitted
        check_in.notes = notes.strip()
        fields = ["damage_marks", "belongings", "covers_fitted", "notes"]
        if customer_signature:
            check_in.customer_signature = customer_signature
            check_in.signed_at = timezone.now()
            fields += ["customer_signature", "signed_at"]
        check_in.save(update_fields=fields)
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=order,
            changes={"check_in": [None, {"marks": len(marks), "covers": covers_fitted,
                                         "signed": bool(customer_signature)}]},
        )  # fmt: skip
    return check_in


def _photo_kind(head: bytes) -> str | None:
    for signature, kind in _PHOTO_SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return "heic"
    return None


def photo_add(*, actor, order: RepairOrder, image, caption: str = "") -> Photo:
    """Attach a photo (check-in damage, a finding to show the customer). Only
    JPEG, PNG, WebP or HEIC images up to 10 MB, checked by content, not by name."""
    _require(actor, Perm.REPAIR_ORDER_EDIT, order.store)
    if image is None:
        raise ValidationError({"image": _("Choose a photo.")})
    if image.size > PHOTO_MAX_BYTES:
        raise ValidationError({"image": _("The photo is larger than 10 MB.")})
    image.seek(0)
    head = image.read(16)
    image.seek(0)
    if _photo_kind(head) is None:
        raise ValidationError({"image": _("Only JPEG, PNG, WebP or HEIC photos can be attached.")})
    with transaction.atomic():
        order = _locked(order)
        photo = Photo(repair_order=order, caption=caption.strip()[:200], taken_by=actor)
        photo.image = image
        photo.full_clean(exclude=["repair_order", "taken_by"])
        photo.save()
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=order, changes={"photo": [None, photo.image.name]}
        )
    return photo
