"""Changes to member cards and the ledger (docs/DOMAIN.md §13).

Every movement of value goes through `ledger_post`: in one transaction it
locks the customer's accounts it touches (select_for_update, in id order so two
movements never wait on each other crosswise; SQLite's IMMEDIATE transactions
serialise writers), refuses a debit that would take a balance below zero,
writes one voucher and its postings (the customer's side against the taking
store's counter-account, summing to zero per unit), moves the balances kept on
the account rows, and audits. A retried request with the same idempotency key
gets the voucher it already posted."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from aftercare.billing.choices import PaymentKind, PaymentMethod
from aftercare.core.audit import audit_record
from aftercare.core.exceptions import Conflict
from aftercare.core.models import AuditEntry, Store
from aftercare.core.money import fits_columns, to_money
from aftercare.core.permissions import Perm, require
from aftercare.core.services import next_document_number

from .choices import KIND_UNIT, TIER_ORDER, AccountKind, CouponKind, IssuedVia, Tier, VoucherKind
from .models import (
    ZERO,
    Account,
    Coupon,
    CouponTemplate,
    CouponUse,
    MemberCard,
    PackageCard,
    PackageUse,
    Posting,
    TierChange,
    TierRule,
    TopUpRule,
    Voucher,
)

MAX_AMOUNT = Decimal("9999999999.99")
KEY_MAX = 100


class IdempotencyConflict(Conflict):
    """An idempotency key reused for a different movement (HTTP 409 in the API)."""


def _amount(value, field: str = "amount") -> Decimal:
    try:
        amount = to_money(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter an amount in yuan, e.g. 120.50.")}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("Enter an amount in yuan, e.g. 120.50.")})
    if amount <= 0:
        raise ValidationError({field: _("The amount must be more than zero.")})
    if amount > MAX_AMOUNT:
        raise ValidationError({field: _("The amount is too large.")})
    return amount


def _key(idempotency_key: str | None) -> str | None:
    key = (idempotency_key or "").strip()
    if len(key) > KEY_MAX:
        raise ValidationError({"idempotency_key": _("The idempotency key is longer than 100 characters.")})
    return key or None


def _store_account(store: Store, unit: str) -> Account:
    account, _created = Account.objects.get_or_create(
        store=store, kind=AccountKind.STORE, unit=unit, defaults={"group_id": store.group_id}
    )
    return account


def _legs_signature(legs) -> list[tuple[int, Decimal]]:
    return sorted((account_id, amount) for account_id, amount in legs)


def _replay(existing: Voucher, *, kind: str, legs) -> Voucher:
    posted = [(p.account_id, p.amount) for p in existing.postings.all() if p.balance_after is not None]
    if existing.kind != kind or _legs_signature(posted) != _legs_signature(legs):
        raise IdempotencyConflict(
            _("This request key was already used for a different movement (%(number)s).") % {"number": existing.number}
        )
    return existing


def ledger_post(
    *, actor, store: Store, kind: str, legs, document_type: str = "", document_id="", document_ref: str = "",
    method: str = "", note: str = "", idempotency_key: str | None = None, reverses: Voucher | None = None,
) -> tuple[Voucher, bool]:  # fmt: skip
    """Post one movement: `legs` are (customer account, signed amount) pairs,
    credits positive. Returns (voucher, created); the caller checks permissions
    and may hold an outer transaction (billing's payment)."""
    key = _key(idempotency_key)
    legs = [(account.pk, to_money(amount)) for account, amount in legs if to_money(amount) != 0]
    if not legs:
        raise ValidationError({"amount": _("Nothing to post.")})
    with transaction.atomic():
        if key is not None:
            existing = Voucher.objects.filter(group_id=store.group_id, idempotency_key=key).first()
            if existing is not None:
                return _replay(existing, kind=kind, legs=legs), False
        locked = {
            account.pk: account
            for account in Account.objects.select_for_update().filter(pk__in=[pk for pk, _a in legs]).order_by("pk")
        }
        per_unit: dict[str, Decimal] = {}
        postings = []
        for account_id, amount in legs:
            account = locked[account_id]
            if account.kind == AccountKind.STORE or account.group_id != store.group_id:
                raise ValidationError(_("This account cannot be posted to from this store."))
            new_balance = account.balance + amount
            if new_balance < 0:
                raise ValidationError(
                    {"amount": _("Not enough on %(account)s: %(balance)s left.")
                     % {"account": account.get_kind_display(), "balance": account.balance}}
                )  # fmt: skip
            account.balance = new_balance
            fits_columns(account, ("balance",), field="amount")
            per_unit[account.unit] = per_unit.get(account.unit, ZERO) + amount
            postings.append(Posting(account=account, group_id=store.group_id, amount=amount, balance_after=new_balance))
        for unit, total in per_unit.items():
            if total != 0:
                counter = _store_account(store, unit)
                # The store's side is not locked for a check (it may go below
                # zero); the UPDATE adds to whatever is committed.
                Account.objects.filter(pk=counter.pk).update(balance=F("balance") - total)
                postings.append(Posting(account=counter, group_id=store.group_id, amount=-total))
        voucher = Voucher(
            group_id=store.group_id, store=store, kind=kind, document_type=document_type,
            document_id=str(document_id or "")[:64], document_ref=document_ref[:50], method=method,
            note=note[:200], reverses=reverses, idempotency_key=key, posted_by=actor, posted_at=timezone.now(),
        )  # fmt: skip
        voucher.number = next_document_number(store=store, kind="loyalty_voucher", prefix="LV", width=8)
        voucher.save()
        for posting in postings:
            posting.voucher = voucher
        Posting.objects.bulk_create(postings)
        for account_id, _amount in legs:
            locked[account_id].save(update_fields=["balance"])
        audit_record(
            actor=actor, action=AuditEntry.Action.CREATE, obj=voucher, store=store, reason=note[:300],
            changes={kind: [None, " ".join(f"{locked[pk].kind}:{amount}" for pk, amount in legs)],
                     "document": [None, document_ref]},
        )  # fmt: skip
    return voucher, True


def _post_once(**kwargs) -> tuple[Voucher, bool]:
    """ledger_post at the top of a request: a concurrent request with the same
    key that committed first makes ours fail on the unique key; the answer is
    then the committed voucher (or a conflict if it was for something else)."""
    try:
        return ledger_post(**kwargs)
    except IntegrityError:
        key = _key(kwargs.get("idempotency_key"))
        existing = Voucher.objects.filter(group_id=kwargs["store"].group_id, idempotency_key=key).first()
        if key is None or existing is None:
            raise
        legs = [(account.pk, to_money(amount)) for account, amount in kwargs["legs"] if to_money(amount) != 0]
        return _replay(existing, kind=kwargs["kind"], legs=legs), False


def voucher_reverse(
    *, actor, voucher: Voucher, store: Store | None = None, reason: str, idempotency_key=None
) -> Voucher:
    """Correct a movement by posting its exact opposite; the original stays.
    Refused when the value has since been spent (a balance would go below zero)
    and for a voucher already reversed."""
    store = store or voucher.store
    require(actor, Perm.PAYMENT_REVERSE, store)
    return _voucher_reverse(actor=actor, voucher=voucher, store=store, reason=reason, idempotency_key=idempotency_key)


def _voucher_reverse(*, actor, voucher: Voucher, store: Store, reason: str, idempotency_key=None) -> Voucher:
    """voucher_reverse for a caller that has checked its own permission: billing's
    handlers below, reversing a payment record (or cancelling its order) that
    billing has already authorised."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the reversal.")})
    with transaction.atomic():
        original = Voucher.objects.select_for_update().get(pk=voucher.pk)
        if original.kind == VoucherKind.REVERSAL:
            raise ValidationError(_("A reversal cannot itself be reversed; post a new movement instead."))
        if Voucher.objects.filter(reverses=original).exists():
            raise ValidationError(pgettext("ledger", "This movement has already been reversed."))
        legs = [
            (posting.account, -posting.amount)
            for posting in original.postings.select_related("account")
            if posting.account.kind != AccountKind.STORE
        ]
        reversal, _created = ledger_post(
            actor=actor, store=store, kind=VoucherKind.REVERSAL, legs=legs, document_type="loyalty.voucher",
            document_id=original.pk, document_ref=original.number, note=reason, reverses=original,
            idempotency_key=idempotency_key,
        )  # fmt: skip
    return reversal


# --- member cards and tiers -----------------------------------------------------------


def member_card_issue(*, actor, customer, number: str = "", tier: str = Tier.ORDINARY) -> MemberCard:
    """Issue a member card (办卡) to a customer in the customer's store, with
    its stored-value (principal, bonus) and points accounts. One card per customer."""
    store = customer.store
    require(actor, Perm.PAYMENT_POST, store)
    if tier not in Tier.values:
        raise ValidationError({"tier": _("Choose a tier.")})
    number = (number or "").strip()
    if len(number) > 30:
        raise ValidationError({"number": _("A card number has at most 30 characters.")})
    with transaction.atomic():
        if MemberCard.objects.filter(customer=customer).exists():
            raise ValidationError(_("This customer already has a member card."))
        if not number:
            number = next_document_number(store=store, kind="member_card", prefix=store.code.upper()[:8], width=8)
        if MemberCard.objects.filter(group_id=store.group_id, number=number).exists():
            raise ValidationError({"number": _("This card number is taken in the group.")})
        card = MemberCard.objects.create(
            group_id=store.group_id, store=store, customer=customer, number=number, tier=tier,
            tier_locked=tier == Tier.VIC, issued_by=actor,
        )  # fmt: skip
        Account.objects.bulk_create(
            Account(group_id=store.group_id, store=store, kind=kind, unit=KIND_UNIT[kind], customer=customer, card=card)
            for kind in (AccountKind.STORED_PRINCIPAL, AccountKind.STORED_BONUS, AccountKind.POINTS)
        )
        TierChange.objects.create(card=card, to_tier=tier, reason=_("Card issued"), changed_by=actor)
        if customer.member_card_no != number:
            customer.member_card_no = number
            customer.save(update_fields=["member_card_no"])
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=card, store=store,
                     changes={"number": [None, number], "tier": [None, tier]})  # fmt: skip
    return card


def tier_for(rules, spend: Decimal, visits: int) -> str:
    """The highest tier whose 12-month spend and visits thresholds are both met
    (VIC is never reached by the rule: a manager grants it)."""
    by_tier = {rule.tier: rule for rule in rules}
    reached = Tier.ORDINARY
    for tier in TIER_ORDER:
        rule = by_tier.get(tier)
        if tier == Tier.VIC or rule is None:
            continue
        if spend >= rule.min_spend_12m and visits >= rule.min_visits_12m:
            reached = tier
    return reached


def member_tier_set(*, actor, card: MemberCard, tier: str, reason: str) -> MemberCard:
    """A manager sets a card's tier by hand (VIC is only granted this way);
    the card keeps it through reviews until set again."""
    require(actor, Perm.DISCOUNT_APPROVE, card.store)
    if tier not in Tier.values:
        raise ValidationError({"tier": _("Choose a tier.")})
    reason = (reason or "").strip()[:200]
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the change.")})
    with transaction.atomic():
        card = MemberCard.objects.select_for_update().get(pk=card.pk)
        before = card.tier
        card.tier, card.tier_locked = tier, True
        card.save(update_fields=["tier", "tier_locked"])
        TierChange.objects.create(card=card, from_tier=before, to_tier=tier, reason=reason, changed_by=actor)
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=card, reason=reason,
                     changes={"tier": [before, tier]})  # fmt: skip
    return card


def member_tier_review(*, card: MemberCard, actor=None) -> MemberCard:
    """Move a card up or down to the tier its last 12 months earn
    (docs/DOMAIN.md §13.1); a manager's tier stays. Records the change."""
    from .selectors import spend_and_visits_12m

    with transaction.atomic():
        card = MemberCard.objects.select_for_update().get(pk=card.pk)
        if card.tier_locked:
            return card
        spend, visits = spend_and_visits_12m(card)
        tier = tier_for(TierRule.objects.filter(group_id=card.group_id), spend, visits)
        if tier != card.tier:
            before = card.tier
            card.tier = tier
            card.save(update_fields=["tier"])
            TierChange.objects.create(
                card=card, from_tier=before, to_tier=tier, spend_12m=spend, visits_12m=visits,
                reason=_("12-month review"), changed_by=actor,
            )  # fmt: skip
            audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=card, changes={"tier": [before, tier]})
    return card


