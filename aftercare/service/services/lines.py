"""Lines and prices of a repair order: catalogue items priced from the store's
catalogue and the order's discount level, added one by one or several at once,
removed while the estimate is built, manager discounts, the customer's decision
on additional work, and the order's totals kept exact under its lock."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
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
)
from aftercare.core.audit import audit_entry, audit_record
from aftercare.core.bounds import SIGNATURE_MAX_LENGTH
from aftercare.core.models import AuditEntry, Store
from aftercare.core.money import check_price, check_quantity, fits_columns, to_money
from aftercare.core.permissions import Perm, require

from ..choices import CORRECTABLE_STATUSES, ApprovalMethod, LineKind, LineStatus, Payer
from ..models import ZERO, LineDecision, Photo, RepairOrder, RepairOrderLine
from .workflow import _locked, customer_link

HUNDRED = Decimal("100")

# What the customer has paid net on an order (payments − refunds, reversals
# counted): the money records belong to billing, which registers its reader
# (register_net_paid_reader, from BillingConfig.ready); the spine knows nothing
# of billing, and without it nothing is paid.
_NET_PAID_READERS: list[Callable[[RepairOrder], Decimal]] = []


def register_net_paid_reader(reader: Callable[[RepairOrder], Decimal]) -> None:
    """Attach another app's reader of what has been paid net on an order."""
    if reader not in _NET_PAID_READERS:
        _NET_PAID_READERS.append(reader)


def order_net_paid(order: RepairOrder) -> Decimal:
    return sum((reader(order) for reader in _NET_PAID_READERS), ZERO)


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
LINE_MONEY_FIELDS = ("hours", "unit_price", "discount_amount", "amount")


def _add_to_totals(order: RepairOrder, lines, *, field: str | None = "quantity") -> None:
    """Add approved lines, as (kind, amount, discount_amount, payer), to the
    order's totals: total = labour + parts + other; the discount is the lines'
    discounts plus the negative (manager discount) lines; customer_total is
    what the customer's own lines come to.

    Totals its columns could not hold are refused here, before the caller
    writes anything (docs/DOMAIN.md §4.1), with the error on `field`."""
    for kind, amount, line_discount, payer in lines:
        name = _KIND_TOTALS[kind]
        setattr(order, name, getattr(order, name) + amount)
        order.total += amount
        order.discount_total += line_discount + (-amount if amount < 0 else ZERO)
        if payer == Payer.CUSTOMER:
            order.customer_total += amount
    fits_columns(
        order, TOTAL_FIELDS, field=field,
        message=_("%(what)s of the repair order would come to %(value)s, more than the %(limit)s it can hold; "
                  "nothing was changed."),
    )  # fmt: skip


def repair_order_recalculate(order: RepairOrder) -> RepairOrder:
    """Recompute the order's totals from its approved lines. Call inside the
    transaction that changed the lines, with the order locked."""
    for name in TOTAL_FIELDS:
        setattr(order, name, ZERO)
    _add_to_totals(
        order,
        order.lines.filter(status=LineStatus.APPROVED).values_list("kind", "amount", "discount_amount", "payer"),
        field=None,
    )
    order.save(update_fields=[*TOTAL_FIELDS, "updated_at"])
    return order


def _new_line_status(order: RepairOrder) -> tuple[str, bool]:
    """Lines added before authorisation are part of the estimate; afterwards
    they are additional work the customer must approve first."""
    if order.lines_editable:
        return LineStatus.APPROVED, False
    if order.accepts_lines:
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
    # A second line for what the order already carries is usually a slip (Enter
    # on the wrong result): the caller confirms it is meant (docs/DOMAIN.md §4.1).
    confirm_duplicate: bool = False


DUPLICATE = "duplicate"


def _refuse_duplicates(items: list[LineItem], lines: list[RepairOrderLine], sizes, on_order) -> None:
    """Refuse new lines whose catalogue entry is already on the order (a declined
    line does not count) unless their item confirms the duplicate. `lines` are
    the new lines in the order of `items`, `sizes` how many each item gave (a
    package gives several), `on_order` the order's lines as (kind, code, payer, status). The same
    entry for another payer is a split of the bill, not a duplicate."""
    existing = {(kind, code, payer) for kind, code, payer, status in on_order if status != LineStatus.DECLINED}
    start = 0
    for item, size in zip(items, sizes, strict=True):
        added, start = lines[start : start + size], start + size
        repeated = [line for line in added if (line.kind, line.code, line.payer) in existing]
        if repeated and not item.confirm_duplicate:
            entry = f"{repeated[0].code} {repeated[0].description}"
            message = _("%(entry)s is already on this repair order. Add it again?") % {"entry": entry}
            raise ValidationError({"item": ValidationError(message, code=DUPLICATE)})


