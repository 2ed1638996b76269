"""The reports' demo: a year of history behind the figures, and last month misses two targets."""

import random
from datetime import date

import pytest
import time_machine

from aftercare.demo.customers import build_customers
from aftercare.reports.daily import Targets
from aftercare.reports.demo import seed_report_histories, seed_reports
from aftercare.reports.figures import figures_check
from aftercare.reports.framework import Filters
from aftercare.reports.models import DailyFigure, Target

pytestmark = pytest.mark.django_db


def _register(store, count):
    build_customers(store=store, rng=random.Random(2), count=count, advisor_ids=[], today=date(2026, 12, 6))


@time_machine.travel("2026-12-06 10:00 +0800", tick=False)
def test_the_demo_has_a_year_of_figures_and_last_month_misses_two_targets(staff, store, vehicle, catalogue):
    made = seed_report_histories([store], random.Random(1), date(2026, 12, 6), _register)
    seed_reports([store], date(2026, 12, 6))
    assert made > 2000
    days = DailyFigure.objects.filter(store=store, arrivals__gt=0)
    assert days.count() > 300 and min(days.values_list("day", flat=True)) <= date(2025, 12, 10)
    assert figures_check(day=date(2026, 11, 30), store_ids=[store.pk]) == []
    assert Target.objects.filter(store=store).values("month").distinct().count() == 12
    report = Targets()
    month = Filters(user=staff["service_manager"], stores=(store,), period="month", start=date(2026, 11, 1),
                    end=date(2026, 11, 30))  # fmt: skip
    missed = sorted(r["key"] for r in report.rows(month) if r["met"] is False)
    assert missed == ["arrivals", "revenue"]
    before = Filters(user=staff["service_manager"], stores=(store,), period="month", start=date(2026, 10, 1),
                     end=date(2026, 10, 31))  # fmt: skip
    assert all(r["met"] for r in report.rows(before))
