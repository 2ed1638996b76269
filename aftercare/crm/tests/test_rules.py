"""The retention rules: timing, once per period, consent, and actions through the doors (docs/DOMAIN.md §11.2)."""

import threading
from datetime import date

import pytest
import time_machine
from django.db import connection, connections
from django.utils.translation import gettext

from aftercare.crm.choices import FiringState, Trigger
from aftercare.crm.models import Firing, RetentionRule
from aftercare.crm.rules import Due, fire, rules_ensure, rules_run
from aftercare.crm.segments import segments_refresh
from aftercare.customers.models import Consent
from aftercare.followups.models import FollowUpTask
from aftercare.loyalty.models import Coupon
from aftercare.messaging.models import Message
from aftercare.tests.factories import CustomerFactory, VehicleFactory

from .conftest import at


def _consent(customer, purpose="marketing_sms", granted=True):
    Consent.objects.create(customer=customer, purpose=purpose, granted=granted, channel="in_store",
                           notice_version="2026-01")  # fmt: skip


def _run(store, when, *triggers):
    with time_machine.travel(at(when), tick=False):
        return rules_run(store=store, triggers=set(triggers) or None)


@pytest.fixture
def sms_customer(store):
    customer = CustomerFactory(store=store, name="陈静", preferred_channel="sms", birthday=date(1990, 3, 15))
    _consent(customer)
    return customer


@pytest.mark.django_db
def test_every_rule_of_the_store_exists_with_the_defaults(store):
    rules = {rule.trigger: rule for rule in rules_ensure(store)}
    assert set(rules) == set(Trigger.values)
    assert rules[Trigger.MAINTENANCE_DUE].days == 7 and rules[Trigger.BIRTHDAY].coupon_name == "生日50元维修券"


@pytest.mark.django_db
def test_the_birthday_greeting_and_its_coupon_go_on_the_day_once(store, sms_customer):
    assert _run(store, "2026-03-14 07:00", Trigger.BIRTHDAY) == 0
    assert _run(store, "2026-03-15 07:00", Trigger.BIRTHDAY) == 1
    assert _run(store, "2026-03-15 08:00", Trigger.BIRTHDAY) == 0
    firing = Firing.objects.get()
    coupon = Coupon.objects.get(pk=firing.coupon_id)
    assert coupon.template.value == 50 and coupon.customer == sms_customer
    message = Message.objects.get(customer=sms_customer)
    assert message.template_code == "crm_birthday" and message.state != "cancelled"
    assert _run(store, "2027-03-15 07:00", Trigger.BIRTHDAY) == 1  # next year is another period


@pytest.mark.django_db
def test_without_marketing_consent_nothing_is_sent_or_issued_and_the_refusal_is_recorded(store):
    CustomerFactory(store=store, preferred_channel="sms", birthday=date(1990, 3, 15))
    assert _run(store, "2026-03-15 07:00", Trigger.BIRTHDAY) == 1
    firing = Firing.objects.get()
    assert firing.state == FiringState.REFUSED and firing.coupon_id is None
    assert not Message.objects.exclude(state="cancelled").exists() and not Coupon.objects.exists()


@pytest.mark.django_db
def test_a_switched_off_rule_never_fires(store, sms_customer):
    rules_ensure(store)
    RetentionRule.objects.filter(store=store, trigger=Trigger.BIRTHDAY).update(enabled=False)
    assert _run(store, "2026-03-15 07:00") == 0


@pytest.mark.django_db
def test_insurance_and_inspection_reminders_go_seven_days_before_with_a_booking_link(store, sms_customer):
    vehicle = VehicleFactory(owner=sms_customer, insurance_expiry=date(2026, 5, 20), inspection_due=date(2026, 5, 21))
    assert _run(store, "2026-05-12 07:00", Trigger.INSURANCE_DUE, Trigger.INSPECTION_DUE) == 0
    assert _run(store, "2026-05-13 07:00", Trigger.INSURANCE_DUE, Trigger.INSPECTION_DUE) == 1
    assert _run(store, "2026-05-14 07:00", Trigger.INSURANCE_DUE, Trigger.INSPECTION_DUE) == 1
    assert _run(store, "2026-05-15 07:00", Trigger.INSURANCE_DUE, Trigger.INSPECTION_DUE) == 0
    texts = list(Message.objects.filter(vehicle=vehicle).values_list("text", flat=True))
    assert len(texts) == 2 and all(f"/p/book/{vehicle.pk}/" in text for text in texts)


