"""The daily figures (docs/DOMAIN.md §18.3): equal to the source after the services' writes and after
the nightly recomputation; idempotent; the check finds and alerts on a difference."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from aftercare.billing import services as billing
from aftercare.core.models import BackgroundAlert
from aftercare.reports import tasks
from aftercare.reports.figures import figures_check, figures_materialise
from aftercare.reports.models import DailyFigure, DailyPersonFigure
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.workshop.models import Job, JobClock

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 10)


def at(text: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(text))


def pay(staff, order, amount, method="wechat"):
    billing.payment_post(actor=staff["cashier"], order=order, method=method, amount=Decimal(amount))


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_the_figures_follow_the_services_writes(
    staff, store, make_order, signature, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order()
        waiting = make_order()
    with django_capture_on_commit_callbacks(execute=True):
        pay(staff, order, "100.00", method="cash")
        pay(staff, order, order.customer_total - Decimal("100.00"))
    with django_capture_on_commit_callbacks(execute=True):
        billing.repair_order_deliver(actor=staff["advisor"], order=order, signature=signature)
    order.refresh_from_db()
    figure = DailyFigure.objects.get(store=store, day=TODAY)
    assert (figure.arrivals, figure.deliveries, figure.same_day_deliveries, figure.open_orders) == (2, 1, 1, 1)
    assert figure.revenue == order.total
    assert (figure.revenue_labour, figure.revenue_parts, figure.revenue_other) == (
        order.labour_total,
        order.parts_total,
        order.other_total,
    )
    assert figure.payments == {"cash": "100.00", "wechat": str(order.customer_total - Decimal("100.00"))}
    assert figure.payments_total == order.customer_total
    advisor = DailyPersonFigure.objects.get(store=store, day=TODAY, role="advisor", person=order.advisor)
    assert (advisor.arrivals, advisor.deliveries, advisor.revenue) == (2, 1, order.total)
    assert figures_check(day=TODAY) == []
    assert waiting.status == Status.READY


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_a_day_touched_in_a_rolled_back_transaction_is_refreshed_by_the_next_commit(
    store, make_order, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        make_order()
        transaction.set_rollback(True)
    with django_capture_on_commit_callbacks(execute=True):
        make_order()
    assert DailyFigure.objects.get(store=store, day=TODAY).arrivals == 1


def test_a_clock_across_midnight_counts_on_both_days(staff, store, make_order):
    order = make_order(status=Status.IN_PROGRESS)
    line = order.lines.filter(kind="labour").first()
    job = Job.objects.create(
        line=line, repair_order=order, store=store, technician=staff["technician"], dispatched_by=staff["foreman"]
    )
    JobClock.objects.create(job=job, technician=staff["technician"], started_at=at("2026-03-09 22:00"),
                            ended_at=at("2026-03-10 01:30"))  # fmt: skip
    figures_materialise(start=date(2026, 3, 9), end=date(2026, 3, 10), store_ids=[store.pk])
    hours = dict(DailyFigure.objects.filter(store=store).values_list("day", "clocked_hours"))
    assert hours == {date(2026, 3, 9): Decimal("2.00"), date(2026, 3, 10): Decimal("1.50")}
    tech = DailyPersonFigure.objects.get(store=store, day=date(2026, 3, 9), role="technician")
    assert (tech.person_id, tech.available_hours) == (staff["technician"].pk, Decimal("8.00"))


def test_orders_not_yet_delivered_are_counted_at_each_days_end(store, make_order):
    first, second = make_order(), make_order()
    RepairOrder.objects.filter(pk=first.pk).update(opened_at=at("2026-03-01 09:00"))
    RepairOrder.objects.filter(pk=second.pk).update(
        opened_at=at("2026-03-02 09:00"), closed_at=at("2026-03-03 17:00"), status=Status.DELIVERED
    )
    figures_materialise(start=date(2026, 3, 1), end=date(2026, 3, 4), store_ids=[store.pk])
    open_orders = list(DailyFigure.objects.filter(store=store).order_by("day").values_list("open_orders", flat=True))
    assert open_orders == [1, 2, 1, 1]


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_the_nightly_job_puts_right_what_was_changed_behind_the_services_back(staff, store, make_order):
    order = make_order()
    pay(staff, order, "50.00", method="cash")
    tasks.figures_nightly.call()
    before = list(DailyFigure.objects.filter(store=store).order_by("day").values())
    assert figures_check(day=TODAY) == []
    # An update that sends no signal: the stored figures go stale, the check sees it and alerts.
    RepairOrder.objects.filter(pk=order.pk).update(opened_at=at("2026-03-09 10:00"))
    assert any("arrivals" in p for p in figures_check(day=TODAY))
    assert tasks.figures_check_nightly.call() > 0  # it checks yesterday, where the order now belongs
    assert BackgroundAlert.objects.filter(subject__contains="2026-03-09").exists()
    tasks.figures_nightly.call()
    assert figures_check(day=TODAY) == [] and figures_check(day=date(2026, 3, 9)) == []
    tasks.figures_nightly.call()  # idempotent: a second run changes nothing
    after = list(DailyFigure.objects.filter(store=store).order_by("day").values())
    assert len(after) == len(before)
    assert [r["arrivals"] for r in after if r["day"] == TODAY] == [0]
