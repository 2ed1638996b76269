# ruff: noqa: S608
# SQL is assembled from table and column names (Model._meta) and placeholders;
# every value is a bound parameter.
"""Loyalty: paying a ready order in full from a stored-value card (the payment,
the card's voucher and postings under both locks, the settling move), the
customer's ledger page, and the manager's liabilities report.

Floors as elsewhere: the same rows written by hand in one transaction, and for
pages the do-nothing view plus hand-written SQL fetching the same rows."""

import itertools
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from aftercare.accounts.models import User
from aftercare.billing.models import Payment
from aftercare.billing.services import payment_post
from aftercare.core.models import AuditEntry, DocumentSequence, Store
from aftercare.core.permissions import Perm
from aftercare.customers.models import Customer
from aftercare.loyalty import services
from aftercare.loyalty.choices import AccountKind, VoucherKind
from aftercare.loyalty.models import Account, Coupon, MemberCard, PackageCard, Posting, Voucher
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder

from ..harness import PAGE, WRITE, Case, Context, operation
from ..history import make_orders
from .customers import _ok, raw
from .service import AUDIT_COLUMNS, T, _audit_row, _insert_sql, _template, samples

L = {m.__name__: m._meta.db_table for m in (Account, Voucher, Posting, MemberCard, PackageCard, Coupon)}


def _card(store: Store, cashier, number: str, amount: str) -> MemberCard:
    customer = Customer.objects.filter(store=store).exclude(member_cards__isnull=False).order_by("id").first()
    card = services.member_card_issue(actor=cashier, customer=customer, number=number)
    services.stored_value_top_up(actor=cashier, card=card, store=store, amount=amount, method="wechat")
    return card


def _cashier(store: Store):
    return User.objects.filter(memberships__store=store, memberships__role="cashier").first()


