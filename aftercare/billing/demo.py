"""Demo money for demo history: the service demo moves past orders straight to
delivered, so here they get the payment and delivery records a real cashier
would have left (bulk-inserted, like the rest of the demo history)."""

import random

from django.db.models import Max
from django.utils import timezone

from aftercare.accounts.roles import Role
from aftercare.core.models import DocumentSequence, Store
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder, StatusChange

from .choices import PaymentKind, PaymentMethod
from .models import Delivery, Payment, ProviderAccount
from .selectors import next_service_after

# What Chinese customers pay with at a 4S store, roughly.
METHOD_WEIGHTS = {
    PaymentMethod.WECHAT: 45,
    PaymentMethod.ALIPAY: 25,
    PaymentMethod.CARD: 20,
    PaymentMethod.CASH: 7,
    PaymentMethod.TRANSFER: 3,
}
# A tiny blank PNG stands in for the customer's signature on past deliveries.
BLANK_SIGNATURE = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def seed_provider_accounts(store: Store) -> None:
    """WeChat Pay and Alipay accounts for the counter, as sandboxes: the
    screens work in demo mode without any network or real merchant keys."""
    for provider, app_id, merchant_id in (
        (PaymentMethod.WECHAT, f"wx{store.pk:016d}", f"19{store.pk:08d}"),
        (PaymentMethod.ALIPAY, f"2021{store.pk:012d}", ""),
    ):
        ProviderAccount.objects.get_or_create(
            store=store, provider=provider,
            defaults={"sandbox": True, "app_id": app_id, "merchant_id": merchant_id},
        )  # fmt: skip


def seed_settlements(store: Store, rng: random.Random) -> int:
    """Pay and deliver every settled or delivered demo order that has no payments."""
    seed_provider_accounts(store)
    cashier_id = store.memberships.filter(role=Role.CASHIER, is_active=True).values_list("user_id", flat=True).first()
    if cashier_id is None:
        return 0
    orders = list(
        RepairOrder.objects.filter(store=store, status__in=[Status.SETTLED, Status.DELIVERED], payments__isnull=True)
        .select_related("vehicle", "repair_type")
        .order_by("id")
    )
    moved_at = dict(
        StatusChange.objects.filter(repair_order__in=orders, to_status__in=[Status.SETTLED, Status.DELIVERED])
        .values_list("repair_order_id")
        .annotate(at=Max("changed_at"))
    )
    sequence, _ = DocumentSequence.objects.get_or_create(store=store, kind="payment")
    methods, weights = list(METHOD_WEIGHTS), list(METHOD_WEIGHTS.values())
    payments, deliveries = [], []
    for order in orders:
        at = moved_at.get(order.pk, order.closed_at or order.updated_at)
        if order.customer_total > 0:
            sequence.last_value += 1
            payments.append(
                Payment(
                    store=store,
                    repair_order=order,
                    number=f"PAY{sequence.last_value:07d}",
                    kind=PaymentKind.PAYMENT,
                    method=rng.choices(methods, weights)[0],
                    amount=order.customer_total,
                    balance_after=0,
                    posted_at=at,
                    posted_by_id=cashier_id,
                )
            )
        if order.status == Status.DELIVERED:
            # As the sheet said on the day: never a date already passed then (docs/DOMAIN.md §2.4).
            due_date, due_km = next_service_after(order, today=timezone.localdate(at))
            deliveries.append(
                Delivery(
                    store=store,
                    repair_order=order,
                    signature=BLANK_SIGNATURE,
                    next_service_date=due_date,
                    next_service_km=due_km,
                    delivered_at=at,
                    delivered_by_id=order.advisor_id,
                )
            )
    Payment.objects.bulk_create(payments)
    Delivery.objects.bulk_create(deliveries)
    sequence.save(update_fields=["last_value"])
    return len(payments)
