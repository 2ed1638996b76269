"""Reads of settlement: an order's balance, the settlement statement (结算单),
the next maintenance explained at delivery, and the cashier's lists."""

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from aftercare.core.money import to_money
from aftercare.core.permissions import Perm
from aftercare.service.choices import LineKind, LineStatus, Payer, Status
from aftercare.service.models import RepairOrder, RepairOrderLine

from .choices import ALLOWANCE_METHODS, MAINTENANCE_REPAIR_TYPES, PaymentMethod
from .models import ZERO, CreditApproval, Payment

VAT_RATE = Decimal("0.13")
MONEY = DecimalField(max_digits=14, decimal_places=2)


# SQLite sums decimals in floating point (607.94 comes back as 607.9399999999999999):
# sums from the database are brought back to the cent, and compared with half a cent.
HALF_CENT = Decimal("0.005")


def order_paid(order: RepairOrder) -> Decimal:
    """Σ of the order's money records (payments +, refunds and reversals −)."""
    return to_money(Payment.objects.filter(repair_order=order).aggregate(total=Sum("amount"))["total"] or ZERO)


def order_money_paid(order: RepairOrder) -> Decimal:
    """Σ of the order's money records alone: coupons and package uses left out."""
    records = Payment.objects.filter(repair_order=order).exclude(method__in=ALLOWANCE_METHODS)
    return to_money(records.aggregate(total=Sum("amount"))["total"] or ZERO)


def order_balance(order: RepairOrder) -> Decimal:
    """What the customer still owes: customer_total − payments + refunds (reversals included)."""
    return order.customer_total - order_paid(order)


def has_credit_approval(order: RepairOrder) -> bool:
    return CreditApproval.objects.filter(repair_order=order).exists()


def vat_included(gross: Decimal) -> Decimal:
    """The VAT inside a price that includes 13 %: gross − gross / 1.13, to the cent."""
    return to_money(gross - gross / (1 + VAT_RATE))


