"""The nightly generation is one INSERT ... SELECT per kind: it must make exactly
the tasks the per-customer loop it replaced made (same keys, deadlines, owners,
notes), count them right, and make nothing on a second run."""

import random
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.utils import timezone, translation

from aftercare.core.models import AuditEntry
from aftercare.customers.models import Customer
from aftercare.followups import services, tasks
from aftercare.followups.holidays import HOLIDAY_NAMES, holidays_in_care_window
from aftercare.followups.models import FollowUpRule, FollowUpTask
from aftercare.messaging.services import contact_check
from aftercare.tests.factories import CustomerFactory

from .conftest import aware, callable_customer

FIELDS = ("store_id", "kind", "source_key", "status", "customer_id", "owner_id", "owner_role", "available_at",
          "due_at", "note", "vehicle_id", "repair_order_id", "attempts", "record_status")  # fmt: skip


def _at(day, hour=time(9, 0)):
    return timezone.make_aware(datetime.combine(day, hour))


def _may_call(customer_id) -> bool:
    return contact_check(customer=Customer.objects.get(pk=customer_id), purpose="marketing", channel="phone").allowed


def per_row_churn(store, now) -> set[tuple]:
    """The rows the per-customer loop made (the code before the set-based INSERT)."""
    rule = FollowUpRule.for_store(store)
    cutoff = now - relativedelta(months=rule.churn_months)
    rows = Customer.objects.filter(
        store=store, merged_into__isnull=True, last_visit_at__lt=cutoff,
        last_visit_at__gte=cutoff - relativedelta(months=rule.churn_months),
    ).values_list("id", "last_visit_at")  # fmt: skip
    due_at = now + timedelta(days=rule.churn_call_days)
    return {
        (store.pk, "churn", f"churn:{cid}:{last:%Y%m%d}", "open", cid, None, "customer_care", now, due_at, "", None,
         None, 0, "pending")
        for cid, last in rows
        if _may_call(cid)
    }  # fmt: skip


def per_row_holiday(store, today) -> set[tuple]:
    rule = FollowUpRule.for_store(store)
    made = set()
    for code, day in holidays_in_care_window(today, rule.holiday_days_before):
        since = _at(day) - relativedelta(months=rule.holiday_active_months)
        ids = Customer.objects.filter(store=store, merged_into__isnull=True, last_visit_at__gte=since).values_list(
            "id", flat=True
        )
        available = _at(day - timedelta(days=rule.holiday_days_before))
        due = _at(day - timedelta(days=1), time(18, 0))
        made |= {
            (store.pk, "holiday", f"holiday:{day:%Y%m%d}:{cid}", "open", cid, None, "customer_care", available, due,
             str(HOLIDAY_NAMES[code]), None, None, 0, "pending")
            for cid in ids
            if _may_call(cid)
        }  # fmt: skip
    return made


def _made(**filters) -> set[tuple]:
    return set(FollowUpTask.objects.filter(**filters).values_list(*FIELDS))


@pytest.fixture
def customers(store, other_store):
    """Customers last seen at every hour of the day (night visits have another UTC
    date) over the last 15 months, some merged away, some in another store."""
    rng = random.Random(6)
    start = aware(2025, 5, 1, 0, 0)
    made = []
    for _n in range(400):
        visit = start + timedelta(minutes=rng.randrange(0, 455 * 24 * 60, 7))
        # Most said yes to marketing calls; some said no, some were never asked (docs/DOMAIN.md §2.6).
        granted = rng.choice((True, True, True, True, False, None))
        made.append(callable_customer(granted, store=rng.choice((store, store, other_store)), last_visit_at=visit))
    CustomerFactory(store=store, last_visit_at=None)
    for gone in made[:15]:
        Customer.objects.filter(pk=gone.pk).update(merged_into=made[-1])
    # Exactly on the boundaries of the churn window of the night below.
    night = aware(2026, 9, 18, 6, 0)
    callable_customer(store=store, last_visit_at=night - relativedelta(months=3))
    callable_customer(store=store, last_visit_at=night - relativedelta(months=6))
    return made


