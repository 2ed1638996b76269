"""Reads of member cards and the ledger, shared by pages, the API and checks."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from aftercare.billing.models import Payment
from aftercare.core.money import to_money
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder

from .choices import AccountKind
from .models import ZERO, Account, MemberCard, Posting


def spend_and_visits_12m(card: MemberCard, *, today=None) -> tuple[Decimal, int]:
    """What the member paid (net of refunds) in the last 12 months, and how
    many of the customer's orders opened in that time were settled or delivered
    (a visit is an order the customer paid for, docs/DOMAIN.md §13.1)."""
    since = (today or timezone.now()) - timedelta(days=365)
    spend = (
        Payment.objects.filter(repair_order__customer_id=card.customer_id, posted_at__gte=since).aggregate(
            total=Sum("amount")
        )["total"]
        or ZERO
    )
    visits = RepairOrder.objects.filter(
        customer_id=card.customer_id,
        status__in=[Status.SETTLED, Status.DELIVERED],
        opened_at__gte=since,
    ).count()
    return spend, visits


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
