"""WeChat Pay and Alipay at the counter (docs/DOMAIN.md §21).

A charge is first written as a ProviderTransaction (committed), then sent to
the provider outside any transaction: no row lock is held while the network
is waited on. What the provider answers (at once, by a later query, or by a
signed notification) is applied under the order's lock; money that arrived is
posted as one ordinary Payment whose idempotency key is the transaction's own
number, so however many times the same "paid" is heard, it posts once."""

import re
import secrets
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm, require
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder

from .choices import OPEN_TXN_STATUSES, DifferenceKind, PayFlow, PaymentKind, Provider, TxnKind, TxnStatus
from .models import (
    ZERO,
    ProviderAccount,
    ProviderTransaction,
    Reconciliation,
    ReconciliationDifference,
)
from .providers import Outcome, ProviderError, adapter_for, base
from .selectors import order_paid
from .services import (
    IdempotencyConflict,
    _key,
    _locked,
    _positive_amount,
    _post,
    _reason,
    _settle_if_paid,
    payment_refund,
)

# How long the counter waits for the customer before the order is cancelled at
# the provider (docs/DOMAIN.md §21): a payment code is confirmed in the app
# within a couple of minutes or not at all; a shown QR code stays valid longer.
PAY_WINDOW = {
    PayFlow.MICROPAY: timedelta(minutes=2),
    PayFlow.QR: timedelta(minutes=10),
    PayFlow.H5: timedelta(minutes=10),
}
AUTH_CODE = re.compile(r"^\d{10,32}$")
SECRET_MASK = "******"


def _trade_no(prefix: str, store_id: int) -> str:
    # 2 + 4 + 12 + 8 = 26 characters, within both providers' 32 and their alphabet.
    return f"{prefix}{store_id % 10000:04d}{timezone.now():%y%m%d%H%M%S}{secrets.token_hex(4)}"


def active_account(store, provider: str) -> ProviderAccount | None:
    return ProviderAccount.objects.filter(store=store, provider=provider, is_active=True).order_by().first()


# --- credentials --------------------------------------------------------------------------


def provider_account_save(*, actor, store, provider: str, data: dict) -> ProviderAccount:
    """Create or change a store's provider account. A blank secret keeps the
    one on file, so the admin never needs to see it again to change something else."""
    require(actor, Perm.STORE_MANAGE, store)
    if provider not in Provider.values:
        raise ValidationError({"provider": _("Choose WeChat Pay or Alipay.")})
    with transaction.atomic():
        account = ProviderAccount.objects.select_for_update().filter(store=store, provider=provider).first()
        created = account is None
        if created:
            account = ProviderAccount(store=store, provider=provider)
        changes = {}
        for name, value in data.items():
            if name in ProviderAccount.SECRET_FIELDS and not value:
                continue
            before = getattr(account, name)
            if before != value:
                secret = name in ProviderAccount.SECRET_FIELDS or name == "provider_public_key"
                changes[name] = [SECRET_MASK if secret and before else before, SECRET_MASK if secret else value]
                setattr(account, name, value)
        account.updated_by = actor
        if not account.sandbox:
            _require_credentials(account)
        account.full_clean(exclude=["store", "updated_by"])
        account.save()
        audit_record(
            actor=actor, action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE, obj=account,
            changes=changes,
        )  # fmt: skip
    return account


def _require_credentials(account: ProviderAccount) -> None:
    needed = ["app_id", "private_key", "provider_public_key"]
    if account.provider == Provider.WECHAT:
        needed += ["merchant_id", "cert_serial_no", "api_key", "provider_public_key_id"]
    errors = {name: _("Required unless the account is a sandbox.") for name in needed if not getattr(account, name)}
    if errors:
        raise ValidationError(errors)
    try:
        adapter_for(account)
    except ProviderError:
        raise ValidationError({"private_key": _("The keys could not be read; paste them as PEM text.")}) from None


# --- charges ------------------------------------------------------------------------------