@operation("write.stored_value_settle", goal=WRITE, kind="write")
def stored_value_settle(ctx: Context) -> Case:
    """payment_post of the whole balance of a READY order with 8 lines from a
    member card (stored_value) against the same by hand: the order's lock and
    balance, the payment, the card's two accounts locked, the voucher with its
    principal and store postings, the balances, the settling move and the audit rows."""
    s, sql = samples(ctx), raw(ctx)
    store = s["store"]
    cashier = _cashier(store)
    needed = ctx.warmup + ctx.repeats + 2
    ready = make_orders(store, status=Status.READY, count=2 * needed)
    orders = iter(list(RepairOrder.objects.filter(pk__in=ready[:needed]).select_related("store").order_by("id")))
    by_hand_ids = iter(
        RepairOrder.objects.filter(pk__in=ready[needed:]).order_by("id").values_list("id", "customer_total", "number")
    )
    card = _card(store, cashier, "BENCH-SV-1", "9000000")
    hand_card = _card(store, cashier, "BENCH-SV-2", "9000000")
    principal = hand_card.accounts.get(kind=AccountKind.STORED_PRINCIPAL)
    bonus = hand_card.accounts.get(kind=AccountKind.STORED_BONUS)
    store_side = Account.objects.get(store=store, kind=AccountKind.STORE, unit="money")
    for kind in ("payment", "loyalty_voucher"):
        DocumentSequence.objects.get_or_create(store=store, kind=kind)
    pay_base = _template(Payment(store=store, repair_order_id=0, number="", method="stored_value", amount=1,
                                 balance_after=0, posted_by=cashier))  # fmt: skip
    pay_columns = list(pay_base)
    voucher_base = _template(Voucher(group_id=store.group_id, store=store, number="", kind=VoucherKind.PAYMENT,
                                     document_type="billing.payment", posted_by=cashier))  # fmt: skip
    voucher_columns = list(voucher_base)
    adapt_dt = connection.ops.adapt_datetimefield_value
    lock = "" if sql.vendor == "sqlite" else " FOR UPDATE"
    keys = itertools.count(1)

    def run():
        order = next(orders)
        payment_post(actor=cashier, order=order, method="stored_value", amount=order.customer_total,
                     reference=card.number, idempotency_key=f"bench-sv-{next(keys)}")  # fmt: skip

    def by_hand():
        ro_id, amount, ro_number = next(by_hand_ids)
        now = adapt_dt(timezone.now())
        key = f"hand-sv-{ro_id}"
        sql.begin()
        try:
            sql.rows(f"SELECT ro.* FROM {T['RepairOrder']} ro WHERE ro.id = %s{lock}", [ro_id])
            sql.rows(
                f"SELECT COALESCE(SUM(CASE WHEN repair_order_id = %s THEN amount END), 0) FROM {T['Payment']} "
                f"WHERE repair_order_id = %s OR (store_id = %s AND idempotency_key = %s)",
                [ro_id, ro_id, store.pk, key],
            )
            (number,) = sql.rows(
                f"UPDATE {T['seq']} SET last_value = last_value + 1 WHERE store_id = %s AND kind = %s "
                f"RETURNING last_value",
                [store.pk, "payment"],
            )[0]
            values = {**pay_base, "repair_order_id": ro_id, "number": f"PAY{number:07d}", "amount": amount,
                      "reference": hand_card.number, "balance_after": Decimal("0.00"), "posted_at": now,
                      "idempotency_key": key}  # fmt: skip
            (payment_id,) = sql.rows(_insert_sql(Payment, pay_columns, returning=True),
                                     [values[c] for c in pay_columns])[0]  # fmt: skip
            ((p_balance,), _b) = sql.rows(
                f"SELECT balance FROM {L['Account']} WHERE id IN (%s, %s) ORDER BY id{lock}", [principal.pk, bonus.pk]
            )
            (vnumber,) = sql.rows(
                f"UPDATE {T['seq']} SET last_value = last_value + 1 WHERE store_id = %s AND kind = %s "
                f"RETURNING last_value",
                [store.pk, "loyalty_voucher"],
            )[0]
            vvalues = {**voucher_base, "number": f"LV{vnumber:08d}", "document_id": str(payment_id),
                       "document_ref": f"PAY{number:07d} {ro_number}", "posted_at": now,
                       "idempotency_key": f"billing.payment:{payment_id}"}  # fmt: skip
            (voucher_id,) = sql.rows(_insert_sql(Voucher, voucher_columns, returning=True),
                                     [vvalues[c] for c in voucher_columns])[0]  # fmt: skip
            new_balance = Decimal(p_balance) - amount
            sql.rows(
                f"INSERT INTO {L['Posting']} (voucher_id, account_id, group_id, amount, balance_after) "
                f"VALUES (%s, %s, %s, %s, %s), (%s, %s, %s, %s, NULL)",
                [voucher_id, principal.pk, store.group_id, -amount, new_balance,
                 voucher_id, store_side.pk, store.group_id, amount],
            )  # fmt: skip
            sql.rows(f"UPDATE {L['Account']} SET balance = %s WHERE id = %s", [new_balance, principal.pk])
            sql.rows(f"UPDATE {L['Account']} SET balance = balance + %s WHERE id = %s", [amount, store_side.pk])
            sql.rows(
                f"UPDATE {T['RepairOrder']} SET status = %s, updated_at = %s WHERE id = %s",
                [Status.SETTLED, now, ro_id],
            )
            sql.rows(
                f"INSERT INTO {T['StatusChange']} (repair_order_id, from_status, to_status, changed_at, "
                f"changed_by_id, note) VALUES (%s, %s, %s, %s, %s, '')",
                [ro_id, Status.READY, Status.SETTLED, now, cashier.pk],
            )
            audits = [
                _audit_row(cashier, store.pk, now, AuditEntry.Action.CREATE, "loyalty.voucher", voucher_id,
                           f"LV{vnumber:08d}", {"payment": [None, f"sv_principal:{-amount}"]}),
                _audit_row(cashier, store.pk, now, AuditEntry.Action.CREATE, "service.repairorder", ro_id, ro_number,
                           {"payment": [None, f"PAY{number:07d} stored_value {amount}"], "balance": [None, "0.00"]}),
                _audit_row(cashier, store.pk, now, AuditEntry.Action.UPDATE, "service.repairorder", ro_id, ro_number,
                           {"status": [Status.READY, Status.SETTLED]}),
            ]  # fmt: skip
            sql.rows(_insert_sql(AuditEntry, AUDIT_COLUMNS, rows=3), [v for row in audits for v in row])
        except BaseException:
            sql.raw.execute("ROLLBACK")
            raise
        sql.commit()

    return Case(run=run, floor=[by_hand])


