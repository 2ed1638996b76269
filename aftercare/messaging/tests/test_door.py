"""The door's four decisions (consent, channel, quiet hours, cap and dedupe), each
on its own, at a fixed time: docs/DOMAIN.md §15.1."""

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from aftercare.customers.services import consent_record
from aftercare.messaging.models import Message, MessageEvent, StoreMessagingSettings
from aftercare.messaging.services import (
    consent_withdraw,
    contact_check,
    message_send,
    messages_send_due,
    register_call_handler,
    sending_batch,
    sms_segments,
    template_ensure,
)
from aftercare.tests.factories import CustomerFactory

DAY = "2026-12-07 10:00 +08:00"
NIGHT = "2026-12-07 22:30 +08:00"


def send(store, customer, **kwargs):
    options = {"purpose": "service", "template_code": "car_ready", "context": {"advisor": "李明"},
               "dedupe_key": f"car_ready:{customer.pk}:1"}  # fmt: skip
    options.update(kwargs)
    return message_send(store=store, customer=customer, **options)


@time_machine.travel(DAY)
def test_a_service_notice_is_queued_with_the_rendered_text_and_its_history(store, customer, vehicle):
    message = send(store, customer, vehicle=vehicle)
    assert message.state == "queued"
    assert message.channel == "sms"
    assert message.to == "13800138000"
    assert "王芳" in message.text and "粤A12345" in message.text and "李明" in message.text
    assert list(MessageEvent.objects.filter(message=message).values_list("to_state", flat=True)) == ["queued"]


@time_machine.travel(DAY)
def test_a_service_notice_does_not_depend_on_marketing_consent(store, customer):
    consent_record(actor=None, customer=customer, purpose="marketing_sms", granted=False, channel="in_store")
    assert send(store, customer).state == "queued"


@time_machine.travel(DAY)
def test_marketing_without_a_yes_for_the_channel_is_cancelled_for_want_of_consent(store, customer):
    message = send(store, customer, purpose="marketing", template_code="portal_link", dedupe_key="m:1")
    assert (message.state, message.reason) == ("cancelled", "no consent")


@time_machine.travel(DAY)
def test_marketing_with_consent_on_one_channel_goes_on_that_channel(store, customer):
    customer.wechat_id = "openid-1"
    customer.save()
    consent_record(actor=None, customer=customer, purpose="marketing_wechat", granted=True, channel="in_store")
    message = send(store, customer, purpose="marketing", template_code="portal_link", dedupe_key="m:1")
    assert (message.state, message.channel, message.to) == ("queued", "wechat", "openid-1")


@time_machine.travel(DAY)
def test_a_withdrawn_service_consent_refuses_service_notices_at_once(store, customer):
    consent_withdraw(customer=customer, purposes=["service"], via="in_store")
    message = send(store, customer)
    assert (message.state, message.reason) == ("cancelled", "no consent")
    assert not contact_check(customer=customer, purpose="service", channel="phone").allowed


@time_machine.travel(DAY)
def test_the_preferred_channel_goes_first_then_the_store_order(store, customer, recording):
    customer.email, customer.wechat_id, customer.preferred_channel = "w@example.com", "openid-1", "email"
    customer.save()
    assert send(store, customer).channel == "email"
    customer.preferred_channel = "phone"  # a call is not an automatic message: the store's order decides
    customer.save()
    StoreMessagingSettings.objects.create(store=store, fallback_channels=["wechat", "sms"])
    assert send(store, customer, dedupe_key="x:2").channel == "wechat"


@time_machine.travel(DAY)
def test_a_channel_without_contact_details_is_skipped(store, customer):
    customer.mobile = ""
    customer.email = "w@example.com"
    customer.save()
    assert send(store, customer).channel == "email"


@time_machine.travel(NIGHT)
def test_a_message_in_the_quiet_hours_is_held_and_released_when_they_end(store, customer, recording):
    message = send(store, customer)
    assert message.state == "held"
    assert messages_send_due() == 0
    with time_machine.travel("2026-12-08 08:00 +08:00"):
        assert messages_send_due() == 1
    message.refresh_from_db()
    assert message.state == "sent"
    notes = list(message.events.values_list("to_state", "note"))
    assert notes[0] == ("held", "quiet hours") and notes[-1][0] == "sent"


@time_machine.travel(NIGHT)
def test_an_urgent_service_notice_is_sent_in_the_quiet_hours_and_marketing_may_not_be_urgent(store, customer):
    urgent, ordinary = send(store, customer, urgent=True), send(store, customer, dedupe_key="k2")
    assert (urgent.state, ordinary.state) == ("queued", "held")
    consent_record(actor=None, customer=customer, purpose="marketing_sms", granted=True, channel="in_store")
    with pytest.raises(ValueError):
        send(store, customer, purpose="marketing", template_code="portal_link", dedupe_key="m", urgent=True)
    assert not Message.objects.filter(purpose="marketing").exists()


@time_machine.travel("2026-12-07 20:59 +08:00")
def test_the_quiet_hours_follow_the_store_setting(store, customer):
    StoreMessagingSettings.objects.create(store=store, quiet_start="20:00", quiet_end="07:00")
    assert send(store, customer).state == "held"


@time_machine.travel(DAY)
def test_marketing_stops_at_the_cap_per_customer_in_30_days(store, customer):
    consent_record(actor=None, customer=customer, purpose="marketing_sms", granted=True, channel="in_store")
    StoreMessagingSettings.objects.create(store=store, marketing_cap=2)
    states = [
        send(store, customer, purpose="marketing", template_code="portal_link", dedupe_key=f"m:{n}").state
        for n in range(3)
    ]
    assert states == ["queued", "queued", "cancelled"]
    assert Message.objects.filter(reason="frequency cap").count() == 1
    with time_machine.travel("2027-01-07 10:00 +08:00"):
        assert (
            send(store, customer, purpose="marketing", template_code="portal_link", dedupe_key="m:9").state == "queued"
        )


