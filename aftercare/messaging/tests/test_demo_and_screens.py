"""The demo's message log shows every state; the caller screen shows a refusal."""

import random
from datetime import date

import time_machine
from django.urls import reverse

from aftercare.customers.models import Consent
from aftercare.followups.services import followup_create
from aftercare.messaging.demo import seed_messaging
from aftercare.messaging.models import Message, MessageTemplate, ProviderAccount
from aftercare.messaging.services import consent_withdraw
from aftercare.tests.factories import CustomerFactory


@time_machine.travel("2026-12-07 10:00 +08:00")
def test_the_demo_has_templates_sandbox_accounts_and_every_state(store):
    customers = [CustomerFactory(store=store) for _ in range(12)]
    Consent.objects.create(customer=customers[0], purpose="marketing_sms", granted=True, channel="paper",
                           notice_version="2026-01")  # fmt: skip
    seed_messaging(store, random.Random(1), date(2026, 12, 7))
    states = set(Message.objects.values_list("state", flat=True))
    assert states == {"queued", "held", "sending", "sent", "delivered", "failed", "cancelled"}
    reasons = set(Message.objects.filter(state="cancelled").values_list("reason", flat=True))
    assert {"no consent", "frequency cap", "duplicate"} <= reasons
    assert MessageTemplate.objects.filter(group=store.group, code="car_ready").count() == 4
    assert set(ProviderAccount.objects.values_list("channel", "provider")) == {
        ("sms", "sandbox"),
        ("wechat", "sandbox"),
        ("email", "sandbox"),
    }


@time_machine.travel("2026-12-07 10:00 +08:00")
def test_the_caller_screen_shows_that_the_customer_refused(store, staff, client_for):
    customer = CustomerFactory(store=store)
    task = followup_create(store=store, customer=customer, kind="churn", due_at=customer.created_at,
                           source_key="c1", owner=staff["advisor"])  # fmt: skip
    page = client_for(staff["advisor"]).get(reverse("followups:task", args=[task.pk])).content.decode()
    assert 'data-testid="customer-refused"' not in page
    consent_withdraw(customer=customer, purposes=["marketing"], via="phone")
    page = client_for(staff["advisor"]).get(reverse("followups:task", args=[task.pk])).content.decode()
    assert 'data-testid="customer-refused"' in page