def _ledger_sample(ctx: Context) -> MemberCard:
    cached = ctx.cache.get("loyalty_card")
    if cached:
        return cached
    store = samples(ctx)["store"]
    cashier = _cashier(store)
    card = _card(store, cashier, "BENCH-LEDGER", "100")
    for n in range(120):
        services.stored_value_top_up(actor=cashier, card=card, store=store, amount=100 + n, method="cash")
    ctx.cache["loyalty_card"] = card
    return card


@operation("page.loyalty_ledger", goal=PAGE, kind="page")
def ledger_page(ctx: Context) -> Case:
    """The customer's cards, balances and latest 100 postings (customer 360)."""
    card, sql, client = _ledger_sample(ctx), raw(ctx), ctx.clients["advisor"]
    customer_id = card.customer_id
    stores = ctx.users["advisor"].store_ids(Perm.CUSTOMER_VIEW)

    def rows():
        sql.rows(
            f"SELECT c.*, s.* FROM {T['Customer']} c JOIN {T['Store']} s ON s.id = c.store_id "
            f"WHERE c.id = %s AND c.store_id IN {sql.in_list(stores)}",
            [customer_id, *stores],
        )
        sql.rows(f"SELECT * FROM {L['MemberCard']} WHERE customer_id = %s LIMIT 1", [customer_id])
        sql.rows(f"SELECT kind, balance FROM {L['Account']} WHERE card_id = %s", [card.pk])
        sql.rows(f"SELECT * FROM {L['PackageCard']} WHERE customer_id = %s ORDER BY sold_at DESC", [customer_id])
        sql.rows(
            f"SELECT q.*, a.* FROM {L['Coupon']} q JOIN {L['Account']} a ON a.id = q.account_id "
            f"WHERE q.customer_id = %s ORDER BY q.issued_at DESC LIMIT 50",
            [customer_id],
        )
        sql.rows(
            f"SELECT p.*, v.*, s.*, a.* FROM {L['Posting']} p JOIN {L['Voucher']} v ON v.id = p.voucher_id "
            f"JOIN {T['Store']} s ON s.id = v.store_id JOIN {L['Account']} a ON a.id = p.account_id "
            f"WHERE a.card_id = %s ORDER BY p.id DESC LIMIT 100",
            [card.pk],
        )

    return Case(
        run=lambda: _ok(client.get(f"/loyalty/customers/{customer_id}/")),
        floor=[lambda: _ok(client.get("/bench/noop/")), rows],
    )


@operation("page.loyalty_liabilities", goal=PAGE, kind="page")
def liabilities_page(ctx: Context) -> Case:
    """Unspent stored value, package uses, points and coupons per store, and what lapsed."""
    _ledger_sample(ctx)
    sql, client = raw(ctx), ctx.clients["manager"]
    stores = ctx.users["manager"].store_ids(Perm.REPORT_VIEW)

    def rows():
        groups = f"SELECT group_id FROM {T['Store']} WHERE id IN {sql.in_list(stores)}"
        sql.rows(
            f"SELECT a.store_id, s.name, a.kind, SUM(a.balance) FROM {L['Account']} a "
            f"JOIN {T['Store']} s ON s.id = a.store_id WHERE a.group_id IN ({groups}) AND a.kind <> 'store' "
            f"GROUP BY a.store_id, s.name, a.kind",
            stores,
        )
        sql.rows(
            f"SELECT a.store_id, a.kind, SUM(p.amount) FROM {L['Posting']} p "
            f"JOIN {L['Account']} a ON a.id = p.account_id JOIN {L['Voucher']} v ON v.id = p.voucher_id "
            f"WHERE a.group_id IN ({groups}) AND p.amount < 0 AND ((v.kind = 'refund' AND a.kind = 'sv_bonus') "
            f"OR (v.kind = 'expiry' AND a.kind = 'points')) GROUP BY a.store_id, a.kind",
            stores,
        )

    return Case(
        run=lambda: _ok(client.get("/loyalty/liabilities/")),
        floor=[lambda: _ok(client.get("/bench/noop/")), rows],
    )