# --- stored value (储值) ---------------------------------------------------------------


def _stored_accounts(card: MemberCard) -> tuple[Account, Account]:
    accounts = {
        a.kind: a for a in card.accounts.filter(kind__in=[AccountKind.STORED_PRINCIPAL, AccountKind.STORED_BONUS])
    }
    return accounts[AccountKind.STORED_PRINCIPAL], accounts[AccountKind.STORED_BONUS]


def top_up_bonus(store: Store, amount: Decimal) -> Decimal:
    """The bonus of the store's best active rule the amount reaches (pay 1,000, receive 1,100)."""
    rule = (
        TopUpRule.objects.filter(store=store, active=True, min_amount__lte=amount)
        .order_by("-bonus", "-min_amount")
        .first()
    )
    return rule.bonus if rule else ZERO


def _money_in_method(method: str) -> str:
    if method not in PaymentMethod.values or method == PaymentMethod.STORED_VALUE:
        raise ValidationError({"method": _("Choose how the customer pays.")})
    return method


def stored_value_top_up(
    *, actor, card: MemberCard, store: Store, amount, method: str, reference: str = "", idempotency_key=None
) -> tuple[Voucher, bool]:
    """Top up a card (充值) in `store`, any store of the card's group: the money
    paid goes to the principal, the store's bonus rule to the bonus account."""
    require(actor, Perm.PAYMENT_POST, store)
    amount = _amount(amount)
    method = _money_in_method(method)
    if store.group_id != card.group_id:
        raise ValidationError(_("This card belongs to another dealer group."))
    principal, bonus_account = _stored_accounts(card)
    bonus = top_up_bonus(store, amount)
    return _post_once(
        actor=actor, store=store, kind=VoucherKind.TOP_UP, legs=[(principal, amount), (bonus_account, bonus)],
        document_type="loyalty.card", document_id=card.pk, document_ref=card.number, method=method,
        note=reference, idempotency_key=idempotency_key,
    )  # fmt: skip


