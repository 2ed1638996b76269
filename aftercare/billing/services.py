"""Settlement, payment and delivery (结账, 交车).

Every function runs in one transaction that first locks the repair order row
(select_for_update on PostgreSQL; SQLite's IMMEDIATE transactions serialise
writers), re-reads the balance inside that lock, writes posted money records
that are never edited, and audits. Two cashiers at the same order therefore
queue on the lock and the second sees the first one's payment: no overpaying."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.core.audit import audit_entry, audit_record
from aftercare.core.dates import add_months
from aftercare.core.exceptions import Conflict
from aftercare.core.models import AuditEntry
from aftercare.core.money import fits_columns, to_money
from aftercare.core.permissions import Perm, require
from aftercare.core.services import next_document_number
from aftercare.customers.models import Vehicle
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.service.services import TransitionRefused, repair_order_move_locked, repair_order_transition

from .choices import ALLOWANCE_METHODS, PaymentKind, PaymentMethod
from .models import ZERO, CreditApproval, Delivery, Payment
from .selectors import has_credit_approval, is_maintenance, next_service_after, order_balance, order_money_paid

MAX_AMOUNT = Decimal("9999999999.99")
MAX_SIGNATURE_CHARS = 2_000_000
SIGNATURE_PREFIX = "data:image/png;base64,"
# The longest maintenance cycle a vehicle may have (docs/DOMAIN.md §2.4).
MAX_CYCLE_MONTHS = 60
MAX_CYCLE_KM = 100_000


class IdempotencyConflict(Conflict):
    """An idempotency key reused for a different payment (HTTP 409 in the API)."""


# --- methods that spend a balance another app holds -------------------------------------
#
# A stored-value payment is only as good as the card behind it. Billing does not
# know cards (apps import downwards only): the app that holds the balance
# registers a handler for its method (loyalty, for stored value, in its
# AppConfig.ready). The handler runs inside the payment's transaction, after the
# record is inserted and under the order's lock: it debits the balance or raises
# ValidationError, which rolls the payment back with it. A method listed here
# with no handler registered is refused: no payment without a balance behind it.
HANDLED_METHODS = frozenset({PaymentMethod.STORED_VALUE, PaymentMethod.PACKAGE_CARD, PaymentMethod.COUPON})
_METHOD_HANDLERS: dict = {}


def register_payment_method(method: str, handler) -> None:
    """`handler` has post(*, actor, order, payment), refund(*, actor, order, refund)
    and reverse(*, actor, order, original, reversal); each raises ValidationError to refuse."""
    _METHOD_HANDLERS[method] = handler


def _method_handler(method: str):
    handler = _METHOD_HANDLERS.get(method)
    if handler is None and method in HANDLED_METHODS:
        raise ValidationError({"method": _("This payment method is not available.")})
    return handler


def _locked(order: RepairOrder, *related: str) -> RepairOrder:
    # Lock only the order row (of=self): the balance check below must see
    # every payment committed before ours, and no other cashier may add one
    # between our check and our insert. The store (receipt numbers, audit) and
    # `related` (delivery: vehicle, repair type) are read in the same statement.
    return RepairOrder.objects.select_for_update(of=("self",)).select_related("store", *related).get(pk=order.pk)


def _positive_amount(value, field: str = "amount") -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter an amount in yuan, e.g. 120.50.")}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("Enter an amount in yuan, e.g. 120.50.")})
    amount = to_money(amount)
    if amount <= 0:
        raise ValidationError({field: _("The amount must be more than zero.")})
    if amount > MAX_AMOUNT:
        raise ValidationError({field: _("The amount is too large.")})
    return amount


def _reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    return reason[:200]


def _key(idempotency_key: str | None) -> str | None:
    key = (idempotency_key or "").strip()
    if len(key) > 100:
        raise ValidationError({"idempotency_key": _("The idempotency key is longer than 100 characters.")})
    return key or None


def _replay(existing: Payment, *, order: RepairOrder, kind: str, method: str, amount: Decimal) -> Payment:
    """The record a retried request already posted, if the retry asks for the same thing."""
    if (existing.repair_order_id, existing.kind, existing.method, existing.amount) != (order.pk, kind, method, amount):
        raise IdempotencyConflict(
            _("This request key was already used for a different payment (%(number)s).") % {"number": existing.number}
        )
    return existing


def _post(
    *, actor, order: RepairOrder, kind: str, method: str, amount: Decimal, balance_after: Decimal,
    reference: str = "", reason: str = "", key: str | None = None, reverses: Payment | None = None,
    pending: list[AuditEntry] | None = None,
) -> Payment:  # fmt: skip
    """Number and insert a money record, and audit it: its audit row is saved
    here, or appended to `pending` when the caller writes it with others.

    No savepoint of its own: a concurrent request with the same key on another
    order hits the unique constraint, which aborts the caller's whole
    transaction (payment_post then answers with the committed row), and the
    receipt number taken here is given back with it (no gap in the series)."""
    payment = Payment(
        store_id=order.store_id, repair_order=order, kind=kind, method=method, amount=amount,
        reference=reference[:100], reason=reason, idempotency_key=key, reverses=reverses,
        balance_after=balance_after, posted_by=actor, posted_at=timezone.now(),
    )  # fmt: skip
    # Before the receipt number is taken: a record its columns could not hold is refused whole.
    fits_columns(payment, ("amount", "balance_after"), field="amount")
    payment.number = next_document_number(store=order.store, kind="payment", prefix="PAY", width=7)
    payment.save()
    entry = audit_entry(
        actor=actor, action=AuditEntry.Action.CREATE, obj=order, reason=reason,
        changes={kind: [None, f"{payment.number} {method} {amount}"], "balance": [None, str(balance_after)]},
    )  # fmt: skip
    if pending is None:
        entry.save()
    else:
        pending.append(entry)
    return payment


def _settle_if_paid(
    *, actor, order: RepairOrder, balance: Decimal, credit_approved: bool = False, pending: Sequence[AuditEntry] = ()
) -> None:
    """A ready order whose balance reached zero (or that a manager let go on
    credit) moves on to settled, in the caller's transaction and under the lock
    it already holds: the balance just computed there is handed to the guards
    instead of being summed again. Another app's guard may still hold the order
    back; the payment stands either way (guards refuse before anything is written).

    `pending`: the caller's audit rows not written yet; they go in one INSERT
    with the move's own row, or on their own when the order does not move."""
    # `actor` None: money the customer paid from the phone link (docs/DOMAIN.md §21.6), no cashier.
    if order.status == Status.READY and (actor is None or actor.has_perm(Perm.PAYMENT_POST, order)):
        context = {"balance": balance, "credit_approved": credit_approved}
        try:
            repair_order_move_locked(
                repair_order=order,
                to=Status.SETTLED,
                actor=actor,
                note=_("Paid in full"),
                context=context,
                audit=pending,
            )
            return
        except TransitionRefused:
            pass
    if pending:
        AuditEntry.objects.bulk_create(pending)