def provider_charge_start(
    *, actor, order: RepairOrder, provider: str, flow: str, amount, auth_code: str = "",
    idempotency_key: str | None = None, notify_url: str = "",
) -> tuple[ProviderTransaction, bool]:  # fmt: skip
    """Start a charge at the counter: the customer's payment code scanned
    (micropay) or a QR code to show (qr). Returns (transaction, created); the
    same idempotency key returns the first transaction."""
    require(actor, Perm.PAYMENT_POST, order.store)
    errors = {}
    if provider not in Provider.values:
        errors["method"] = _("Choose WeChat Pay or Alipay.")
    if flow not in (PayFlow.MICROPAY, PayFlow.QR):  # the phone's own flow starts in phone_charge_start
        errors["flow"] = _("Choose how the customer pays.")
    auth_code = (auth_code or "").strip()
    if flow == PayFlow.MICROPAY and not AUTH_CODE.match(auth_code):
        errors["auth_code"] = _("Scan the payment code in the customer's app (digits only).")
    if errors:
        raise ValidationError(errors)
    amount = _positive_amount(amount)
    key = _key(idempotency_key)
    account = active_account(order.store, provider)
    if account is None:
        raise ValidationError({"method": _("This store has no active account for %(provider)s.") % {
            "provider": Provider(provider).label}})  # fmt: skip
    try:
        adapter = adapter_for(account)
    except ProviderError:
        # A sandbox outside demo mode, or keys that no longer load: nothing is sent.
        raise ValidationError({"method": _("This store's %(provider)s account cannot take payments now.") % {
            "provider": Provider(provider).label}}) from None  # fmt: skip
    txn, created = _charge_open(
        actor=actor, order=order, account=account, provider=provider, flow=flow, amount=amount, key=key
    )
    if not created:
        return txn, False
    description = f"{order.store.name} {order.number}"[:120]
    try:
        if flow == PayFlow.MICROPAY:
            outcome = adapter.micropay(
                out_trade_no=txn.out_trade_no, amount=amount, auth_code=auth_code, description=description,
                store_code=f"S{order.store_id}",
            )  # fmt: skip
        else:
            outcome = adapter.precreate(
                out_trade_no=txn.out_trade_no, amount=amount, description=description, notify_url=notify_url
            )
    except ProviderError as error:
        # A micropay may have reached the provider: ask by query. A QR code that never came is a failure.
        state = base.UNKNOWN if flow == PayFlow.MICROPAY else base.FAILED
        outcome = Outcome(state=state, message=str(error)[:200])
    return apply_outcome(txn.pk, outcome), True


def _charge_open(
    *, actor, order: RepairOrder, account: ProviderAccount, provider: str, flow: str, amount: Decimal | None,
    key: str | None, origin: str = "",
) -> tuple[ProviderTransaction, bool]:  # fmt: skip
    """Write the charge's row under the order's lock (committed before the provider is
    called): at most the balance less the charges still waiting for the customer.
    `amount` None is the whole of that balance at this moment (the phone's charge).
    The same key returns the first row; so does an open charge of the same origin."""
    try:
        with transaction.atomic():
            locked = _locked(order)
            if key is not None:
                existing = ProviderTransaction.objects.filter(store_id=locked.store_id, idempotency_key=key).first()
                if existing is not None:
                    asked = existing.amount if amount is None else amount
                    return _replay(existing, order=locked, provider=provider, amount=asked), False
            if locked.status == Status.CANCELLED:
                raise ValidationError(_("This repair order is cancelled; it takes no payments."))
            waiting_rows = list(
                ProviderTransaction.objects.filter(
                    repair_order=locked, kind=TxnKind.CHARGE, status__in=OPEN_TXN_STATUSES
                ).order_by("id")
            )
            if origin:
                mine = next((t for t in waiting_rows if t.origin == origin and t.provider == provider), None)
                if mine is not None:
                    return mine, False  # the customer pressed "pay" again: the charge already waiting
            waiting = sum((t.amount for t in waiting_rows), ZERO)
            balance = locked.customer_total - order_paid(locked) - waiting
            if amount is None:
                if balance <= 0:
                    raise ValidationError({"amount": _(
                        "Nothing is due on this order now (%(waiting)s is still being paid)."
                    ) % {"waiting": waiting}})  # fmt: skip
                amount = balance
            if amount > balance:
                raise ValidationError({"amount": _(
                    "The balance due is %(balance)s (after %(waiting)s the customer is still confirming); "
                    "a payment cannot be more.") % {"balance": balance, "waiting": waiting}})  # fmt: skip
            txn = ProviderTransaction.objects.create(
                store_id=locked.store_id, repair_order=locked, account=account, provider=provider,
                kind=TxnKind.CHARGE, flow=flow, out_trade_no=_trade_no("AC", locked.store_id), amount=amount,
                idempotency_key=key, expires_at=timezone.now() + PAY_WINDOW[flow], created_by=actor, origin=origin,
            )  # fmt: skip
            audit_record(
                actor=actor, action=AuditEntry.Action.CREATE, obj=locked,
                changes={"provider_charge": [None, f"{txn.out_trade_no} {provider} {flow} {amount} {origin}".strip()]},
            )  # fmt: skip
    except IntegrityError:
        existing = ProviderTransaction.objects.filter(store_id=order.store_id, idempotency_key=key).first()
        if key is None or existing is None:
            raise
        asked = existing.amount if amount is None else amount
        return _replay(existing, order=order, provider=provider, amount=asked), False
    return txn, True