def stored_value_refund(
    *, actor, card: MemberCard, store: Store, amount, method: str, reason: str, idempotency_key=None
) -> tuple[Voucher, bool]:
    """Pay back unused principal (退卡 / 退余额). Only principal is refunded;
    when the principal reaches zero the bonus given with it is forfeited in the
    same voucher (docs/DOMAIN.md §13.2)."""
    require(actor, Perm.PAYMENT_REVERSE, store)
    amount = _amount(amount)
    method = _money_in_method(method)
    reason = (reason or "").strip()[:200]
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the refund.")})
    if store.group_id != card.group_id:
        raise ValidationError(_("This card belongs to another dealer group."))
    principal, bonus_account = _stored_accounts(card)
    key = _key(idempotency_key)
    with transaction.atomic():
        existing = key and Voucher.objects.filter(group_id=store.group_id, idempotency_key=key).first()
        if existing:
            # A retry: answered before the balance it already took is checked again.
            taken = [p for p in existing.postings.all() if p.account_id == principal.pk]
            if existing.kind != VoucherKind.REFUND or not taken or taken[0].amount != -amount:
                raise IdempotencyConflict(_("This request key was already used for a different movement."))
            return existing, False
        # Read under the lock ledger_post takes next (same transaction).
        current = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=[principal.pk, bonus_account.pk])}
        legs = [(principal, -amount)]
        if amount > current[principal.pk].balance:
            raise ValidationError(
                {"amount": _("Only the unused principal can be refunded: %(balance)s.")
                 % {"balance": current[principal.pk].balance}}
            )  # fmt: skip
        if amount == current[principal.pk].balance and current[bonus_account.pk].balance > 0:
            legs.append((bonus_account, -current[bonus_account.pk].balance))
        return ledger_post(
            actor=actor, store=store, kind=VoucherKind.REFUND, legs=legs, document_type="loyalty.card",
            document_id=card.pk, document_ref=card.number, method=method, note=reason,
            idempotency_key=idempotency_key,
        )  # fmt: skip


def stored_value_split(principal: Decimal, bonus: Decimal, amount: Decimal) -> tuple[Decimal, Decimal]:
    """How a spend of `amount` falls on principal and bonus: principal first,
    the bonus for the rest (docs/DOMAIN.md §13.2)."""
    from_principal = min(principal, amount)
    return from_principal, amount - from_principal


