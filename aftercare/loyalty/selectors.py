"""Reads of member cards and the ledger, shared by pages, the API and checks."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from aftercare.billing.models import Payment
from aftercare.core.money import to_money
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder

from .choices import AccountKind, VoucherKind
from .models import ZERO, Account, MemberCard, Posting


def spend_and_visits_12m(card: MemberCard, *, today=None) -> tuple[Decimal, int]:
    """What the member paid (net of refunds) in the last 12 months, and how
    many of the customer's orders opened in that time were settled or delivered
    (a visit is an order the customer paid for, docs/DOMAIN.md §13.1)."""
    spend, visits = spend_and_visits_by_customer([card.customer_id], now=today)
    return spend.get(card.customer_id, ZERO), visits.get(card.customer_id, 0)


def spend_and_visits_by_customer(customer_ids, *, now=None) -> tuple[dict[int, Decimal], dict[int, int]]:
    """The same 12-month figures for many customers at once: two grouped queries
    ({customer id: spend}, {customer id: visits}; customers without any are absent)."""
    since = (now or timezone.now()) - timedelta(days=365)
    ids = list(customer_ids)
    spend = (
        Payment.objects.filter(repair_order__customer_id__in=ids, posted_at__gte=since)
        .values_list("repair_order__customer_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    visits = (
        RepairOrder.objects.filter(
            customer_id__in=ids, status__in=[Status.SETTLED, Status.DELIVERED], opened_at__gte=since
        )
        .values_list("customer_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    # SQLite sums decimals as floats: back to the cent.
    return {pk: to_money(total) for pk, total in spend}, dict(visits)


@dataclass(frozen=True)
class Mismatch:
    account_id: int
    kept: Decimal
    summed: Decimal


def ledger_check(accounts=None) -> list[Mismatch]:
    """Accounts whose kept balance differs from the sum of their postings
    (none, unless someone wrote to the table behind the ledger's back)."""
    accounts = Account.objects.all() if accounts is None else accounts
    rows = accounts.annotate(summed=Sum("postings__amount", default=ZERO)).values_list("pk", "balance", "summed")
    # SQLite sums decimals as floats: back to the cent before comparing.
    return [Mismatch(pk, kept, to_money(summed)) for pk, kept, summed in rows if kept != to_money(summed)]


def unbalanced_vouchers(vouchers=None) -> list[int]:
    """Vouchers whose postings do not sum to zero per unit (double entry)."""
    postings = Posting.objects.all() if vouchers is None else Posting.objects.filter(voucher__in=vouchers)
    rows = postings.values_list("voucher_id", "account__unit").annotate(total=Sum("amount")).order_by()
    return sorted({voucher_id for voucher_id, _unit, total in rows if to_money(total) != 0})


def card_balances(card: MemberCard) -> dict[str, Decimal]:
    balances = dict(card.accounts.values_list("kind", "balance"))
    return {
        "principal": balances.get(AccountKind.STORED_PRINCIPAL, ZERO),
        "bonus": balances.get(AccountKind.STORED_BONUS, ZERO),
        "stored_value": balances.get(AccountKind.STORED_PRINCIPAL, ZERO) + balances.get(AccountKind.STORED_BONUS, ZERO),
        "points": balances.get(AccountKind.POINTS, ZERO),
    }


def card_postings(card: MemberCard):
    """The card's ledger, newest first, with each voucher's document and store."""
    return (
        Posting.objects.filter(account__card=card)
        .select_related("voucher", "voucher__store", "account")
        .order_by("-id")
    )


def stored_value_liabilities(user, perm):
    """Per store where cards were issued: the unspent principal and bonus the
    group owes its members (a liability), and the number of cards holding any."""
    return (
        Account.objects.for_user(user, perm)
        .filter(kind__in=[AccountKind.STORED_PRINCIPAL, AccountKind.STORED_BONUS])
        .values("store_id", "store__name")
        .annotate(
            principal=Sum("balance", filter=Q(kind=AccountKind.STORED_PRINCIPAL), default=ZERO),
            bonus=Sum("balance", filter=Q(kind=AccountKind.STORED_BONUS), default=ZERO),
            cards=Count("card", filter=Q(balance__gt=0), distinct=True),
        )
        .order_by("store_id")
    )


def customer_loyalty(customer):
    """The customer's card with balances, package cards with their items, and
    coupons (newest first), each read in one query."""
    from .models import Coupon, PackageCard

    card = MemberCard.objects.filter(customer=customer).first()
    packages = list(PackageCard.objects.filter(customer=customer).prefetch_related("items").order_by("-sold_at"))
    coupons = list(
        Coupon.objects.filter(customer=customer).select_related("template", "account").order_by("-issued_at")[:50]
    )
    return {
        "card": card,
        "balances": card_balances(card) if card else None,
        "packages": packages,
        "coupons": coupons,
        "postings": list(card_postings(card)[:100]) if card else [],
    }


def package_matches(order):
    """The order's approved customer lines that a package card of the
    customer covers (套餐卡抵扣): (line, item account) pairs, one item per line."""
    from aftercare.service.choices import LineStatus, Payer

    from .models import PackageUse

    covered = set(
        PackageUse.objects.filter(line__repair_order=order, released_at__isnull=True).values_list("line_id", flat=True)
    )
    today = timezone.localdate()
    items = {}
    for item in Account.objects.filter(
        package_card__customer_id=order.customer_id, balance__gte=1, expires_on__gte=today
    ).select_related("package_card"):
        items.setdefault(item.service_code, item)
    return [
        (line, items[line.code])
        for line in order.lines.filter(payer=Payer.CUSTOMER, status=LineStatus.APPROVED).order_by("position", "id")
        if line.code in items and line.pk not in covered
    ]


def package_line_marks(order, line_ids: list[int]) -> dict[int, str]:
    """The spine's line-mark reader: lines an unreleased package-card use covers
    show "套餐卡抵扣" on the estimate and the statement (docs/DOMAIN.md §13.2)."""
    from .models import PackageUse

    label = gettext("package-card use")
    covered = PackageUse.objects.filter(line_id__in=line_ids, released_at__isnull=True)
    return dict.fromkeys(covered.values_list("line_id", flat=True), label)


def usable_coupons(order):
    from .models import Coupon

    today = timezone.localdate()
    return list(
        Coupon.objects.filter(
            customer_id=order.customer_id, account__balance__gte=1, valid_from__lte=today, valid_until__gte=today
        ).select_related("template", "account")
    )


def liabilities(user, perm):
    """Per store: unspent principal and bonus, package uses and points outstanding,
    and what lapsed (breakage: bonus forfeited and points expired)."""
    rows = {}
    base = Account.objects.for_user(user, perm).exclude(kind=AccountKind.STORE)
    for row in base.values("store_id", "store__name", "kind").annotate(total=Sum("balance", default=ZERO)):
        entry = rows.setdefault(
            row["store_id"],
            {"store": row["store__name"], "principal": ZERO, "bonus": ZERO, "package_uses": ZERO, "points": ZERO,
             "coupons": ZERO, "bonus_forfeited": ZERO, "points_expired": ZERO},
        )  # fmt: skip
        key = {
            AccountKind.STORED_PRINCIPAL: "principal", AccountKind.STORED_BONUS: "bonus",
            AccountKind.PACKAGE: "package_uses", AccountKind.POINTS: "points", AccountKind.COUPON: "coupons",
        }[row["kind"]]  # fmt: skip
        entry[key] = to_money(row["total"])
    # Breakage: bonus forfeited when a card's principal was refunded, and points that expired.
    lapsed = (
        Posting.objects.filter(account__in=base, amount__lt=0)
        .filter(
            Q(voucher__kind=VoucherKind.REFUND, account__kind=AccountKind.STORED_BONUS)
            | Q(voucher__kind=VoucherKind.EXPIRY, account__kind=AccountKind.POINTS)
        )
        .values_list("account__store_id", "account__kind")
        .annotate(total=Sum("amount", default=ZERO))
        .order_by()
    )
    for store_id, kind, total in lapsed:
        if store_id in rows:
            key = "bonus_forfeited" if kind == AccountKind.STORED_BONUS else "points_expired"
            rows[store_id][key] = -to_money(total)
    for entry in rows.values():
        entry["package_value"] = ZERO
    for store_id, value in package_uses_value(base).items():
        rows[store_id]["package_value"] = value
    return [rows[key] for key in sorted(rows)]


def package_uses_value(accounts) -> dict[int, Decimal]:
    """The money the package uses still owed are worth, per store where the cards were
    sold: each card's uses left at its sale price per use (the price over all the uses it
    was sold with, docs/DOMAIN.md §13.2), rounded per card. Two grouped queries."""
    items = accounts.filter(kind=AccountKind.PACKAGE, package_card__isnull=False)
    left = (
        items.values_list("package_card_id", "package_card__price", "store_id")
        .annotate(left=Sum("balance", default=ZERO))
        .order_by()
    )
    sold = dict(
        Posting.objects.filter(account__in=items, voucher__kind=VoucherKind.SALE, amount__gt=0)
        .values_list("account__package_card_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    values: dict[int, Decimal] = {}
    for card_id, price, store_id, uses_left in left:
        uses_sold = to_money(sold.get(card_id) or ZERO)
        worth = to_money(price * to_money(uses_left) / uses_sold) if uses_sold > 0 else ZERO
        values[store_id] = values.get(store_id, ZERO) + worth
    return values


def coupons_for_points(order):
    """Coupon templates the order's member can exchange points for now."""
    from .models import CouponTemplate

    card = MemberCard.objects.filter(customer_id=order.customer_id).first()
    if card is None:
        return []
    points = card.accounts.filter(kind=AccountKind.POINTS).values_list("balance", flat=True).first() or ZERO
    return list(
        CouponTemplate.objects.filter(
            group_id=card.group_id, active=True, points_cost__isnull=False, points_cost__lte=points
        ).order_by("points_cost")
    )