# Orders the customer may pay from the phone: the amount is final (docs/DOMAIN.md §21.6).
PHONE_PAYABLE = (Status.READY, Status.SETTLED, Status.DELIVERED)


def phone_charge_start(
    *, order: RepairOrder, provider: str, origin: str, idempotency_key: str | None, notify_url: str,
    return_url: str, client_ip: str | None,
) -> tuple[ProviderTransaction, bool]:  # fmt: skip
    """The customer pays the balance from the phone link (WeChat Pay H5, Alipay 手机网站支付):
    the amount is the balance due at this moment, taken under the order's lock, less what
    is still being paid; no cashier. `origin` names the link ("portal:<id>"): pressing
    "pay" again while that charge waits returns it; the same key starts one charge.
    Returns (transaction, created); the transaction's code_url is where the phone goes next."""
    if provider not in Provider.values:
        raise ValidationError({"provider": _("Choose WeChat Pay or Alipay.")})
    if order.status not in PHONE_PAYABLE:
        raise ValidationError(_("This order cannot be paid from the phone yet."))
    key = _key(idempotency_key)
    account = active_account(order.store, provider)
    if account is None:
        raise ValidationError({"provider": _("This store has no active account for %(provider)s.") % {
            "provider": Provider(provider).label}})  # fmt: skip
    try:
        adapter = adapter_for(account)
    except ProviderError:
        raise ValidationError({"provider": _("This store's %(provider)s account cannot take payments now.") % {
            "provider": Provider(provider).label}}) from None  # fmt: skip
    if origin:
        # The customer chose the other provider: what this link left waiting there is cancelled first.
        for other in (
            ProviderTransaction.objects.select_related("account")
            .filter(repair_order=order, origin=origin, kind=TxnKind.CHARGE, status__in=OPEN_TXN_STATUSES)
            .exclude(provider=provider)
        ):
            _cancel(other, _("The customer chose another way to pay."))
    txn, created = _charge_open(
        actor=None, order=order, account=account, provider=provider, flow=PayFlow.H5, amount=None, key=key,
        origin=origin,
    )  # fmt: skip
    if not created:
        return txn, False
    try:
        outcome = adapter.h5(
            out_trade_no=txn.out_trade_no, amount=txn.amount, description=f"{order.store.name} {order.number}"[:120],
            notify_url=notify_url, return_url=return_url, client_ip=client_ip or "127.0.0.1",
        )  # fmt: skip
    except ProviderError as error:
        outcome = Outcome(state=base.FAILED, message=str(error)[:200])
    return apply_outcome(txn.pk, outcome), True


def _replay(existing: ProviderTransaction, *, order, provider: str, amount: Decimal) -> ProviderTransaction:
    if (existing.repair_order_id, existing.provider, existing.amount) != (order.pk, provider, amount):
        raise IdempotencyConflict(
            _("This request key was already used for a different payment (%(number)s).")
            % {"number": existing.out_trade_no}
        )
    return existing