class StoredValueMethod:
    """Billing's handler for the `stored_value` payment method: the payment's
    reference names the card; the card is debited in the payment's
    transaction and the taking store is the order's store."""

    @staticmethod
    def _card(order, number: str) -> MemberCard:
        card = MemberCard.objects.filter(group_id=order.store.group_id, number=(number or "").strip()).first()
        if card is None:
            raise ValidationError({"reference": _("Enter the number of the member card to pay from.")})
        return card

    def post(self, *, actor, order, payment) -> None:
        card = self._card(order, payment.reference)
        principal, bonus_account = _stored_accounts(card)
        locked = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=[principal.pk, bonus_account.pk])}
        available = locked[principal.pk].balance + locked[bonus_account.pk].balance
        if payment.amount > available:
            raise ValidationError(
                {"amount": _("The card holds %(balance)s; a payment cannot be more.") % {"balance": available}}
            )
        from_principal, from_bonus = stored_value_split(
            locked[principal.pk].balance, locked[bonus_account.pk].balance, payment.amount
        )
        ledger_post(
            actor=actor, store=order.store, kind=VoucherKind.PAYMENT,
            legs=[(principal, -from_principal), (bonus_account, -from_bonus)],
            document_type="billing.payment", document_id=payment.pk, document_ref=f"{payment.number} {order.number}",
            idempotency_key=f"billing.payment:{payment.pk}",
        )  # fmt: skip

    def refund(self, *, actor, order, refund) -> None:
        # A refund names no card: the money goes back to the card the order was paid from.
        paid_from = (
            order.payments.filter(method=PaymentMethod.STORED_VALUE, kind=PaymentKind.PAYMENT)
            .exclude(pk=refund.pk)
            .order_by("-id")
            .values_list("reference", flat=True)
            .first()
        )
        if paid_from is None:
            raise ValidationError({"method": _("Nothing was paid from a member card on this order.")})
        card = self._card(order, paid_from)
        principal, _bonus = _stored_accounts(card)
        ledger_post(
            actor=actor, store=order.store, kind=VoucherKind.REFUND, legs=[(principal, -refund.amount)],
            document_type="billing.payment", document_id=refund.pk, document_ref=f"{refund.number} {order.number}",
            note=refund.reason, idempotency_key=f"billing.payment:{refund.pk}",
        )  # fmt: skip

    def reverse(self, *, actor, order, original, reversal) -> None:
        voucher = Voucher.objects.filter(document_type="billing.payment", document_id=str(original.pk)).first()
        if voucher is None:
            # A record from before the ledger: nothing was taken from a card.
            return
        _voucher_reverse(actor=actor, voucher=voucher, store=order.store, reason=reversal.reason,
                        idempotency_key=f"billing.payment:{reversal.pk}")  # fmt: skip


# --- package cards (套餐卡 / 次卡) -------------------------------------------------------

MAX_USES = 1000


def package_card_sell(
    *, actor, customer, store: Store, name: str, price, method: str, expires_on, items, number: str = "",
    idempotency_key=None,
) -> tuple[PackageCard, bool]:  # fmt: skip
    """Sell a package card in `store`: `items` are (catalogue code, label, count).
    The uses are credited on one SALE voucher that names the money taken."""
    require(actor, Perm.PAYMENT_POST, store)
    price = _amount(price, "price")
    method = _money_in_method(method)
    name = (name or "").strip()[:100]
    if not name:
        raise ValidationError({"name": _("Name the package.")})
    if expires_on is None or expires_on <= timezone.localdate():
        raise ValidationError({"expires_on": _("The card must be valid after today.")})
    checked = []
    for code, label, count in items or ():
        code, label = (code or "").strip()[:40], (label or "").strip()[:100]
        if not code or not isinstance(count, int) or not 0 < count <= MAX_USES:
            raise ValidationError({"items": _("Each item needs a service code and a count from 1 to 1000.")})
        checked.append((code, label or code, count))
    if not checked:
        raise ValidationError({"items": _("Add at least one service to the package.")})
    key = _key(idempotency_key)
    with transaction.atomic():
        if key is not None:
            existing = Voucher.objects.filter(group_id=store.group_id, idempotency_key=key).first()
            if existing is not None:
                card = PackageCard.objects.filter(pk=existing.document_id).first()
                if existing.kind != VoucherKind.SALE or card is None or card.price != price:
                    raise IdempotencyConflict(_("This request key was already used for a different movement."))
                return card, False
        number = (number or "").strip()[:30] or next_document_number(
            store=store, kind="package_card", prefix="TC" + store.code.upper()[:6], width=7
        )
        if PackageCard.objects.filter(group_id=store.group_id, number=number).exists():
            raise ValidationError({"number": _("This card number is taken in the group.")})
        card = PackageCard.objects.create(
            group_id=store.group_id, store=store, customer=customer, number=number, name=name, price=price,
            expires_on=expires_on, sold_by=actor,
        )  # fmt: skip
        accounts = Account.objects.bulk_create(
            Account(
                group_id=store.group_id,
                store=store,
                kind=AccountKind.PACKAGE,
                unit=KIND_UNIT[AccountKind.PACKAGE],
                customer=customer,
                package_card=card,
                service_code=code,
                label=label,
                expires_on=expires_on,
            )
            for code, label, _count in checked
        )
        if any(account.pk is None for account in accounts):  # backends without RETURNING
            accounts = list(card.items.order_by("pk"))
        ledger_post(
            actor=actor, store=store, kind=VoucherKind.SALE,
            legs=[(account, Decimal(count)) for account, (_c, _l, count) in zip(accounts, checked, strict=True)],
            document_type="loyalty.package_card", document_id=card.pk, document_ref=card.number, method=method,
            note=f"{name} {price}", idempotency_key=key,
        )  # fmt: skip
    return card, True