@translation.override("en")
def test_the_set_based_generation_makes_exactly_the_tasks_the_per_customer_loop_made(customers, store, other_store):
    night = aware(2026, 9, 18, 6, 0)  # inside the Mid-Autumn care window (25 September 2026)
    today = timezone.localdate(night)
    expected_churn = per_row_churn(store, night)
    expected_holiday = per_row_holiday(store, today)
    assert len(expected_churn) > 20 and len(expected_holiday) > 100
    # Some of them came at night, when the UTC date (which the keys carry) is the day before.
    visits = dict(Customer.objects.values_list("id", "last_visit_at"))
    assert any(f"{visits[r[4]]:%Y%m%d}" != f"{timezone.localtime(visits[r[4]]):%Y%m%d}" for r in expected_churn)

    with time_machine.travel(night, tick=False):
        assert services.followups_generate_churn(store=store, now=night) == len(expected_churn)
        assert services.followups_generate_holiday(store=store, today=today) == len(expected_holiday)

    assert _made(kind="churn") == expected_churn
    assert _made(kind="holiday") == expected_holiday
    audit = AuditEntry.objects.filter(object_repr__startswith="followups:").order_by("id")
    assert [(a.store_id, a.object_repr, a.changes) for a in audit] == [
        (store.pk, "followups:churn", {"created": [0, len(expected_churn)]}),
        (store.pk, "followups:holiday", {"created": [0, len(expected_holiday)]}),
    ]


def test_a_second_run_creates_nothing_and_writes_no_audit_row(customers, store, other_store):
    night = aware(2026, 9, 18, 6, 0)
    with time_machine.travel(night, tick=False):
        first = tasks.generate_scheduled.call()
        audited = AuditEntry.objects.count()
        assert first == FollowUpTask.objects.count() > 0
        assert tasks.generate_scheduled.call() == 0
    assert AuditEntry.objects.count() == audited
    assert _made(store=other_store) == per_row_churn(other_store, night) | per_row_holiday(
        other_store, timezone.localdate(night)
    )


def test_the_next_night_adds_only_the_customers_who_crossed_the_cutoff(customers, store):
    night = aware(2026, 9, 18, 6, 0)
    services.followups_generate_churn(store=store, now=night)
    before = _made(kind="churn")

    next_night = night + timedelta(days=1)
    added = services.followups_generate_churn(store=store, now=next_night)

    new = {row[2] for row in per_row_churn(store, next_night)} - {row[2] for row in before}
    assert added == len(new)
    assert {row[2] for row in _made(kind="churn")} == {row[2] for row in before} | new


def test_the_churn_day_key_follows_the_utc_date_at_every_midnight(store):
    now = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    late = callable_customer(store=store, last_visit_at=datetime(2026, 2, 27, 23, 59, 59, 999999, tzinfo=UTC))
    early = callable_customer(store=store, last_visit_at=datetime(2026, 2, 28, 0, 0, tzinfo=UTC))

    services.followups_generate_churn(store=store, now=now)

    keys = dict(FollowUpTask.objects.values_list("customer_id", "source_key"))
    assert keys == {late.pk: f"churn:{late.pk}:20260227", early.pk: f"churn:{early.pk}:20260228"}


def test_nightly_generation_issues_a_constant_number_of_queries_per_store(
    customers, store, other_store, django_assert_num_queries
):
    night = aware(2026, 9, 18, 6, 0)
    # Per store: the rule and one savepointed INSERT ... SELECT + audit row for
    # churn (5), the rule again and the same for the holiday (5); and the stores.
    with time_machine.travel(night, tick=False), django_assert_num_queries(1 + 2 * 10):
        tasks.generate_scheduled.call()