def apply_outcome(txn_id: int, outcome: Outcome) -> ProviderTransaction:
    """Record what the provider said about a charge. Paid posts the money
    (once); a final state (paid, failed, cancelled) never moves back to open."""
    if outcome.state == base.PAID:
        return _post_paid(txn_id, outcome)
    with transaction.atomic():
        txn = ProviderTransaction.objects.select_for_update().get(pk=txn_id)
        if not txn.is_open:
            return txn
        fields = ["status", "updated_at"]
        if outcome.code_url:
            txn.code_url = outcome.code_url[:2000]
            fields.append("code_url")
        if outcome.message:
            txn.message = outcome.message[:200]
            fields.append("message")
        if outcome.state == base.FAILED:
            txn.status = TxnStatus.FAILED
        elif outcome.state == base.CLOSED:
            txn.status = TxnStatus.CLOSED
        else:
            txn.status = TxnStatus.PAYING
        txn.save(update_fields=fields)
    return txn


def _post_paid(txn_id: int, outcome: Outcome) -> ProviderTransaction:
    """The provider says the money arrived: post it on the order, once.

    Money is never left unposted (docs/DOMAIN.md §21): arriving after the
    counter gave up (cancelled or failed here), on a cancelled order or above
    the balance, it is posted all the same and flagged to be refunded through
    the provider; the settle guard refuses an overpaid order until it is."""
    with transaction.atomic():
        order_id = ProviderTransaction.objects.values_list("repair_order_id", flat=True).get(pk=txn_id)
        order = _locked(RepairOrder(pk=order_id))
        txn = ProviderTransaction.objects.select_for_update(of=("self",)).select_related("created_by").get(pk=txn_id)
        if txn.payment_id is not None:
            return txn  # heard before: a duplicate notification, a late query
        late = txn.status in (TxnStatus.CLOSED, TxnStatus.FAILED)
        fields = ["status", "provider_trade_no", "payment", "needs_refund", "message", "updated_at"]
        txn.provider_trade_no = (outcome.trade_no or txn.provider_trade_no)[:64]
        if outcome.amount is not None and outcome.amount != txn.amount:
            # Never post an amount nobody asked for; the reconciliation shows it too.
            txn.status, txn.needs_refund = TxnStatus.PAID, True
            txn.message = _("The provider reports %(amount)s paid, not the amount asked.") % {"amount": outcome.amount}
            txn.save(update_fields=fields)
            return txn
        balance = order.customer_total - order_paid(order)
        over = txn.amount > balance or order.status == Status.CANCELLED
        pending: list[AuditEntry] = []
        payment = _post(
            actor=txn.created_by, order=order, kind=PaymentKind.PAYMENT, method=txn.provider, amount=txn.amount,
            balance_after=balance - txn.amount, reference=txn.provider_trade_no or txn.out_trade_no,
            key=f"txn:{txn.out_trade_no}", pending=pending,
            reason=_("Arrived after the counter gave up; refund it") if over and late else "",
        )  # fmt: skip
        txn.status, txn.payment, txn.needs_refund = TxnStatus.PAID, payment, over
        if late:
            txn.message = _("Paid after it was cancelled at the counter.")
        elif over:
            txn.message = _("More than the balance due: refund the difference.")
        txn.save(update_fields=fields)
        if balance - txn.amount == 0 and order.status != Status.CANCELLED:
            _settle_if_paid(actor=txn.created_by, order=order, balance=ZERO, pending=pending)
        else:
            AuditEntry.objects.bulk_create(pending)
    return txn


def provider_charge_sync(*, txn_id: int, now=None) -> ProviderTransaction:
    """Ask the provider about an open charge ("user is paying"); past its
    window, cancel it at the provider. Safe to call any number of times."""
    txn = ProviderTransaction.objects.select_related("account").get(pk=txn_id)
    if not txn.is_open or txn.kind != TxnKind.CHARGE:
        return txn
    now = now or timezone.now()
    try:
        outcome = adapter_for(txn.account).query(out_trade_no=txn.out_trade_no)
    except ProviderError as error:
        outcome = Outcome(state=base.UNKNOWN, message=str(error)[:200])
    if outcome.state in (base.PAID, base.FAILED) or (outcome.state == base.CLOSED and txn.flow == PayFlow.MICROPAY):
        return apply_outcome(txn.pk, outcome)
    if now >= txn.expires_at:
        return _cancel(txn, _("No payment within the time allowed."))
    return apply_outcome(txn.pk, Outcome(state=base.PAYING, message=outcome.message))


