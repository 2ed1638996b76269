"""The daily reports and targets (docs/DOMAIN.md §18.3, §18.4): drill-down equals the number, scoping,
the group view, targets against results, exports with flat memory, the API."""

import io
import tracemalloc
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from aftercare.reports.figures import figures_materialise
from aftercare.reports.framework import get_report, resolve_filters
from aftercare.reports.models import Target
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.tests.factories import CustomerFactory, MembershipFactory, UserFactory, VehicleFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 10)
COUNTS = {"arrivals", "deliveries", "same_day_deliveries", "open_orders", "new_customers", "jobs_finished"}


def at(text):
    return timezone.make_aware(datetime.fromisoformat(text))


@pytest.fixture
def history(store, other_store, make_order):
    """Orders in both stores over three days, some delivered, then the figures materialised."""
    orders = []
    other_manager = UserFactory(username="other_manager")
    MembershipFactory(user=other_manager, store=other_store, role="service_manager")
    for n, (the_store, opened, closed) in enumerate(
        [
            (store, "2026-03-08 09:00", "2026-03-08 17:00"),
            (store, "2026-03-09 09:00", "2026-03-10 11:00"),
            (store, "2026-03-10 09:00", None),
            (store, "2026-03-10 10:00", "2026-03-10 16:00"),
            (other_store, "2026-03-10 09:00", "2026-03-10 12:00"),
        ]
    ):
        vehicle = None
        if the_store != store:
            vehicle = VehicleFactory(owner=CustomerFactory(store=the_store), plate=f"粤B{n:05d}", odometer_km=None)
        order = make_order(
            the_store=the_store, the_vehicle=vehicle, actor=None if the_store == store else other_manager
        )
        RepairOrder.objects.filter(pk=order.pk).update(
            opened_at=at(opened),
            closed_at=at(closed) if closed else None,
            status=Status.DELIVERED if closed else Status.IN_PROGRESS,
        )
        orders.append(order)
    figures_materialise(start=date(2026, 3, 1), end=DAY)
    return orders


@pytest.fixture
def group_manager(store):
    user = UserFactory(username="group_boss")
    MembershipFactory(user=user, store=None, group=store.group, role="service_manager")
    return user


def cells(page):
    return {r["key"]: {c["key"]: c for c in r["cells"]} for r in page.context["table"]["rows"]}


@time_machine.travel("2026-03-10 20:00 +0800", tick=False)
def test_every_drill_down_lists_as_many_orders_as_the_number_says(client_for, staff, history):
    client = client_for(staff["service_manager"])
    checked = 0
    for slug, query in [
        ("daily", {"period": "day", "day": "2026-03-10"}),
        ("arrivals", {"period": "month", "month": "2026-03"}),
        ("revenue", {"period": "month", "month": "2026-03"}),
        ("advisor-performance", {"period": "month", "month": "2026-03"}),
    ]:
        page = client.get(reverse("reports:report", args=[slug]), query)
        assert page.status_code == 200, slug
        rows = page.context["table"]["rows"] + [{"cells": page.context["table"]["totals"], "key": ""}]
        for row in rows:
            by_key = {c.get("key"): c for c in row["cells"]}
            for cell in row["cells"]:
                if not cell.get("link"):
                    continue
                drill = client.get(cell["link"])
                assert drill.status_code == 200
                what = row["key"] if slug == "daily" else cell["key"]
                if what in COUNTS:
                    assert f"{drill.context['count']:,}" == cell["text"], (slug, row["key"], cell)
                    checked += 1
                if what == "revenue" and slug != "daily":
                    total = sum(o.total for o in drill.context["listing"].queryset)
                    assert f"{total:,.2f}" == by_key["revenue"]["text"], (slug, row["key"])
                    checked += 1
    assert checked >= 10