def _find_by_key(store_id: int, key: str | None) -> Payment | None:
    if key is None:
        return None
    # At most one row (unique per store), so no ORDER BY.
    return Payment.objects.filter(store_id=store_id, idempotency_key=key).order_by().first()


def _paid_and_replay(order: RepairOrder, key: str | None) -> tuple[Decimal, Payment | None, list[Payment]]:
    """Under the order's lock, in one statement: what the order's money records
    come to (order_paid), the record a request with the same key already
    posted in the store (_find_by_key), if any, and the order's records."""
    wanted = Q(repair_order_id=order.pk)
    if key is not None:
        wanted |= Q(store_id=order.store_id, idempotency_key=key)
    paid, existing, records = ZERO, None, []
    for record in Payment.objects.filter(wanted).order_by():
        if record.repair_order_id == order.pk:
            paid += record.amount
            records.append(record)
        if key is not None and record.store_id == order.store_id and record.idempotency_key == key:
            existing = record
    return paid, existing, records


def _same_reference(reference: str) -> str:
    return "".join(reference.split()).casefold()


def _reference_taken(records: list[Payment], reference: str) -> Payment | None:
    """The order's standing payment with this reference (docs/DOMAIN.md §4.6):
    one card slip or WeChat / Alipay transaction pays an order once. A payment
    that was reversed gives its reference back, so the corrected one can be
    posted with it."""
    wanted = _same_reference(reference)
    if not wanted:
        return None
    reversed_ids = {record.reverses_id for record in records if record.reverses_id is not None}
    for record in records:
        if (
            record.kind == PaymentKind.PAYMENT
            and record.pk not in reversed_ids
            and _same_reference(record.reference) == wanted
        ):
            return record
    return None