def provider_charge_cancel(*, actor, txn: ProviderTransaction) -> ProviderTransaction:
    """The cashier gives up on an open charge (the customer left, paid otherwise)."""
    require(actor, Perm.PAYMENT_POST, txn.store)
    txn = ProviderTransaction.objects.select_related("account").get(pk=txn.pk)
    if not txn.is_open:
        raise ValidationError(_("This payment is no longer waiting; nothing to cancel."))
    return _cancel(txn, _("Cancelled at the counter."))


def _cancel(txn: ProviderTransaction, message: str) -> ProviderTransaction:
    try:
        outcome = adapter_for(txn.account).cancel(out_trade_no=txn.out_trade_no, flow=txn.flow)
    except ProviderError as error:
        outcome = Outcome(state=base.UNKNOWN, message=str(error)[:200])
    if outcome.state == base.PAID:
        return apply_outcome(txn.pk, outcome)
    if outcome.state == base.CLOSED:
        return apply_outcome(txn.pk, Outcome(state=base.CLOSED, message=message))
    # The provider did not confirm the cancel: the charge stays open and the task asks again.
    return apply_outcome(txn.pk, Outcome(state=base.PAYING, message=outcome.message))


def provider_notification(*, account: ProviderAccount, headers=None, body: bytes = b"", data=None):
    """A provider's signed notification. Raises SignatureInvalid for a forged
    one; returns the transaction it concerns (None when it is not ours)."""
    adapter = adapter_for(account)
    if account.provider == Provider.WECHAT:
        note = adapter.notification(headers=headers, body=body)
    else:
        note = adapter.notification(data=data)
    txn = ProviderTransaction.objects.filter(
        account=account, out_trade_no=note.out_trade_no, kind=TxnKind.CHARGE
    ).first()
    if txn is None:
        return None
    if note.state in (base.PAID, base.FAILED, base.CLOSED):
        return apply_outcome(txn.pk, Outcome(state=note.state, trade_no=note.trade_no, amount=note.amount))
    return txn


def sync_open_charges(*, now=None) -> int:
    """The task's sweep: every charge still open is asked about (and cancelled past its window)."""
    ids = list(
        ProviderTransaction.objects.filter(kind=TxnKind.CHARGE, status__in=OPEN_TXN_STATUSES)
        .order_by("id")
        .values_list("id", flat=True)
    )
    for txn_id in ids:
        provider_charge_sync(txn_id=txn_id, now=now)
    return len(ids)


# --- refunds ------------------------------------------------------------------------------