def package_reference(card: PackageCard, line) -> str:
    """What a package-card payment names: the card and the line it covers."""
    return f"{card.number}#{line.pk}"


def package_cover(*, actor, order, card: PackageCard, line, idempotency_key=None):
    """Cover one line of an order with one use of the card (套餐卡抵扣): a
    billing payment of the line's amount by the `package_card` method, which
    the handler below posts as one use, in the payment's transaction."""
    from aftercare.billing.services import payment_post

    return payment_post(
        actor=actor, order=order, method=PaymentMethod.PACKAGE_CARD, amount=line.amount,
        reference=package_reference(card, line), idempotency_key=idempotency_key or f"package:{line.pk}",
    )  # fmt: skip


class PackageCardMethod:
    """Billing's handler for `package_card`: the reference is "<card>#<line id>";
    one use of the card's item for the line's service is posted, and given back
    when the payment is reversed."""

    def post(self, *, actor, order, payment) -> None:
        from aftercare.service.choices import LineStatus, Payer

        number, _sep, line_id = (payment.reference or "").partition("#")
        card = PackageCard.objects.filter(group_id=order.store.group_id, number=number.strip()).first()
        line = order.lines.filter(pk=int(line_id)).first() if line_id.isdigit() else None
        if card is None or line is None:
            raise ValidationError({"reference": _("Name the package card and the line it covers.")})
        if line.payer != Payer.CUSTOMER or line.status != LineStatus.APPROVED or payment.amount != line.amount:
            raise ValidationError({"amount": _("A package use covers one approved customer line, at its amount.")})
        item = (
            Account.objects.select_for_update()
            .filter(package_card=card, service_code=line.code, balance__gte=1)
            .order_by("pk")
            .first()
        )
        if item is None:
            raise ValidationError({"reference": _("This card has no use left for %(code)s.") % {"code": line.code}})
        if item.expires_on and item.expires_on < timezone.localdate():
            raise ValidationError({"reference": _("This package card expired on %(day)s.") % {"day": item.expires_on}})
        if PackageUse.objects.filter(line=line, released_at__isnull=True).exists():
            raise ValidationError({"reference": _("This line is already covered by a package card.")})
        voucher, _created = ledger_post(
            actor=actor, store=order.store, kind=VoucherKind.PAYMENT, legs=[(item, Decimal("-1"))],
            document_type="billing.payment", document_id=payment.pk,
            document_ref=f"{payment.number} {order.number}", note=line.description,
            idempotency_key=f"billing.payment:{payment.pk}",
        )  # fmt: skip
        PackageUse.objects.create(account=item, line=line, payment=payment, voucher=voucher)

    def refund(self, *, actor, order, refund) -> None:
        raise ValidationError({"method": _("A package use is given back by reversing its payment.")})

    def reverse(self, *, actor, order, original, reversal) -> None:
        use = PackageUse.objects.select_for_update().filter(payment=original, released_at__isnull=True).first()
        if use is None:
            return
        _voucher_reverse(
            actor=actor, voucher=use.voucher, store=order.store, reason=reversal.reason,
            idempotency_key=f"billing.payment:{reversal.pk}",
        )  # fmt: skip
        use.released_at = timezone.now()
        use.save(update_fields=["released_at"])


# --- points (积分) ----------------------------------------------------------------------

# docs/DOMAIN.md §13.1: points for a referral, credited on the new member's first paid visit.
REFERRAL_POINTS = Decimal("500")
MAX_POINTS = 10_000_000


def _points_account(card: MemberCard) -> Account:
    return card.accounts.get(kind=AccountKind.POINTS)


def points_base(order) -> Decimal:
    """The money the customer actually paid on an order: its payment records
    net of refunds and reversals, less what package-card uses and coupons covered and the
    stored-value bonus it spent (warranty and internal shares are never in
    the customer's payments)."""
    from django.db.models import Sum

    paid = order.payments.exclude(method__in=[PaymentMethod.PACKAGE_CARD, PaymentMethod.COUPON]).aggregate(
        total=Sum("amount", default=ZERO)
    )
    bonus = Posting.objects.filter(
        account__kind=AccountKind.STORED_BONUS,
        voucher__document_type="billing.payment",
        voucher__document_id__in=[str(pk) for pk in order.payments.values_list("pk", flat=True)],
    ).aggregate(total=Sum("amount", default=ZERO))
    reversed_bonus = Posting.objects.filter(
        account__kind=AccountKind.STORED_BONUS,
        voucher__kind=VoucherKind.REVERSAL,
        voucher__reverses__document_type="billing.payment",
        voucher__reverses__document_id__in=[str(pk) for pk in order.payments.values_list("pk", flat=True)],
    ).aggregate(total=Sum("amount", default=ZERO))
    # Bonus postings on payments are debits (negative); their reversals credits.
    spent_bonus = -(to_money(bonus["total"]) + to_money(reversed_bonus["total"]))
    return max(to_money(paid["total"]) - spent_bonus, ZERO)


def _card_for_order(order) -> MemberCard | None:
    card = MemberCard.objects.filter(customer_id=order.customer_id).first()
    if card is None:
        number = order.payments.filter(method=PaymentMethod.STORED_VALUE).values_list("reference", flat=True).first()
        if number:
            card = MemberCard.objects.filter(group_id=order.store.group_id, number=number.strip()).first()
    return card