def payment_post(
    *, actor, order: RepairOrder, method: str, amount, reference: str = "", idempotency_key: str | None = None
) -> tuple[Payment, bool]:
    """Post a payment (收款) against an order's balance. Returns (payment, created);
    a retry with the same idempotency key returns the original with created=False.

    Several payments may settle one order (mixed methods, partial payment); a
    payment above the balance is refused, so change for cash is not posted:
    enter the exact amount. When a ready order is paid in full it is settled."""
    require(actor, Perm.PAYMENT_POST, order.store)
    if method not in PaymentMethod.values:
        raise ValidationError({"method": _("Choose a payment method.")})
    amount = _positive_amount(amount)
    key = _key(idempotency_key)
    handler = _method_handler(method)
    try:
        with transaction.atomic():
            locked = _locked(order)
            paid, existing, records = _paid_and_replay(locked, key)
            if existing:
                return _replay(existing, order=locked, kind=PaymentKind.PAYMENT, method=method, amount=amount), False
            if locked.status == Status.CANCELLED:
                raise ValidationError(_("This repair order is cancelled; it takes no payments."))
            taken = _reference_taken(records, reference)
            if taken is not None:
                raise ValidationError(
                    {
                        "reference": _(
                            "Payment %(number)s of this order already has this reference; a slip or "
                            "transaction pays once. Reverse that payment first if it was wrong."
                        )
                        % {"number": taken.number}
                    }
                )
            balance = locked.customer_total - paid
            if amount > balance:
                raise ValidationError(
                    {"amount": _("The balance due is %(balance)s; a payment cannot be more.") % {"balance": balance}}
                )
            # The payment's audit row waits for the settling move's: one INSERT of both.
            pending: list[AuditEntry] = []
            payment = _post(
                actor=actor, order=locked, kind=PaymentKind.PAYMENT, method=method, amount=amount,
                balance_after=balance - amount, reference=reference, key=key, pending=pending,
            )  # fmt: skip
            if handler is not None:
                handler.post(actor=actor, order=locked, payment=payment)
            if balance - amount == 0:
                _settle_if_paid(actor=actor, order=locked, balance=ZERO, pending=pending)
            else:
                AuditEntry.objects.bulk_create(pending)
    except IntegrityError:
        # A request with the same key on another order of the store committed
        # between our read and our insert (the order's lock does not cover
        # it): the transaction above is rolled back whole, and the answer is
        # the committed record (or a conflict if it was for something else).
        existing = _find_by_key(order.store_id, key)
        if existing is None:
            raise
        return _replay(existing, order=order, kind=PaymentKind.PAYMENT, method=method, amount=amount), False
    return payment, True


def payment_refund(
    *, actor, order: RepairOrder, amount, method: str, reason: str, idempotency_key: str | None = None
) -> tuple[Payment, bool]:
    """Pay money back to the customer (退款): a negative record with a reason,
    at most what the customer has paid net."""
    require(actor, Perm.PAYMENT_REVERSE, order.store)
    if method not in PaymentMethod.values:
        raise ValidationError({"method": _("Choose how the money goes back.")})
    amount = _positive_amount(amount)
    reason = _reason(reason, _("Give the reason for the refund."))
    key = _key(idempotency_key)
    handler = _method_handler(method)
    with transaction.atomic():
        order = _locked(order)
        paid, existing, _records = _paid_and_replay(order, key)
        if existing:
            return _replay(existing, order=order, kind=PaymentKind.REFUND, method=method, amount=-amount), False
        if amount > paid:
            raise ValidationError(
                {"amount": _("The customer has paid %(paid)s; a refund cannot be more.") % {"paid": paid}}
            )
        payment = _post(
            actor=actor, order=order, kind=PaymentKind.REFUND, method=method, amount=-amount,
            balance_after=order.customer_total - paid + amount, reason=reason, key=key,
        )  # fmt: skip
        if handler is not None:
            handler.refund(actor=actor, order=order, refund=payment)
    return payment, True


def payment_reverse(*, actor, payment: Payment, reason: str) -> Payment:
    """Correct a mistaken record (冲正) by posting its exact opposite; the
    original stays as it was. A record is reversed at most once."""
    order = payment.repair_order
    require(actor, Perm.PAYMENT_REVERSE, order.store)
    reason = _reason(reason, _("Give the reason for the reversal."))
    with transaction.atomic():
        order = _locked(order)
        original = Payment.objects.get(pk=payment.pk, repair_order=order)
        if original.kind == PaymentKind.REVERSAL:
            raise ValidationError(_("A reversal cannot itself be reversed; post a new payment instead."))
        if Payment.objects.filter(reverses=original).exists():
            raise ValidationError(_("This record has already been reversed."))
        return _reverse_locked(actor=actor, order=order, original=original, reason=reason)