@time_machine.travel("2026-03-10 20:00 +0800", tick=False)
def test_the_daily_report_shows_the_day_and_the_month_so_far(client_for, staff, history):
    page = client_for(staff["service_manager"]).get(reverse("reports:report", args=["daily"]))
    rows = cells(page)
    assert rows["arrivals"]["day"]["text"] == "2" and rows["arrivals"]["mtd"]["text"] == "4"
    assert rows["deliveries"]["day"]["text"] == "2" and rows["deliveries"]["mtd"]["text"] == "3"
    assert rows["open_orders"]["day"]["text"] == "1"
    assert page.context["cumulative_arrivals"] == 4


@time_machine.travel("2026-03-10 20:00 +0800", tick=False)
def test_a_manager_sets_targets_and_sees_the_gap(client_for, staff, store, history):
    client = client_for(staff["service_manager"])
    answer = client.post(
        reverse("reports:targets_edit"),
        {"store": store.pk, "month": "2026-03", "t_arrivals": "10", "t_satisfaction": "90", "t_revenue": "bad"},
    )
    assert answer.status_code == 200 and "t_revenue" in answer.context["form"].errors
    answer = client.post(
        reverse("reports:targets_edit"),
        {"store": store.pk, "month": "2026-03", "t_arrivals": "10", "t_satisfaction": "90"},
    )
    assert answer.status_code == 302
    assert Target.objects.get(store=store, key="satisfaction").value == Decimal("0.9000")
    page = client.get(answer["Location"])
    rows = cells(page)
    assert rows["arrivals"]["actual"]["text"] == "4" and rows["arrivals"]["gap"]["text"] == "-6"
    assert rows["arrivals"]["progress"]["text"] == "40.0%"
    daily = cells(client.get(reverse("reports:report", args=["daily"])))
    assert daily["arrivals"]["target"]["text"] == "10" and daily["arrivals"]["gap"]["text"] == "6"


def test_only_managers_set_targets_and_only_for_their_stores(client_for, staff, store, other_store):
    assert client_for(staff["advisor"]).get(reverse("reports:targets_edit")).status_code == 403
    answer = client_for(staff["service_manager"]).post(
        reverse("reports:targets_edit"), {"store": other_store.pk, "month": "2026-03", "t_arrivals": "10"}
    )
    assert answer.status_code == 200 and "store" in answer.context["form"].errors
    assert not Target.objects.exists()


def test_the_group_sets_targets_for_all_its_stores(client_for, store, other_store, group_manager):
    group_manager_perm = client_for(group_manager).post(
        reverse("reports:targets_edit"), {"store": store.pk, "month": "2026-03", "t_arrivals": "30", "all_stores": "1"}
    )
    assert group_manager_perm.status_code == 302
    assert set(Target.objects.values_list("store_id", flat=True)) == {store.pk, other_store.pk}


@time_machine.travel("2026-03-10 20:00 +0800", tick=False)
def test_a_store_manager_sees_their_store_and_the_group_ranks_all(client_for, staff, store, history, group_manager):
    client = client_for(staff["service_manager"])
    page = client.get(reverse("reports:report", args=["arrivals"]))
    assert [s.pk for s in page.context["filters"].stores] == [store.pk]
    assert client.get(reverse("reports:group", args=["arrivals"])).status_code == 403
    group = client_for(group_manager).get(reverse("reports:group", args=["arrivals"]))
    ranked = [[c["text"] for c in r["cells"][:3]] for r in group.context["table"]["rows"]]
    assert ranked == [["1", "天河店", "4"], ["2", "番禺店", "1"]]


@time_machine.travel("2026-03-10 20:00 +0800", tick=False)
def test_the_api_gives_each_report_with_the_page_filters(api_client_for, staff, history, group_manager):
    client = api_client_for(staff["service_manager"])
    answer = client.get(reverse("api-report", args=["daily"]), {"period": "day", "day": "2026-03-10"})
    assert answer.status_code == 200
    rows = {r["key"]: r for r in answer.json()["rows"]}
    assert rows["arrivals"]["day"] == 2 and rows["arrivals"]["mtd"] == 4
    assert client.get(reverse("api-report", args=["nope"])).status_code == 404
    assert client.get(reverse("api-report", args=["daily"]), {"day": "yesterday"}).status_code == 400
    group = api_client_for(group_manager).get(reverse("api-report-group", args=["revenue"]), {"month": "2026-03"})
    assert [r["rank"] for r in group.json()["rows"]] == [1, 2]