def points_earn(*, order, actor=None) -> int:
    """Credit the member's points for a settled order at the tier's rate
    (points per yuan, rounded down), once per order; on the member's first
    paid order, credit the referrer too. Returns the points earned."""
    import math

    card = _card_for_order(order)
    if card is None:
        return 0
    rule = TierRule.objects.filter(group_id=card.group_id, tier=card.tier).first()
    rate = rule.points_per_yuan if rule else Decimal("1")
    points = Decimal(math.floor(points_base(order) * rate))
    if points > 0:
        _post_once(
            actor=actor, store=order.store, kind=VoucherKind.EARN, legs=[(_points_account(card), points)],
            document_type="service.repair_order", document_id=order.pk, document_ref=order.number,
            idempotency_key=f"points:order:{order.pk}",
        )  # fmt: skip
    if card.referred_by_id is not None:
        _post_once(
            actor=actor, store=order.store, kind=VoucherKind.REFERRAL,
            legs=[(_points_account(card.referred_by), REFERRAL_POINTS)], document_type="loyalty.card",
            document_id=card.pk, document_ref=card.number, idempotency_key=f"points:referral:{card.pk}",
        )  # fmt: skip
    return int(points)


def points_redeem(*, actor, card: MemberCard, store: Store, points, note: str, idempotency_key=None):
    """Spend points (积分兑换) for a service or a coupon; never more than the balance."""
    require(actor, Perm.PAYMENT_POST, store)
    try:
        points = int(str(points).strip())
    except (TypeError, ValueError):
        raise ValidationError({"points": _("Enter a whole number of points.")}) from None
    if not 0 < points <= MAX_POINTS:
        raise ValidationError({"points": _("Enter a whole number of points.")})
    note = (note or "").strip()[:200]
    if not note:
        raise ValidationError({"note": _("Say what the points are exchanged for.")})
    return _post_once(
        actor=actor, store=store, kind=VoucherKind.REDEEM, legs=[(_points_account(card), -Decimal(points))],
        document_type="loyalty.card", document_id=card.pk, document_ref=card.number, note=note,
        idempotency_key=idempotency_key,
    )  # fmt: skip


def points_expire(*, today=None) -> int:
    """Points expire at the end of the year after the year they were earned
    (docs/DOMAIN.md §13.1): on and after 1 January of year Y, what is left of
    the points credited up to 31 December of Y-2 lapses, spending taken from
    the oldest points first. One aggregate statement finds the accounts due;
    each gets one EXPIRY voucher, keyed by year, so a rerun posts nothing.
    Returns the number of accounts expired."""
    from datetime import datetime, time

    from django.db.models import Q, Sum

    today = today or timezone.localdate()
    cutoff = timezone.make_aware(datetime.combine(today.replace(year=today.year - 1, month=1, day=1), time.min))
    due = (
        Account.objects.filter(kind=AccountKind.POINTS, balance__gt=0)
        .annotate(
            old_credits=Sum(
                "postings__amount", filter=Q(postings__amount__gt=0, postings__voucher__posted_at__lt=cutoff),
                default=ZERO,
            ),
            debits=Sum("postings__amount", filter=Q(postings__amount__lt=0), default=ZERO),
        )
        .filter(old_credits__gt=-F("debits"))
        .select_related("store")
    )  # fmt: skip
    expired = 0
    for account in due:
        lapse = min(to_money(account.old_credits) + to_money(account.debits), account.balance)
        if lapse <= 0:
            continue
        _post_once(
            actor=None, store=account.store, kind=VoucherKind.EXPIRY, legs=[(account, -lapse)],
            document_type="loyalty.account", document_id=account.pk, document_ref=str(today.year),
            note=_("Points earned before %(day)s expired") % {"day": cutoff.date()},
            idempotency_key=f"points:expiry:{today.year}:{account.pk}",
        )  # fmt: skip
        expired += 1
    return expired


# --- coupons (优惠券) -------------------------------------------------------------------


def coupon_issue(
    *, actor, template: CouponTemplate, customer, via: str = IssuedVia.STAFF, source: str = "", valid_from=None,
    idempotency_key=None,
) -> Coupon:  # fmt: skip
    """The one door for issuing a coupon, by staff, a campaign or an automatic
    rule (actor None: the system). Opens its one-use account and credits it.
    A rule passes an idempotency key (e.g. birthday:2026:<customer>) so a rerun
    issues nothing new."""
    store = customer.store
    if actor is not None:
        require(actor, Perm.PAYMENT_POST, store)
    if via not in IssuedVia.values:
        raise ValidationError({"via": _("Choose how the coupon is issued.")})
    if not template.active or template.group_id != store.group_id:
        raise ValidationError({"template": _("This coupon is not offered.")})
    key = _key(idempotency_key)
    with transaction.atomic():
        if key is not None:
            existing = Voucher.objects.filter(group_id=store.group_id, idempotency_key=key).first()
            if existing is not None:
                return Coupon.objects.get(pk=existing.document_id)
        valid_from = valid_from or timezone.localdate()
        account = Account.objects.create(
            group_id=store.group_id, store=store, kind=AccountKind.COUPON, unit=KIND_UNIT[AccountKind.COUPON],
            customer=customer, label=template.name[:100],
            expires_on=valid_from + timedelta(days=template.valid_days),
        )  # fmt: skip
        coupon = Coupon.objects.create(
            group_id=store.group_id, store=store, template=template, customer=customer, account=account,
            code=next_document_number(store=store, kind="coupon", prefix="Q" + store.code.upper()[:6], width=8),
            issued_via=via, source=(source or "")[:100], valid_from=valid_from, valid_until=account.expires_on,
            issued_by=actor,
        )  # fmt: skip
        ledger_post(
            actor=actor, store=store, kind=VoucherKind.ISSUE, legs=[(account, Decimal(1))],
            document_type="loyalty.coupon", document_id=coupon.pk, document_ref=coupon.code, note=template.name,
            idempotency_key=key,
        )  # fmt: skip
    account.refresh_from_db(fields=["balance"])
    return coupon