def _checked(item: LineItem | dict) -> LineItem:
    """What can be refused without the database, with line_add's messages.
    A charge's amount is resolved here (its default unless one is given)."""
    if isinstance(item, dict):
        item = LineItem(**item)
    chosen = [entry for entry in (item.operation, item.part, item.other_charge, item.package) if entry is not None]
    if len(chosen) != 1:
        raise ValidationError(_("Choose exactly one operation, part, charge or package."))
    quantity = check_quantity(item.quantity)
    if item.payer not in Payer.values:
        raise ValidationError({"payer": _("Unknown payer.")})
    amount = item.amount
    if item.other_charge is not None:
        amount = item.other_charge.default_amount if amount is None else to_money(amount)
        if amount < 0:
            raise ValidationError({"amount": _("A charge cannot be negative; use an approved discount.")})
        amount = check_price(amount)
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
            fits_columns(line, LINE_MONEY_FIELDS, field="quantity")
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

    Prices come from the catalogue (price transparency, docs/DOMAIN.md §4.1): the same for
    every customer unless the order's discount level or an approved discount applies."""
    require(actor, Perm.REPAIR_ORDER_EDIT, order.store)
    items = [_checked(item) for item in items]
    if not items:
        raise ValidationError(_("Choose what to add to the repair order."))
    with transaction.atomic():
        order = _locked(order)
        on_order = list(order.lines.values_list("kind", "code", "payer", "status"))
        lines, described = _lines_for(order, items, position=len(on_order))
        _refuse_duplicates(items, lines, [len(entry) for entry in described], on_order)
        RepairOrderLine.objects.bulk_create(lines)
        _add_to_totals(order, _approved(lines))
        order.save(update_fields=[*TOTAL_FIELDS, "updated_at"])
        AuditEntry.objects.bulk_create([_lines_added_entry(actor, order, text) for text in described])
        proposed = [line for line in lines if line.status == LineStatus.PROPOSED]
        if proposed:
            _ask_approval(order, proposed[0], actor)
    return lines


def _ask_approval(order: RepairOrder, first: RepairOrderLine, actor) -> None:
    """Additional work waits for the customer: the notice goes through the messaging
    door in the same transaction (docs/DOMAIN.md §15.1). The phone link to decide
    is the portal's (customer_link); without it the notice names the advisor to call."""
    from aftercare.messaging.services import message_send, staff_context

    message_send(
        store=order.store, customer=order.customer, vehicle=order.vehicle, purpose="service",
        template_code="approval_requested",
        context={**staff_context(order.advisor), "link": customer_link(order, "approve", actor)},
        dedupe_key=f"approval_requested:{order.pk}:{first.pk}", actor=actor, source=order,
    )  # fmt: skip


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
    confirm_duplicate: bool = False,
) -> list[RepairOrderLine]:
    """Add one catalogue item (or a package, expanded into its lines) to an
    order: lines_add with one item (same checks, errors and audit row).

    Prices come from the catalogue (price transparency, docs/DOMAIN.md §4.1): the same for
    every customer unless the order's discount level or an approved discount applies."""
    item = LineItem(
        operation=operation, part=part, other_charge=other_charge, package=package, quantity=quantity, payer=payer,
        amount=amount, confirm_duplicate=confirm_duplicate,
    )  # fmt: skip
    return lines_add(actor=actor, order=order, items=[item])