def test_a_large_months_export_keeps_memory_flat(staff, store, monkeypatch):
    """A drill-down export streams from the cursor to the file chunk by chunk: four times the
    orders of a month need no more memory (building the rows first would need four times as much)."""
    from aftercare.catalog.models import RepairType
    from aftercare.core import exports as writers
    from aftercare.reports import drill
    from aftercare.service.selectors import orders_opened
    from aftercare.tests.factories import catalog_for

    monkeypatch.setattr(drill, "WRITE_CHUNK_ROWS", 100)
    monkeypatch.setattr(writers, "WRITE_CHUNK_ROWS", 100)
    catalog_for(store)
    customer = CustomerFactory(store=store)
    vehicle = VehicleFactory(owner=customer, plate="粤A00001")
    repair_type = RepairType.objects.effective_for_store(store).first()
    base = at("2026-03-01 09:00")

    def add(count, start):
        RepairOrder.objects.bulk_create(
            RepairOrder(store=store, number=f"R{i:07d}", customer=customer, vehicle=vehicle, repair_type=repair_type,
                        advisor=staff["advisor"], opened_at=base + timedelta(minutes=i), total=Decimal("100.00"))
            for i in range(start, start + count)
        )  # fmt: skip

    def peak(fmt):
        listing = drill.drill_listing(
            orders_opened(store_ids=[store.pk], start=date(2026, 3, 1), end=date(2026, 3, 31)), staff["service_manager"]
        )
        tracemalloc.start()
        try:
            response = writers.export_response(
                fmt, "x." + fmt, [str(h) for h in listing.headers], listing.export_rows()
            )
            content = b"".join(response.streaming_content)
            return tracemalloc.get_traced_memory()[1], content
        finally:
            tracemalloc.stop()

    add(500, 0)
    for fmt in ("csv", "xlsx"):
        peak(fmt)  # first use: translations, imports
    small = {fmt: peak(fmt)[0] for fmt in ("csv", "xlsx")}
    add(1500, 500)
    large, content = peak("xlsx")
    assert openpyxl.load_workbook(io.BytesIO(content), read_only=True).active.max_row == 2001
    assert large < small["xlsx"] * 1.25 + 32 * 1024, (small, large)
    large_csv, content = peak("csv")
    assert content.decode("utf-8-sig").count("\n") == 2001
    assert large_csv < small["csv"] * 1.25 + 32 * 1024, (small, large_csv)


def test_the_filters_refuse_a_range_backwards_or_too_long(staff):
    report = get_report("arrivals")
    form, f = resolve_filters(
        staff["service_manager"], {"period": "range", "start": "2026-03-01", "end": "2020-01-01"}, report
    )
    assert f is None and "end" in form.errors
    form, f = resolve_filters(
        staff["service_manager"], {"period": "range", "start": "2020-01-01", "end": "2026-03-01"}, report
    )
    assert f is None and "end" in form.errors


def test_a_manager_imports_targets_from_a_spreadsheet(client_for, staff, store, other_store):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(staff["service_manager"])
    text = (
        "门店代码,月份,指标,目标值\nth,2026-03,revenue,500000\nth,2026-03,满意度,92\n"
        "py,2026-03,revenue,1\nth,2026-3x,arrivals,5\n"
    )
    upload = SimpleUploadedFile("targets.csv", text.encode("utf-8-sig"), content_type="text/csv")
    preview = client.post(reverse("reports:target_import"), {"kind": "targets", "file": upload, "mode": "valid_rows"})
    assert preview.status_code == 302, preview.content[:500]
    result = client.post(reverse("reports:target_import_run"), {"mode": "valid_rows"})
    assert result.status_code == 302
    stored = dict(Target.objects.values_list("key", "value"))
    assert stored == {"revenue": Decimal("500000.0000"), "satisfaction": Decimal("0.9200")}
    assert not Target.objects.filter(store=other_store).exists()