def _reverse_locked(*, actor, order: RepairOrder, original: Payment, reason: str) -> Payment:
    """The reversal of `original` on an order the caller holds locked; the
    method's handler undoes its side (a card's debit, a coupon's use)."""
    reversal = _post(
        actor=actor, order=order, kind=PaymentKind.REVERSAL, method=original.method, amount=-original.amount,
        balance_after=order_balance(order) + original.amount, reason=reason, reverses=original,
        reference=original.number,
    )  # fmt: skip
    handler = _METHOD_HANDLERS.get(original.method)
    if handler is not None:
        handler.reverse(actor=actor, order=order, original=original, reversal=reversal)
    return reversal


def allowances_release(order: RepairOrder, *, actor, note: str) -> None:
    """A cancelled order gives back what it took that is not money: each
    coupon and package-card use still standing on it is reversed, which
    returns the coupon and the use to the customer (docs/DOMAIN.md §13.2).
    Runs in the cancelling move's transaction, under the order's lock."""
    standing = (
        Payment.objects.filter(repair_order=order, kind=PaymentKind.PAYMENT, method__in=ALLOWANCE_METHODS)
        .filter(reversed_by__isnull=True)
        .order_by("pk")
    )
    for original in standing:
        _reverse_locked(actor=actor, order=order, original=original, reason=note or _("Order cancelled"))


def credit_approve(*, actor, order: RepairOrder, reason: str) -> CreditApproval:
    """A manager lets the customer settle and take the car with a balance still
    due (挂账). Recorded and audited; a ready order is settled at once."""
    require(actor, Perm.CREDIT_APPROVE, order.store)
    reason = _reason(reason, _("Give the reason for delivering on credit."))
    with transaction.atomic():
        order = _locked(order)
        if order.status not in (Status.READY, Status.SETTLED):
            raise TransitionRefused(
                _("Credit is approved for finished orders only; this order is %(status)s.")
                % {"status": order.get_status_display()}
            )
        balance = order_balance(order)
        if balance <= 0:
            raise ValidationError(_("Nothing is due on this order."))
        approval = CreditApproval(
            store=order.store, repair_order=order, balance_due=balance, reason=reason, approved_by=actor
        )
        fits_columns(approval, ("balance_due",))
        approval.save()
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=order, reason=reason,
            changes={"credit_approved": [None, str(balance)]},
        )  # fmt: skip
        _settle_if_paid(actor=actor, order=order, balance=balance, credit_approved=True)
    return approval


def repair_order_settle(*, actor, order: RepairOrder) -> RepairOrder:
    """Settle a ready order with nothing due (warranty, internal, fully paid
    earlier) or with a manager's credit approval."""
    return repair_order_transition(
        repair_order=order, to=Status.SETTLED, actor=actor, note=_("Settled at the cash desk")
    )


def _valid_signature(signature: str) -> str:
    signature = (signature or "").strip()
    if not signature.startswith(SIGNATURE_PREFIX) or len(signature) <= len(SIGNATURE_PREFIX):
        raise ValidationError({"signature": _("The customer has not signed yet.")})
    if len(signature) > MAX_SIGNATURE_CHARS:
        raise ValidationError({"signature": _("The signature image is too large.")})
    return signature


def _next_service(order: RepairOrder, next_date: date | None, next_km: int | None) -> tuple[date | None, int]:
    """The next maintenance the sheet records: what the advisor gives, checked,
    else what the vehicle's cycle says (docs/DOMAIN.md §2.4, §4.8). A date is
    from today up to the longest cycle (60 months) ahead; km are above the
    car's current reading and at most the longest cycle (100,000 km) beyond it."""
    computed_date, computed_km = next_service_after(order)
    errors = {}
    if next_date is not None:
        today = timezone.localdate()
        if next_date < today:
            errors["next_service_date"] = _("The next maintenance date cannot be in the past.")
        elif next_date > add_months(today, MAX_CYCLE_MONTHS):
            errors["next_service_date"] = _("The next maintenance date is at most %(months)s months ahead.") % {
                "months": MAX_CYCLE_MONTHS
            }
    if next_km is not None:
        reading = max(order.odometer_km or 0, order.vehicle.odometer_km or 0)
        if next_km <= reading:
            errors["next_service_km"] = _(
                "The next maintenance km must be above the car's current reading (%(km)s km)."
            ) % {"km": reading}
        elif next_km > reading + MAX_CYCLE_KM:
            errors["next_service_km"] = _("The next maintenance is at most %(cycle)s km beyond the reading.") % {
                "cycle": f"{MAX_CYCLE_KM:,}"
            }
    if errors:
        raise ValidationError(errors)
    return (
        computed_date if next_date is None else next_date,
        computed_km if next_km is None else next_km,
    )


