"""Demo messages (docs/DOMAIN.md §15.1): Chinese templates for every trigger on every
channel, a sandbox provider account per channel in each demo store, and a message
log that shows every state (queued, held, sending, sent, delivered, failed,
cancelled for each reason), made through the door like the triggers make them."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from aftercare.core.models import Store
from aftercare.customers.models import Consent, Customer

from .choices import SENDING_CHANNELS, Channel, Purpose, State
from .defaults import DEFAULT_TEXTS
from .models import Message, MessageEvent, ProviderAccount
from .services import message_send, template_ensure

MARKETING_TEXTS = {
    "spring_care": "{customer_name}您好，新春将至，{store}为您的爱车{plate}准备了免费安全检测，欢迎预约。退订回TD",
    "coupon_issued": "{customer_name}您好，您获得一张{store}保养优惠券，有效期至{date}。退订回TD",
}


def seed_templates(store: Store) -> None:
    """The group's defaults of every trigger on every channel (idempotent)."""
    for index, (code, (purpose, subject, text)) in enumerate(DEFAULT_TEXTS.items(), start=100001):
        for channel in (*SENDING_CHANNELS, Channel.PHONE):
            template_ensure(
                store=None, group=store.group, code=code, channel=channel, text=text, subject=subject,
                purpose=purpose, name=code, provider_template_code=f"SMS_{index:08d}"
                if channel == Channel.SMS else "",
            )  # fmt: skip
    for code, text in MARKETING_TEXTS.items():
        for channel in SENDING_CHANNELS:
            template_ensure(store=None, group=store.group, code=code, channel=channel, text=text,
                            purpose=Purpose.MARKETING, name=code)  # fmt: skip


def seed_accounts(store: Store) -> None:
    for channel in SENDING_CHANNELS:
        ProviderAccount.objects.get_or_create(
            store=store, channel=channel, provider="sandbox",
            defaults={"config": {"sign_name": store.name, "access_key_secret": "demo-secret"}},
        )  # fmt: skip


def _move(message: Message, state: str, note: str = "", **fields) -> None:
    from_state = message.state
    now = timezone.now()
    Message.objects.filter(pk=message.pk).update(state=state, updated_at=now, **fields)
    MessageEvent.objects.create(message=message, from_state=from_state, to_state=state, note=note, at=now)


def seed_messaging(store: Store, rng: random.Random, today) -> int:
    """Templates, sandbox accounts and a log with every state for `store`."""
    seed_templates(store)
    seed_accounts(store)
    customers = list(
        Customer.objects.filter(store=store, merged_into__isnull=True).exclude(mobile="").order_by("pk")[:40]
    )
    if not customers:
        return 0
    now = timezone.now()
    made = 0
    for index, customer in enumerate(customers):
        code = rng.choice(("car_ready", "delivered", "appointment_reminder", "approval_requested"))
        message = message_send(
            store=store, customer=customer, purpose=Purpose.SERVICE, template_code=code,
            context={"advisor": "李明", "advisor_phone": "13800138000", "date": f"{today:%m月%d日} 09:30"},
            dedupe_key=f"demo:{code}:{customer.pk}",
        )  # fmt: skip
        made += 1
        if message.state not in (State.QUEUED, State.HELD):  # seeded at night, it is held first
            continue
        step = index % 6
        if step == 0:
            _move(message, State.SENDING, next_attempt_at=now + timedelta(minutes=5), attempts=1)
        elif step in (1, 2):
            _move(message, State.SENDING, attempts=1)
            _move(message, State.SENT, provider="sandbox", provider_message_id=f"SANDBOX-{message.idempotency_key}",
                  sent_at=now, next_attempt_at=None)  # fmt: skip
            if step == 2:
                _move(message, State.DELIVERED, "DELIVRD", delivered_at=now)
        elif step == 3:
            _move(message, State.SENDING, attempts=5)
            _move(message, State.FAILED, "isv.MOBILE_NUMBER_ILLEGAL", reason="isv.MOBILE_NUMBER_ILLEGAL",
                  provider="sandbox", next_attempt_at=None)  # fmt: skip
        elif step == 4:
            tomorrow_8 = timezone.make_aware(datetime.combine(today + timedelta(days=1), time(8, 0)))
            _move(message, State.HELD, "quiet hours", reason="quiet hours", next_attempt_at=tomorrow_8)
    # Marketing: with and without consent, a duplicate, the frequency cap.
    consented = list(
        Consent.objects.filter(customer__in=customers, purpose="marketing_sms", granted=True)
        .values_list("customer", flat=True)
        .distinct()
    )
    for customer in customers[:6]:
        message_send(store=store, customer=customer, purpose=Purpose.MARKETING, template_code="spring_care",
                     context={}, dedupe_key=f"demo:spring:{customer.pk}:{today.year}")  # fmt: skip
        made += 1
    if consented:
        customer = Customer.objects.get(pk=consented[0])
        for n in range(6):  # the 5th and 6th pass the cap of 4 in 30 days
            message_send(store=store, customer=customer, purpose=Purpose.MARKETING, template_code="coupon_issued",
                         context={"date": f"{today + timedelta(days=30):%Y-%m-%d}"},
                         dedupe_key=f"demo:coupon:{customer.pk}:{n}")  # fmt: skip
        message_send(store=store, customer=customer, purpose=Purpose.MARKETING, template_code="coupon_issued",
                     context={}, dedupe_key=f"demo:coupon:{customer.pk}:0")  # fmt: skip
        made += 7
    return made