def _first_visit(order) -> bool:
    from aftercare.service.choices import Status
    from aftercare.service.models import RepairOrder

    return (
        not RepairOrder.objects.filter(customer_id=order.customer_id, status__in=[Status.SETTLED, Status.DELIVERED])
        .exclude(pk=order.pk)
        .exists()
    )


def coupon_discount(coupon: Coupon, order, *, balance: Decimal | None = None) -> Decimal:
    """What the coupon takes off this order, or ValidationError with the
    condition it fails: unused, valid today, the order's customer, minimum
    spend, repair type, first visit, stacking (docs/DOMAIN.md §13.1)."""
    from aftercare.billing.selectors import order_balance

    template = coupon.template
    today = timezone.localdate()
    refuse = lambda message: ValidationError({"reference": message})  # noqa: E731
    if coupon.account.balance < 1:
        raise refuse(_("This coupon has been used."))
    if not coupon.valid_from <= today <= coupon.valid_until:
        raise refuse(
            _("This coupon is valid from %(start)s to %(end)s.")
            % {"start": coupon.valid_from, "end": coupon.valid_until}
        )
    if coupon.customer_id != order.customer_id:
        raise refuse(_("This coupon belongs to another customer."))
    if order.customer_total < template.min_spend:
        raise refuse(_("This coupon needs a spend of at least %(amount)s.") % {"amount": template.min_spend})
    types = [code.strip() for code in template.repair_types.split(",") if code.strip()]
    if types and order.repair_type.code not in types:
        raise refuse(_("This coupon is not for this kind of repair."))
    if template.first_visit_only and not _first_visit(order):
        raise refuse(_("This coupon is for a first visit only."))
    others = CouponUse.objects.filter(payment__repair_order=order, released_at__isnull=True).select_related(
        "coupon__template"
    )
    if others and (not template.stackable or any(not use.coupon.template.stackable for use in others)):
        raise refuse(_("This coupon does not stack with the coupon already used on this order."))
    if template.kind == CouponKind.AMOUNT:
        amount = template.value
    elif template.kind == CouponKind.PERCENT:
        amount = to_money(order.customer_total * template.value / 100)
        if template.cap is not None:
            amount = min(amount, template.cap)
    else:
        line = order.lines.filter(code=template.service_code, payer="customer", status="approved").first()
        if line is None:
            raise refuse(_("The order has no %(code)s line for this coupon.") % {"code": template.service_code})
        amount = line.amount
    balance = order_balance(order) if balance is None else balance
    return max(min(amount, balance), ZERO)


def coupon_apply(*, actor, order, coupon: Coupon, idempotency_key=None):
    """Use a coupon at settlement: its discount is recorded on the order as a
    billing record of the `coupon` method (the handler below spends the coupon)."""
    from aftercare.billing.services import payment_post

    coupon = Coupon.objects.select_related("template", "account").get(pk=coupon.pk)
    amount = coupon_discount(coupon, order)
    if amount <= 0:
        raise ValidationError({"reference": _("Nothing is due on this order.")})
    return payment_post(
        actor=actor, order=order, method=PaymentMethod.COUPON, amount=amount, reference=coupon.code,
        idempotency_key=idempotency_key or f"coupon:{coupon.pk}:{order.pk}",
    )  # fmt: skip


class CouponMethod:
    """Billing's handler for `coupon`: checks the coupon's conditions again
    under the order's lock, spends it once, and releases it on reversal."""

    def post(self, *, actor, order, payment) -> None:
        coupon = (
            Coupon.objects.select_related("template", "account")
            .filter(group_id=order.store.group_id, code=(payment.reference or "").strip())
            .first()
        )
        if coupon is None:
            raise ValidationError({"reference": _("Enter the coupon code.")})
        Account.objects.select_for_update().filter(pk=coupon.account_id).first()
        coupon.account.refresh_from_db()
        due = coupon_discount(coupon, order, balance=payment.balance_after + payment.amount)
        if payment.amount != due:
            raise ValidationError({"amount": _("This coupon takes %(amount)s off this order.") % {"amount": due}})
        voucher, _created = ledger_post(
            actor=actor, store=order.store, kind=VoucherKind.PAYMENT, legs=[(coupon.account, Decimal("-1"))],
            document_type="billing.payment", document_id=payment.pk,
            document_ref=f"{payment.number} {order.number}", note=coupon.template.name,
            idempotency_key=f"billing.payment:{payment.pk}",
        )  # fmt: skip
        CouponUse.objects.create(coupon=coupon, payment=payment, voucher=voucher)

    def refund(self, *, actor, order, refund) -> None:
        raise ValidationError({"method": _("A coupon is released by reversing its record.")})

    def reverse(self, *, actor, order, original, reversal) -> None:
        use = CouponUse.objects.select_for_update().filter(payment=original, released_at__isnull=True).first()
        if use is None:
            return
        _voucher_reverse(
            actor=actor, voucher=use.voucher, store=order.store, reason=reversal.reason,
            idempotency_key=f"billing.payment:{reversal.pk}",
        )  # fmt: skip
        use.released_at = timezone.now()
        use.save(update_fields=["released_at"])


def coupon_for_points(*, actor, card: MemberCard, store: Store, template: CouponTemplate) -> Coupon:
    """Exchange points for a coupon (积分兑换), both in one transaction: the
    points are redeemed only if the coupon is issued, and the other way round."""
    if not template.points_cost:
        raise ValidationError({"template": _("This coupon is not offered for points.")})
    with transaction.atomic():
        points_redeem(actor=actor, card=card, store=store, points=template.points_cost, note=template.name)
        return coupon_issue(actor=actor, template=template, customer=card.customer, source=_("Points exchange"))