def repair_order_deliver(
    *, actor, order: RepairOrder, signature: str, next_service_date: date | None = None,
    next_service_km: int | None = None,
) -> Delivery:  # fmt: skip
    """Hand the car back (交车): the customer signs the delivery sheet that
    explains the work, the old parts, the next maintenance and the follow-up
    call. Moves settled -> delivered (the spine then announces `delivered`);
    a balance still due needs a manager's credit approval (the guard). After a
    maintenance order the vehicle's maintenance cycle restarts from today.

    The next maintenance is what the advisor gives (`next_service_date`,
    `next_service_km`: honoured, or refused with the reason), else the cycle's."""
    require(actor, Perm.REPAIR_ORDER_EDIT, order.store)
    signature = _valid_signature(signature)
    with transaction.atomic():
        order = _locked(order, "repair_type", "vehicle")
        balance = order_balance(order)
        next_date, next_km = _next_service(order, next_service_date, next_service_km)
        # The signed sheet first: the DELIVERED guard refuses a move without one,
        # so no other path (a bare transition) can deliver an unsigned car. A
        # refused move rolls the sheet back with the transaction.
        delivery = Delivery(
            store_id=order.store_id, repair_order=order, signature=signature, next_service_date=next_date,
            next_service_km=next_km, balance_due=max(balance, ZERO), delivered_by=actor,
        )  # fmt: skip
        fits_columns(delivery, ("balance_due",))
        delivery.save()
        order = repair_order_move_locked(
            repair_order=order, to=Status.DELIVERED, actor=actor, note=_("Delivered"), context={"balance": balance}
        )
        if is_maintenance(order):
            vehicle = Vehicle.objects.select_for_update().get(pk=order.vehicle_id)
            before = {"last_service_at": vehicle.last_service_at, "last_service_km": vehicle.last_service_km}
            vehicle.last_service_at = timezone.localdate()
            km = order.odometer_km if order.odometer_km is not None else vehicle.odometer_km
            if km is not None:
                vehicle.last_service_km = km
            vehicle.save(update_fields=["last_service_at", "last_service_km", "updated_at"])
            audit_record(
                actor=actor, action=AuditEntry.Action.UPDATE, obj=vehicle,
                changes={name: [str(old) if old is not None else None, str(getattr(vehicle, name))]
                         for name, old in before.items()},
                reason=order.number,
            )  # fmt: skip
    return delivery


# --- guards the spine runs before a move (registered in apps.BillingConfig.ready) -------


def _money_guard(order: RepairOrder, due_message: str, context: dict) -> str | None:
    # A mover that holds the order's lock may pass the balance it computed
    # under that lock (and that it has just recorded a credit approval).
    balance = context["balance"] if "balance" in context else order_balance(order)
    if balance < 0:
        return _("The customer has paid %(amount)s too much; refund it first.") % {"amount": -balance}
    if balance > 0 and not (context.get("credit_approved") or has_credit_approval(order)):
        return due_message % {"amount": balance}
    return None


def settle_guard(order: RepairOrder, context: dict | None = None) -> str | None:
    return _money_guard(
        order, _("%(amount)s is still due: take the payment, or a manager approves settling on credit."), context or {}
    )


def delivery_signed_guard(order: RepairOrder) -> str | None:
    if not Delivery.objects.filter(repair_order=order).exists():
        return _("The customer signs the delivery sheet first.")
    return None


def cancel_guard(order: RepairOrder) -> str | None:
    """An order holding the customer's money is not cancelled: the money goes
    back first, by a refund or by reversing the payments (docs/DOMAIN.md §4.6).
    Coupons and package uses are not money: cancelling gives them back."""
    paid = order_money_paid(order)
    if paid != 0:
        return _("%(amount)s has been paid on this order: refund it or reverse the payments first, then cancel.") % {
            "amount": paid
        }
    return None


def delivery_guard(order: RepairOrder, context: dict | None = None) -> str | None:
    return _money_guard(
        order, _("%(amount)s is still due: a manager must approve delivery on credit first."), context or {}
    )


def delete_veto(order) -> str:
    """Registered with core.services.register_delete_veto: an order with payments, online
    charges or a delivery is a money document's subject and is never deleted (docs/DOMAIN.md §24.4)."""
    from .models import Delivery, Payment, ProviderTransaction

    if (
        Payment.objects.filter(repair_order=order).exists()
        or ProviderTransaction.objects.filter(repair_order=order).exists()
        or Delivery.objects.filter(repair_order=order).exists()
    ):
        return _("The order has payments; void or reverse them instead.")
    return ""