def provider_refund(
    *, actor, txn: ProviderTransaction, amount, reason: str, idempotency_key: str | None = None
) -> tuple[ProviderTransaction, bool]:
    """Give money back through the provider it came by, then post the refund
    (a negative record) on the order. At most what the charge brought in."""
    require(actor, Perm.PAYMENT_REVERSE, txn.store)
    amount = _positive_amount(amount)
    reason = _reason(reason, _("Give the reason for the refund."))
    key = _key(idempotency_key)
    with transaction.atomic():
        order = _locked(RepairOrder(pk=txn.repair_order_id))
        charge = ProviderTransaction.objects.select_for_update(of=("self",)).select_related("account").get(pk=txn.pk)
        if key is not None:
            existing = ProviderTransaction.objects.filter(store_id=order.store_id, idempotency_key=key).first()
            if existing is not None:
                if (existing.refund_of_id, existing.amount) != (charge.pk, amount):
                    raise IdempotencyConflict(_("This request key was already used for a different refund."))
                return existing, False
        if charge.kind != TxnKind.CHARGE or charge.payment_id is None:
            raise ValidationError(_("Only a paid WeChat Pay or Alipay charge can be refunded this way."))
        refunded = (
            charge.refunds.filter(status__in=(TxnStatus.CREATED, TxnStatus.PAID)).aggregate(total=Sum("amount"))[
                "total"
            ]
            or ZERO
        )
        if amount > charge.amount - refunded:
            raise ValidationError({"amount": _("At most %(amount)s of this payment can still go back.") % {
                "amount": charge.amount - refunded}})  # fmt: skip
        refund = ProviderTransaction.objects.create(
            store_id=order.store_id, repair_order=order, account=charge.account, provider=charge.provider,
            kind=TxnKind.REFUND, out_trade_no=_trade_no("RF", order.store_id), amount=amount, refund_of=charge,
            idempotency_key=key, expires_at=timezone.now(), created_by=actor, message=reason,
        )  # fmt: skip
    try:
        outcome = adapter_for(charge.account).refund(
            out_refund_no=refund.out_trade_no, out_trade_no=charge.out_trade_no, amount=amount, total=charge.amount,
            reason=reason,
        )  # fmt: skip
    except ProviderError as error:
        outcome = Outcome(state=base.FAILED, message=str(error)[:200])
    if outcome.state != base.PAID:
        ProviderTransaction.objects.filter(pk=refund.pk).update(
            status=TxnStatus.FAILED, message=outcome.message[:200], updated_at=timezone.now()
        )
        raise ValidationError(_("The provider refused the refund: %(message)s") % {"message": outcome.message or "-"})
    with transaction.atomic():
        payment, _created = payment_refund(
            actor=actor, order=order, amount=amount, method=charge.provider, reason=reason,
            idempotency_key=f"txn:{refund.out_trade_no}",
        )  # fmt: skip
        refund.status, refund.payment, refund.provider_trade_no = TxnStatus.PAID, payment, outcome.trade_no[:64]
        refund.save(update_fields=["status", "payment", "provider_trade_no", "updated_at"])
        if charge.needs_refund:
            ProviderTransaction.objects.filter(pk=charge.pk).update(needs_refund=False, updated_at=timezone.now())
    return refund, True


# --- reconciliation -----------------------------------------------------------------------


def provider_reconcile(*, account: ProviderAccount, day: date) -> Reconciliation:
    """Import the provider's statement of `day` and list every line where it
    and our posted records disagree (a run again replaces the day's list)."""
    lines = adapter_for(account).statement(day=day)
    theirs: dict[tuple[str, str], Decimal] = {}
    for line in lines:
        theirs[(line.kind, line.out_trade_no)] = theirs.get((line.kind, line.out_trade_no), ZERO) + line.amount
    ours = {
        (kind, number): amount
        for kind, number, amount in ProviderTransaction.objects.filter(
            account=account, payment__isnull=False, payment__posted_at__date=day
        ).values_list("kind", "out_trade_no", "amount")
    }
    differences = []
    for key in sorted(set(theirs) | set(ours)):
        kind, number = key
        mine, provider = ours.get(key), theirs.get(key)
        if mine == provider:
            continue
        difference = (
            DifferenceKind.MISSING_HERE
            if mine is None
            else DifferenceKind.MISSING_THERE
            if provider is None
            else DifferenceKind.AMOUNT
        )
        differences.append(
            ReconciliationDifference(
                kind=difference, txn_kind=kind, out_trade_no=number[:64], provider_amount=provider, our_amount=mine
            )
        )
    with transaction.atomic():
        run, _created = Reconciliation.objects.update_or_create(
            store_id=account.store_id, provider=account.provider, day=day,
            defaults={"statement_lines": len(lines), "matched": len(set(theirs) & set(ours)) - sum(
                1 for d in differences if d.kind == DifferenceKind.AMOUNT), "imported_at": timezone.now()},
        )  # fmt: skip
        run.differences.all().delete()
        for difference in differences:
            difference.reconciliation = run
        ReconciliationDifference.objects.bulk_create(differences)
    return run


def reconcile_day(*, day: date) -> int:
    """The daily task: every active, real account's statement of `day`."""
    done = 0
    for account in ProviderAccount.objects.filter(is_active=True, sandbox=False).order_by("id"):
        try:
            provider_reconcile(account=account, day=day)
            done += 1
        except ProviderError:
            continue  # the next run tries again; the page shows the day as not imported
    return done