def line_remove(*, actor, line: RepairOrderLine) -> None:
    """Remove a line while the estimate is still being built."""
    order = line.repair_order
    require(actor, Perm.REPAIR_ORDER_EDIT, order.store)
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
    require(actor, Perm.DISCOUNT_APPROVE, order.store)
    amount = to_money(amount)
    if amount <= 0:
        raise ValidationError({"amount": _("Enter the discount as a positive amount.")})
    amount = check_price(amount)
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the discount.")})
    with transaction.atomic():
        order = _locked(order)
        if order.status not in CORRECTABLE_STATUSES:
            raise ValidationError(_("This repair order can no longer be discounted."))
        # Against the balance, not the total: a discount never leaves the
        # customer in credit (docs/DOMAIN.md §4.5).
        balance = order.customer_total - order_net_paid(order)
        if amount > balance:
            raise ValidationError(
                {"amount": _("The balance due is %(balance)s; a discount cannot be more.") % {"balance": balance}}
            )
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


# Sent after the transaction in which the customer approved or declined additional work commits,
# with repair_order_id, line_id, approved, actor_id: approved work on an order already under way
# needs its parts at once, and the spine knows nothing of the parts counter (docs/ARCHITECTURE.md).
repair_order_line_decided = Signal()


SIGNATURE_PREFIX = "data:image/png;base64,"


@dataclass(frozen=True)
class DecisionEvidence:
    """What a decision made through the customer's phone link was made on, beside the
    signature: the link used, the IP address and the browser (docs/DOMAIN.md §3.4)."""

    link: str = ""
    ip_address: str | None = None
    user_agent: str = ""


def _checked_signature(signature: str) -> str:
    signature = (signature or "").strip()
    if not signature.startswith(SIGNATURE_PREFIX) or len(signature) <= len(SIGNATURE_PREFIX):
        raise ValidationError({"signature": _("A decision by signature needs the customer's signature.")})
    if len(signature) > SIGNATURE_MAX_LENGTH:
        raise ValidationError({"signature": _("The signature image is too large.")})
    return signature


def line_decide(
    *,
    actor,
    line: RepairOrderLine,
    approve: bool,
    method: str,
    note: str = "",
    signature: str = "",
    evidence: DecisionEvidence | None = None,
) -> RepairOrderLine:
    """The customer approves or declines proposed additional work. A declined
    line stays on the order as declined work for a later follow-up. Every decision
    keeps its evidence in one append-only LineDecision row (docs/DOMAIN.md §3.4):
    by signature only with the signature, by link only with the link used."""
    order = line.repair_order
    require(actor, Perm.REPAIR_ORDER_EDIT, order.store)
    evidence = evidence or DecisionEvidence()
    if method not in ApprovalMethod.values:
        raise ValidationError({"method": _("Choose how the customer decided.")})
    if method == ApprovalMethod.VERBAL and not note.strip():
        raise ValidationError({"note": _("Note who decided by phone.")})
    if method == ApprovalMethod.SIGNATURE:
        signature = _checked_signature(signature)
    elif signature:
        signature = _checked_signature(signature)
    if method == ApprovalMethod.LINK and not evidence.link:
        raise ValidationError({"method": _("Only the customer's phone link records a decision by link.")})
    now = timezone.now()
    with transaction.atomic():
        order = _locked(order)
        updated = RepairOrderLine.objects.filter(pk=line.pk, repair_order=order, status=LineStatus.PROPOSED).update(
            status=LineStatus.APPROVED if approve else LineStatus.DECLINED,
            decided_at=now,
            decided_via=method,
        )
        if not updated:
            raise ValidationError(_("This line is not waiting for the customer's decision."))
        decision = LineDecision.objects.create(
            repair_order=order, line_id=line.pk, approved=approve, method=method, decided_at=now,
            recorded_by=actor if getattr(actor, "pk", None) else None, note=note.strip()[:200],
            signature=signature, link=evidence.link[:40], ip_address=evidence.ip_address or None,
            user_agent=evidence.user_agent[:300],
        )  # fmt: skip
        # The photos of the finding the customer saw beside the line when deciding.
        decision.photos_shown.set(list(Photo.objects.filter(line_id=line.pk).values_list("pk", flat=True)))
        repair_order_recalculate(order)
        line.refresh_from_db()
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=order, reason=note,
            changes={"additional_work": [line.description, "approved" if approve else "declined"]},
        )  # fmt: skip
        order_id, line_id, actor_id = order.pk, line.pk, getattr(actor, "pk", None)
        transaction.on_commit(
            lambda: repair_order_line_decided.send(
                sender=RepairOrderLine, repair_order_id=order_id, line_id=line_id, approved=approve, actor_id=actor_id
            )
        )
    return line
