"""ROQ: MAX = monthly demand × (cycle + lead + safety), MIN/MAX overrides with who and why,
supplier holidays extending the cycle, and the nightly set-based job."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftercare.parts import services
from aftercare.parts.choices import MovementKind
from aftercare.parts.models import Movement, StockItem, SupplierClosure

from .conftest import OIL_FILTER

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = datetime(2026, 3, 10, 2, 0, tzinfo=SHANGHAI)


def _a_year_of_issues(item, per_month=10):
    """One issue of `per_month` units in each of the last 12 months (written as history)."""
    for months_ago in range(12):
        Movement.objects.create(
            store_id=item.store_id, item=item, kind=MovementKind.ISSUE, quantity=-per_month, unit_cost=30,
            on_hand_after=0, created_at=TODAY - timedelta(days=15 + 30 * months_ago),
        )  # fmt: skip


def test_holiday_extension_adds_one_day_n_days_before_up_to_n_the_day_before(supplier):
    supplier.follows_official_holidays = False
    supplier.save()
    SupplierClosure.objects.create(supplier=supplier, first_day=date(2026, 3, 12), last_day=date(2026, 3, 14))
    extensions = [services.holiday_extension_days(supplier, date(2026, 3, d)) for d in range(7, 13)]
    # 3-day closure from the 12th: 1 day on the 9th, 2 on the 10th, 3 on the 11th; none while closed
    assert extensions == [0, 0, 1, 2, 3, 0]


def test_official_holidays_come_from_the_calendar_package_with_their_days_off(supplier):
    # National Day 2026: 1–7 October; the made-up working days are not closures.
    assert (date(2026, 10, 1), 7) in services.closure_runs(supplier, date(2026, 9, 25))
    assert services.holiday_extension_days(supplier, date(2026, 9, 28)) == 5


def test_roq_on_a_hand_computed_example_with_an_override_and_a_holiday(stock, supplier, clerk, store):
    supplier.follows_official_holidays = False
    supplier.save()
    item = stock(OIL_FILTER, quantity="4")
    _a_year_of_issues(item)
    with time_machine.travel(TODAY, tick=False):
        # 120 issued in 12 months: 10 a month. Cycle 15 + lead 7 + safety 8 = 30 days = 1 month.
        services.reorder_run(store_id=store.pk)
        item.refresh_from_db()
        assert item.monthly_demand == Decimal("10")
        assert (item.min_qty, item.max_qty) == (5, 10)  # MIN = 10 × 15/30
        assert item.suggested_qty == 6  # 4 available < MIN 5: up to MAX 10

        # The supplier closes 3 days from the 12th: two days before, the cycle grows by 2 days.
        SupplierClosure.objects.create(supplier=supplier, first_day=date(2026, 3, 12), last_day=date(2026, 3, 14))
        services.reorder_run(store_id=store.pk)
        item.refresh_from_db()
        assert item.max_qty == 11  # 10 × 32/30 = 10.67, rounded up
        assert item.suggested_qty == 7

        services.stock_override_levels(actor=clerk, item=item, max_qty="20", reason="夏季机滤用量大")
        item.refresh_from_db()
        assert (item.effective_min, item.effective_max) == (5, 20)
        assert item.override_by == clerk and item.override_reason == "夏季机滤用量大"
        assert item.suggested_qty == 16


def test_on_order_and_back_orders_count_towards_the_position(stock, store):
    item = stock(OIL_FILTER, quantity="4")
    _a_year_of_issues(item)
    StockItem.objects.filter(pk=item.pk).update(on_order=2, back_ordered=1)
    with time_machine.travel(TODAY, tick=False):
        services.reorder_run(store_id=store.pk)
    item.refresh_from_db()
    assert item.suggested_qty == 0  # 4 + 2 + 1 = 7 is not below MIN 5


def test_the_nightly_job_reads_only_the_parts_that_changed(stock, store, clerk, catalogue):
    from aftercare.parts.tests.conftest import PADS

    filters, pads = stock(OIL_FILTER, quantity="4"), stock(PADS, quantity="2")
    assert services.reorder_run(store_id=store.pk) == 2
    assert services.reorder_run(store_id=store.pk) == 0
    services.stock_adjust(actor=clerk, item=pads, quantity="1", reason="盘盈")
    assert services.reorder_run(store_id=store.pk) == 1
    assert filters.pk  # untouched


def test_an_override_needs_a_reason_and_max_not_below_min(stock, clerk):
    item = stock(OIL_FILTER, quantity="1")
    with pytest.raises(ValidationError):
        services.stock_override_levels(actor=clerk, item=item, min_qty="5", max_qty="3", reason="试试")
    with pytest.raises(ValidationError):
        services.stock_override_levels(actor=clerk, item=item, min_qty="5", reason="")


def test_reviewed_suggestions_become_draft_orders_per_supplier(stock, store, clerk):
    item = stock(OIL_FILTER, quantity="0")
    StockItem.objects.filter(pk=item.pk).update(suggested_qty=6)
    (order,) = services.orders_from_suggestions(
        actor=clerk, store=store, order_type="regular", quantities={item.pk: "8"}
    )
    assert order.status == "draft" and order.order_type == "regular"
    assert list(order.lines.values_list("quantity", flat=True)) == [8]
    item.refresh_from_db()
    assert item.suggested_qty == 0
    assert timezone.now()