@dataclass
class Settlement:
    """The settlement statement of one order, itemised for the customer and the cashier."""

    order: RepairOrder
    labour: list[RepairOrderLine] = field(default_factory=list)
    parts: list[RepairOrderLine] = field(default_factory=list)
    other: list[RepairOrderLine] = field(default_factory=list)
    discount_lines: list[RepairOrderLine] = field(default_factory=list)
    labour_total: Decimal = ZERO
    parts_total: Decimal = ZERO
    other_total: Decimal = ZERO
    line_discounts: Decimal = ZERO
    manager_discounts: Decimal = ZERO
    # Portions by who pays: {payer: amount}.
    by_payer: dict[str, Decimal] = field(default_factory=dict)
    payments: list[Payment] = field(default_factory=list)  # with the cashier and any reversal of each
    credit_approvals: list[CreditApproval] = field(default_factory=list)  # with the approving manager

    @property
    def gross_total(self) -> Decimal:
        return self.labour_total + self.parts_total + self.other_total

    @property
    def discount_total(self) -> Decimal:
        return self.line_discounts + self.manager_discounts

    @property
    def total(self) -> Decimal:
        return self.gross_total - self.manager_discounts

    @property
    def customer_share(self) -> Decimal:
        return self.by_payer.get(Payer.CUSTOMER, ZERO)

    @property
    def warranty_share(self) -> Decimal:
        return self.by_payer.get(Payer.WARRANTY, ZERO)

    @property
    def insurer_share(self) -> Decimal:
        return self.by_payer.get(Payer.INSURER, ZERO)

    @property
    def internal_share(self) -> Decimal:
        return self.by_payer.get(Payer.INTERNAL, ZERO)

    @property
    def tax(self) -> Decimal:
        return vat_included(self.customer_share)

    @property
    def customer_net(self) -> Decimal:
        return self.customer_share - self.tax

    @property
    def deductions(self) -> Decimal:
        """What coupons and package-card uses standing on the order cover (抵扣): not money."""
        return sum((p.amount for p in self.payments if p.method in ALLOWANCE_METHODS), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((p.amount for p in self.payments if p.amount > 0 and p.method not in ALLOWANCE_METHODS), ZERO)

    @property
    def refunded(self) -> Decimal:
        return -sum((p.amount for p in self.payments if p.amount < 0 and p.method not in ALLOWANCE_METHODS), ZERO)

    @property
    def balance(self) -> Decimal:
        return self.customer_share - self.deductions - self.paid + self.refunded

    @property
    def on_credit(self) -> bool:
        return bool(self.credit_approvals)


def settlement_for(order: RepairOrder, lines: Iterable[RepairOrderLine] | None = None) -> Settlement:
    """Itemise the order's approved lines: labour, parts, other charges, discounts,
    the portions of warranty, insurer and internal accounts, and the customer's
    share with the VAT it contains; then the payments against it. 3 queries, 2 when
    the caller passes the order's `lines` (the repair-order page has read them)."""
    statement = Settlement(order=order)
    if lines is not None:
        lines = [line for line in lines if line.status == LineStatus.APPROVED]
    else:
        lines = RepairOrderLine.objects.filter(repair_order=order, status=LineStatus.APPROVED).select_related(
            "technician"
        )
    for line in lines:
        statement.by_payer[line.payer] = statement.by_payer.get(line.payer, ZERO) + line.amount
        if line.amount < 0:  # a manager's discount is a negative line
            statement.discount_lines.append(line)
            statement.manager_discounts += -line.amount
            continue
        statement.line_discounts += line.discount_amount
        if line.kind == LineKind.LABOUR:
            statement.labour.append(line)
            statement.labour_total += line.amount
        elif line.kind == LineKind.PART:
            statement.parts.append(line)
            statement.parts_total += line.amount
        else:
            statement.other.append(line)
            statement.other_total += line.amount
    # The order's own rows: the order was read through for_user() by the page that shows it.
    statement.payments = list(order.payments.select_related("posted_by", "reversed_by"))
    statement.credit_approvals = list(order.credit_approvals.select_related("approved_by"))
    return statement


def is_maintenance(order: RepairOrder) -> bool:
    return order.repair_type.code in MAINTENANCE_REPAIR_TYPES


def next_service_after(order: RepairOrder, today: date | None = None) -> tuple[date | None, int]:
    """(date, km) of the next periodic maintenance as explained at delivery
    (`today`: the delivery day): a maintenance order restarts the vehicle's
    cycle from that day and the odometer read at reception; any other order
    leaves the vehicle's due date as it is. The sheet never gives a date or km
    already passed (docs/DOMAIN.md §2.4): a car overdue for maintenance is due
    on the delivery day, at the km it shows now (service_due_now)."""
    today = today or timezone.localdate()
    vehicle = order.vehicle
    if is_maintenance(order) and not hasattr(order, "delivery"):
        vehicle = copy.copy(vehicle)
        vehicle.last_service_at = today
        km = order.odometer_km if order.odometer_km is not None else vehicle.odometer_km
        vehicle.last_service_km = km or 0
    due_date, due_km = vehicle.next_service_due()
    if due_date is not None and due_date < today:
        due_date = today
    return due_date, max(due_km, _reading(order))


def _reading(order: RepairOrder) -> int:
    return max(order.odometer_km or 0, order.vehicle.odometer_km or 0)


def service_due_now(order: RepairOrder, next_date: date | None, next_km: int, day: date) -> bool:
    """The next maintenance the sheet gives has come already: the car is overdue
    (its due date is the delivery `day`, or its due km is what it shows now)."""
    return (next_date is not None and next_date <= day) or next_km <= _reading(order)


def _with_paid(orders: QuerySet) -> QuerySet:
    # A subquery rather than a join: summing over a join would multiply rows.
    paid = (
        Payment.objects.filter(repair_order=OuterRef("pk"))
        .order_by()
        .values("repair_order")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return orders.annotate(paid=Coalesce(Subquery(paid, output_field=MONEY), Value(ZERO), output_field=MONEY))


def orders_with_balance(user) -> QuerySet:
    """The user's orders annotated with `paid` and `balance_due`."""
    orders = RepairOrder.objects.for_user(user, Perm.PAYMENT_POST).select_related("customer", "vehicle", "advisor")
    return _with_paid(orders).annotate(balance_due=Coalesce("customer_total", Value(ZERO)) - Coalesce("paid", ZERO))


def with_money_rounded(orders) -> list[RepairOrder]:
    """Evaluate an annotated list, with `paid` and `balance_due` to the cent."""
    rows = list(orders)
    for order in rows:
        order.paid, order.balance_due = to_money(order.paid), to_money(order.balance_due)
    return rows


def orders_ready_to_settle(user) -> QuerySet:
    """Finished orders waiting at the cash desk (status ready)."""
    return orders_with_balance(user).filter(status=Status.READY).order_by("promised_at", "id")


def orders_unpaid(user) -> QuerySet:
    """未付款客户/车辆: settled or delivered orders still owing (on credit), and
    ready orders that were paid in part."""
    return (
        orders_with_balance(user)
        .filter(balance_due__gt=HALF_CENT)
        .filter(Q(status__in=(Status.SETTLED, Status.DELIVERED)) | Q(status=Status.READY, paid__gt=HALF_CENT))
        .order_by("opened_at", "id")
    )


def payments_of_day(user, day: date | None = None) -> QuerySet:
    """The day's money records of the user's stores (today by default), newest first."""
    day = day or timezone.localdate()
    return (
        Payment.objects.for_user(user, Perm.PAYMENT_POST)
        .filter(posted_at__date=day)
        .select_related("repair_order", "repair_order__vehicle", "posted_by")
        .order_by("-posted_at", "-id")
    )


def day_totals(payments) -> dict:
    """Σ amount of a list of records per method (as [(label, amount)]); the
    total is the money taken, so coupons and package uses are summed apart."""
    by_method: dict[str, Decimal] = {}
    for payment in payments:
        by_method[payment.method] = by_method.get(payment.method, ZERO) + payment.amount
    money = {method: amount for method, amount in by_method.items() if method not in ALLOWANCE_METHODS}
    return {
        "by_method": [(PaymentMethod(method).label, amount) for method, amount in money.items()],
        "total": sum(money.values(), ZERO),
        "deductions": [
            (PaymentMethod(method).label, amount) for method, amount in by_method.items() if method not in money
        ],
    }


def settle_refusal(order: RepairOrder, bill: Settlement) -> str | None:
    """Why the cash desk could not settle `order` now, or None. The repair
    order's workflow answers (its table and every guard registered for
    `settled`, billing's money guard among them), given the balance and the
    credit approval the statement has already read, so asking reads nothing more."""
    from aftercare.service.services import repair_order_refusal

    context = {"balance": bill.balance, "credit_approved": bill.on_credit}
    return repair_order_refusal(order, Status.SETTLED, context=context)


# --- WeChat Pay / Alipay at the counter ----------------------------------------------------


def online_pay_form(order: RepairOrder, data=None, initial=None):
    """The counter's charge form, offering the providers the order's store has an active account with."""
    from .forms import OnlinePayForm
    from .models import ProviderAccount

    providers = list(
        ProviderAccount.objects.filter(store_id=order.store_id, is_active=True)
        .order_by("provider")
        .values_list("provider", flat=True)
    )
    return OnlinePayForm(data, initial=initial, providers=providers), providers


def online_panel(user, order: RepairOrder, *, online_form=None, online_refund_form=None, online_refund_txn=None):
    """What billing's order page shows about WeChat Pay / Alipay: the charge
    form (when something is due and the store has an account), and the
    order's charges with their refunds."""
    from .forms import OnlineRefundForm, online_form_token
    from .models import ProviderTransaction

    perms = user.allowed_at(order.store_id)
    balance = order_balance(order)
    panel = {"txns": [], "form": None, "can_refund": Perm.PAYMENT_REVERSE in perms}
    txns = list(
        ProviderTransaction.objects.filter(repair_order=order)
        .select_related("payment", "refund_of")
        .order_by("created_at", "id")
    )
    last = max((txn.pk for txn in txns), default=0)
    if Perm.PAYMENT_POST in perms and order.status != Status.CANCELLED and balance > 0:
        token = online_form_token("charge", order.pk, last, balance)
        form, providers = online_pay_form(order, initial={"amount": balance, "token": token})
        if providers:
            panel["form"] = online_form or form
    for txn in txns:
        if panel["can_refund"] and txn.kind == "charge" and txn.payment_id:
            if online_refund_txn is not None and online_refund_txn.pk == txn.pk:
                txn.refund_form = online_refund_form
            else:
                token = online_form_token(f"refund{txn.pk}", order.pk, last, balance)
                txn.refund_form = OnlineRefundForm(initial={"token": token}, prefix=None)
    panel["txns"] = txns
    return panel


def provider_charges_needing_attention(user):
    """The cash desk's WeChat Pay / Alipay charges still waiting for the customer,
    and money flagged to go back (docs/DOMAIN.md §21.3)."""
    from .choices import OPEN_TXN_STATUSES, TxnKind
    from .models import ProviderTransaction

    return (
        ProviderTransaction.objects.for_user(user, Perm.PAYMENT_POST)
        .filter(Q(needs_refund=True) | Q(status__in=OPEN_TXN_STATUSES), kind=TxnKind.CHARGE)
        .select_related("repair_order__vehicle")
        .order_by("-created_at", "-id")
    )


def daily_payments(*, store_ids, start, end) -> dict:
    """{(store_id, local day): {method: amount}} of the money records posted start..end (refunds and
    reversals are negative records, so each amount is the net): one grouped query (docs/DOMAIN.md §18.3)."""
    from django.db.models.functions import TruncDate

    from aftercare.core.dates import local_day_bounds

    since, until = local_day_bounds(start, end)
    result: dict = {}
    rows = (
        Payment.objects.filter(store_id__in=list(store_ids), posted_at__gte=since, posted_at__lt=until)
        .annotate(day=TruncDate("posted_at"))
        .values_list("store_id", "day", "method")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for store_id, day, method, amount in rows:
        result.setdefault((store_id, day), {})[method] = amount
    return result


def money_of(by_method: dict) -> Decimal:
    """The money taken of a {method: amount}: coupons and package uses left out (they are allowances)."""
    return sum((amount for method, amount in by_method.items() if method not in ALLOWANCE_METHODS), ZERO)


def orders_paid_by(*, store_ids, start, end, method: str | None = None):
    """The orders with money records posted start..end (of one method): a drill-down's rows."""
    from aftercare.core.dates import local_day_bounds

    since, until = local_day_bounds(start, end)
    payments = Payment.objects.filter(store_id__in=list(store_ids), posted_at__gte=since, posted_at__lt=until)
    if method:
        payments = payments.filter(method=method)
    return RepairOrder.objects.filter(pk__in=payments.values("repair_order_id"))
# --- the customer's phone (docs/DOMAIN.md §21.6, §21.7) --------------------------------------


def attach_phone_money(orders: list[RepairOrder]) -> list[RepairOrder]:
    """Give each order `paid` (Σ money records), `waiting` (Σ WeChat Pay / Alipay charges the
    customer is still confirming) and `last_txn_id` (the newest charge, which the pay button's
    key follows), with two grouped statements for all of them, read only for orders whose amount
    is final: the phone's pages show the balance due without a query per order (docs/DOMAIN.md §21.6)."""
    from django.db.models import Max

    from .choices import OPEN_TXN_STATUSES, TxnKind
    from .models import ProviderTransaction
    from .online import PHONE_PAYABLE

    for order in orders:
        order.paid, order.waiting, order.last_txn_id = ZERO, ZERO, None
    final = {order.pk: order for order in orders if order.status in PHONE_PAYABLE}
    if not final:
        return orders
    paid = (
        Payment.objects.filter(repair_order_id__in=list(final))
        .values_list("repair_order_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for pk, total in paid:
        final[pk].paid = to_money(total) if total is not None else ZERO
    charges = (
        ProviderTransaction.objects.filter(repair_order_id__in=list(final))
        .values_list("repair_order_id")
        .annotate(
            waiting=Sum("amount", filter=Q(kind=TxnKind.CHARGE, status__in=OPEN_TXN_STATUSES)),
            last=Max("id"),
        )
        .order_by()
    )
    for pk, waiting, last in charges:
        final[pk].waiting = to_money(waiting) if waiting is not None else ZERO
        final[pk].last_txn_id = last
    return orders


def phone_balance(order: RepairOrder) -> tuple[Decimal, Decimal]:
    """(due, waiting) of an order given its money by attach_phone_money: what the customer still owes,
    and how much of it is being paid right now. Nothing is due before the amount is final."""
    from .online import PHONE_PAYABLE

    if order.status not in PHONE_PAYABLE:
        return ZERO, ZERO
    due = to_money(order.customer_total - (order.paid or ZERO))
    return max(due, ZERO), to_money(order.waiting or ZERO)


def phone_providers(store_id: int) -> list[str]:
    """The providers the store takes payments with from the phone (an active account each)."""
    from .models import ProviderAccount

    return list(
        ProviderAccount.objects.filter(store_id=store_id, is_active=True)
        .order_by("provider")
        .values_list("provider", flat=True)
    )


def phone_charge(order: RepairOrder, origin: str):
    """The newest charge started from this link for this order, if any."""
    from .models import ProviderTransaction

    return (
        ProviderTransaction.objects.filter(repair_order=order, origin=origin, kind="charge")
        .order_by("-created_at", "-id")
        .first()
    )