@time_machine.travel(DAY)
def test_the_same_dedupe_key_never_sends_twice(store, customer):
    first = send(store, customer)
    second = send(store, customer)
    assert first.state == "queued"
    assert (second.state, second.reason) == ("cancelled", "duplicate")


@time_machine.travel(DAY)
def test_a_refused_message_does_not_block_a_later_one_with_the_same_key(store, customer):
    consent_withdraw(customer=customer, purposes=["service"], via="in_store")
    assert send(store, customer).state == "cancelled"
    consent_record(actor=None, customer=customer, purpose="service", granted=True, channel="in_store")
    assert send(store, customer).state == "queued"


@time_machine.travel(DAY)
def test_a_withdrawal_cancels_the_queued_and_held_messages_of_that_purpose(store, customer):
    consent_record(actor=None, customer=customer, purpose="marketing_sms", granted=True, channel="in_store")
    service = send(store, customer)
    marketing = send(store, customer, purpose="marketing", template_code="portal_link", dedupe_key="m:1")
    consent_withdraw(customer=customer, purposes=["marketing"], via="sms", note="TD")
    service.refresh_from_db()
    marketing.refresh_from_db()
    assert service.state == "queued"
    assert (marketing.state, marketing.reason) == ("cancelled", "consent withdrawn")
    assert not contact_check(customer=customer, purpose="marketing", channel="sms").allowed


@time_machine.travel(DAY)
def test_a_store_template_overrides_the_group_default_and_the_built_in_text(store, customer):
    template_ensure(store=None, group=store.group, code="car_ready", channel="sms", text="组默认{customer_name}")
    assert send(store, customer).text == "组默认王芳"
    template_ensure(store=store, code="car_ready", channel="sms", text="本店{customer_name}")
    template_ensure(store=store, code="car_ready", channel="sms", text="不覆盖")
    assert send(store, customer, dedupe_key="k2").text == "本店王芳"


def _reads_of(queries, table: str) -> int:
    return sum(1 for q in queries if q["sql"].lstrip().startswith("SELECT") and f'FROM "{table}"' in q["sql"])


@time_machine.travel(DAY)
def test_a_batch_reads_the_stores_settings_channels_and_template_once_and_each_customers_consents(store):
    customers = [CustomerFactory(store=store, mobile=f"1380013800{n}") for n in range(3)]
    with CaptureQueriesContext(connection) as queries, sending_batch():
        for n, customer in enumerate(customers):
            assert send(store, customer, dedupe_key=f"batch:{n}").state == "queued"
    assert _reads_of(queries, "messaging_storemessagingsettings") == 1
    assert _reads_of(queries, "messaging_provideraccount") == 1
    assert _reads_of(queries, "messaging_messagetemplate") == 1
    assert _reads_of(queries, "customers_consent") == 3


@time_machine.travel(DAY)
def test_a_template_made_during_a_batch_is_the_one_its_next_message_uses(store, customer):
    with sending_batch():
        assert send(store, customer).text != "本店{customer_name}"
        template_ensure(store=store, code="car_ready", channel="sms", text="本店{customer_name}")
        assert send(store, customer, dedupe_key="k2").text == "本店王芳"


@time_machine.travel(DAY)
def test_an_unknown_template_is_cancelled_not_raised(store, customer):
    assert send(store, customer, template_code="nothing").reason == "no template"


def test_the_sms_length_rule_is_70_in_one_then_67_per_part():
    assert sms_segments("字" * 70) == (70, 1)
    assert sms_segments("字" * 71) == (71, 2)
    assert sms_segments("字" * 134) == (134, 2)
    assert sms_segments("字" * 135) == (135, 3)


@time_machine.travel(DAY)
def test_the_call_channel_creates_a_task_through_the_registered_handler(store, customer):
    calls = []
    register_call_handler(lambda message: calls.append(message.pk))
    try:
        message = send(store, customer, channel="phone")
        messages_send_due()
        message.refresh_from_db()
        assert (message.state, calls) == ("sent", [message.pk])
    finally:
        register_call_handler(None)


@time_machine.travel(DAY)
def test_a_rolled_back_business_change_sends_nothing(store, customer, recording, django_capture_on_commit_callbacks):
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            send(store, customer)
            raise RuntimeError("the business change failed")
    except RuntimeError:
        pass
    assert not Message.objects.exists()
    assert messages_send_due() == 0
    assert recording.sent == []


@time_machine.travel(DAY)
def test_a_committed_message_is_sent_after_commit(store, customer, recording, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = send(store, customer)
        assert recording.sent == []
    message.refresh_from_db()
    assert message.state == "sent"
    assert [m.to for m in recording.sent] == ["13800138000"]


@time_machine.travel(DAY)
def test_a_message_by_phone_becomes_a_call_for_customer_care_with_its_text(store, customer, vehicle):
    from aftercare.followups.models import FollowUpTask

    message = send(store, customer, vehicle=vehicle, channel="phone")
    messages_send_due()
    messages_send_due()

    message.refresh_from_db()
    task = FollowUpTask.objects.get()
    assert message.state == "sent" and message.provider_message_id == str(task.pk)
    assert (task.kind, task.owner_role, task.vehicle_id, task.note) == (
        "message",
        "customer_care",
        vehicle.pk,
        message.text,
    )