# --- the manager's rules: coupon templates, top-up bonuses, tiers ----------------------------

# Coupon templates and tier rules belong to the dealer group, top-up bonuses to one store.
GROUP_RULES = (CouponTemplate, TierRule)
RULE_MODELS = (CouponTemplate, TopUpRule, TierRule)


def _rule_errors(model, data: dict) -> dict:
    """What a rule may not say (docs/DOMAIN.md §13.1, §13.2): a percent within 0-100, an
    amount off above zero, a free service naming its code, a bonus never negative."""
    errors = {}
    if model is CouponTemplate:
        kind, value = data.get("kind"), data.get("value") or ZERO
        if kind == CouponKind.PERCENT and not ZERO < value <= 100:
            errors["value"] = _("A percent off is between 0 and 100.")
        elif kind == CouponKind.AMOUNT and value <= 0:
            errors["value"] = _("Give the amount off.")
        if kind == CouponKind.FREE_SERVICE and not (data.get("service_code") or "").strip():
            errors["service_code"] = _("Name the service the coupon gives free.")
        if data.get("valid_days") is not None and not 1 <= data["valid_days"] <= 3660:
            errors["valid_days"] = _("Between 1 and 3,660 days.")
    elif model is TopUpRule:
        if (data.get("min_amount") or ZERO) <= 0:
            errors["min_amount"] = _("Give the top-up amount that earns the bonus.")
        if (data.get("bonus") or ZERO) < 0:
            errors["bonus"] = _("A bonus is never negative.")
    elif model is TierRule:
        if not ZERO <= (data.get("labour_discount_percent") or ZERO) <= 100:
            errors["labour_discount_percent"] = _("A percent off is between 0 and 100.")
    return errors


def loyalty_rule_save(*, actor, store: Store, model=None, instance=None, data: dict):
    """Create or change a coupon template, a top-up bonus rule or a tier rule: the
    store manager's decision (discount approval) at the current store; the group's
    rules for the group's templates and tiers, the store's own for bonuses. Audited."""
    from aftercare.core.audit import diff, snapshot

    model = type(instance) if instance is not None else model
    if model not in RULE_MODELS:
        raise ValueError(f"not a loyalty rule: {model}")
    require(actor, Perm.DISCOUNT_APPROVE, store)
    if errors := _rule_errors(model, data):
        raise ValidationError(errors)
    owner = {"group_id": store.group_id} if model in GROUP_RULES else {"store_id": store.pk}
    with transaction.atomic():
        if instance is None:
            rule, before = model(**owner), {}
        else:
            rule = model.objects.select_for_update().get(pk=instance.pk, **owner)
            before = snapshot(rule, list(data))
        if (
            model is TierRule
            and TierRule.objects.filter(group_id=store.group_id, tier=data.get("tier", rule.tier))
            .exclude(pk=rule.pk)
            .exists()
        ):
            raise ValidationError({"tier": _("This tier already has its rule.")})
        for name, value in data.items():
            setattr(rule, name, value)
        fits_columns(rule, [name for name, value in data.items() if isinstance(value, Decimal)])
        rule.save()
        changes = diff(before, snapshot(rule, list(data)))
        if changes:
            action = AuditEntry.Action.UPDATE if instance is not None else AuditEntry.Action.CREATE
            audit_record(actor=actor, action=action, obj=rule, store=store, changes=changes)
    return rule


# --- the nightly tier review -----------------------------------------------------------------


def member_tiers_review(*, today=None, actor=None) -> int:
    """Move every card not held by a manager to the tier its last 12 months earn
    (docs/DOMAIN.md §13.1), set-based: one query for the cards, one for the spend
    and one for the visits of their customers, one UPDATE per tier reached, the
    history and audit rows in bulk. A rerun the same day changes nothing.
    Returns the number of cards moved."""
    from aftercare.core.audit import audit_entry

    from .selectors import spend_and_visits_by_customer

    now = today or timezone.now()
    rules_by_group = {}
    for rule in TierRule.objects.all():
        rules_by_group.setdefault(rule.group_id, []).append(rule)
    moved = 0
    with transaction.atomic():
        cards = list(
            MemberCard.objects.select_for_update()
            .filter(tier_locked=False)
            .only("pk", "tier", "customer_id", "store_id", "group_id", "number")
        )
        spend, visits = spend_and_visits_by_customer([card.customer_id for card in cards], now=now)
        changes, by_tier = [], {}
        for card in cards:
            money, count = spend.get(card.customer_id, ZERO), visits.get(card.customer_id, 0)
            tier = tier_for(rules_by_group.get(card.group_id, []), money, count)
            if tier != card.tier:
                changes.append((card, card.tier, tier, money, count))
                by_tier.setdefault(tier, []).append(card.pk)
        for tier, ids in by_tier.items():
            MemberCard.objects.filter(pk__in=ids, tier_locked=False).update(tier=tier)
        reason = _("12-month review")
        TierChange.objects.bulk_create(
            TierChange(card=card, from_tier=before, to_tier=tier, spend_12m=money, visits_12m=count, reason=reason,
                       changed_by=actor, changed_at=now)
            for card, before, tier, money, count in changes
        )  # fmt: skip
        AuditEntry.objects.bulk_create(
            audit_entry(actor=actor, action=AuditEntry.Action.UPDATE, obj=card, store=card.store_id,
                        changes={"tier": [before, tier]}, reason=reason)
            for card, before, tier, _money, _count in changes
        )  # fmt: skip
        moved = len(changes)
    return moved