@pytest.mark.django_db
def test_the_maintenance_reminder_goes_seven_days_before_the_calendar_date(store, sms_customer):
    VehicleFactory(owner=sms_customer, last_service_at=date(2026, 1, 10), maintenance_months=6)
    with time_machine.travel(at("2026-07-02 06:00"), tick=False):
        segments_refresh(store=store)
    assert _run(store, "2026-07-02 07:00", Trigger.MAINTENANCE_DUE) == 0
    assert _run(store, "2026-07-03 07:00", Trigger.MAINTENANCE_DUE) == 1
    assert "2026-07-10" in Firing.objects.get().reason


@pytest.mark.django_db
def test_holiday_care_goes_a_week_before_new_year_across_the_year_boundary(store, sms_customer, visit):
    visit(sms_customer, "2026-06-01 10:00")
    assert _run(store, "2026-12-24 07:00", Trigger.HOLIDAY) == 0
    assert _run(store, "2026-12-25 07:00", Trigger.HOLIDAY) == 1
    assert Firing.objects.get().period_key == "20270101"
    assert _run(store, "2026-12-31 07:00", Trigger.HOLIDAY) == 0


@pytest.mark.django_db
def test_holiday_care_goes_a_week_before_the_lunar_spring_festival(store, sms_customer, visit):
    visit(sms_customer, "2026-06-01 10:00")
    assert _run(store, "2027-01-30 07:00", Trigger.HOLIDAY) == 1  # Spring Festival 2027: 6 February
    assert Firing.objects.get().period_key == "20270206"


@pytest.mark.django_db
def test_welcome_goes_within_a_day_of_the_first_service_and_never_for_a_second_one(store, sms_customer, visit):
    visit(sms_customer, "2026-04-01 10:00")
    assert _run(store, "2026-04-02 07:00", Trigger.WELCOME, Trigger.NEW_COUPON) == 2
    coupon = Coupon.objects.get()
    assert (coupon.template.value, coupon.valid_until - coupon.valid_from).__getitem__(0) == 10
    visit(sms_customer, "2026-04-20 10:00")
    assert _run(store, "2026-04-21 07:00", Trigger.WELCOME, Trigger.NEW_COUPON) == 0


@pytest.mark.django_db
def test_a_lost_price_sensitive_customer_gets_the_twenty_percent_coupon(store, visit):
    customer = CustomerFactory(store=store, preferred_channel="sms", preferences=["price_sensitive"])
    _consent(customer)
    visit(customer, "2026-01-01 10:00")
    with time_machine.travel(at("2026-07-02 06:00"), tick=False):
        segments_refresh(store=store)
    assert _run(store, "2026-07-02 07:00", Trigger.LOST) == 1
    firing = Firing.objects.get()
    assert Coupon.objects.get(pk=firing.coupon_id).template.value == 20 and firing.task_id is None


@pytest.mark.django_db
def test_a_lost_customer_with_a_complaint_gets_an_apology_call(store, staff, visit):
    from aftercare.complaints.models import Complaint

    customer = CustomerFactory(store=store, preferred_channel="sms")
    _consent(customer)
    _consent(customer, "marketing_phone")
    visit(customer, "2026-01-01 10:00")
    received = at("2026-01-02 10:00")
    Complaint.objects.create(
        store=store, customer=customer, number="CP1", received_at=received, contact_due_at=received,
        answer_due_at=received, channel="phone", complaint_type="repair_quality", submitted_by=staff["advisor"],
    )  # fmt: skip
    with time_machine.travel(at("2026-07-02 06:00"), tick=False):
        segments_refresh(store=store)
        assert rules_run(store=store, triggers={Trigger.LOST}) == 1
    task = FollowUpTask.objects.get(pk=Firing.objects.get().task_id)
    assert task.kind == "churn" and task.note.endswith(gettext("A complaint within the last year"))


@pytest.mark.django_db(transaction=True)
def test_two_workers_firing_the_same_rule_at_once_fire_it_once(store, sms_customer):
    if connection.vendor != "postgresql":
        pytest.skip("a race between two connections needs PostgreSQL (SQLite serialises writers)")
    rule = next(r for r in rules_ensure(store) if r.trigger == Trigger.BIRTHDAY)
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(
                fire(rule=rule, due=Due(sms_customer, None, "2026", "birthday", {}), now=at("2026-03-15 07:00"))
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r is None for r in results) == [False, True]
    assert Firing.objects.count() == 1 and Coupon.objects.count() == 1 and Message.objects.count() == 1
