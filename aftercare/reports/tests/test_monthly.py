"""The monthly, ABC and CRM-by-store reports: each renders, drills down, exports, rolls up the group
and answers the API; hand-computed figures for the same-day rate, the service profit and the
vehicle class changes (docs/DOMAIN.md §18.7, §18.8)."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from aftercare.customers.models import ClassChange
from aftercare.followups.choices import TaskStatus
from aftercare.reports import framework
from aftercare.reports.figures import figures_materialise
from aftercare.reports.models import ProfitSettings
from aftercare.service.choices import LineKind, Status
from aftercare.service.models import RepairOrder, RepairOrderLine
from aftercare.tests.factories import MembershipFactory, UserFactory

from .conftest import at

pytestmark = pytest.mark.django_db
MINE = [slug for slug in framework.REPORTS if slug.startswith(("m-", "abc-", "crm-"))]
NOVEMBER = {"period": "month", "month": "2026-11"}


@pytest.fixture
def group_manager(store):
    user = UserFactory(username="group_manager")
    MembershipFactory(user=user, store=None, group=store.group, role="service_manager")
    return user


@pytest.fixture
def month(store, staff, make):
    """A few orders, calls, a complaint and a class change in November 2026."""
    customer = make.customer("甲")
    same_day = make.order(customer, "2026-11-03 09:00")
    RepairOrder.objects.filter(pk=same_day.pk).update(closed_at=at("2026-11-03 17:00"), total=Decimal("800.00"))
    next_day = make.order(make.customer("乙"), "2026-11-03 10:00")
    RepairOrder.objects.filter(pk=next_day.pk).update(closed_at=at("2026-11-04 11:00"), total=Decimal("200.00"))
    make.order(make.customer("丙"), "2026-11-05 10:00", status=Status.IN_PROGRESS)
    make.call(customer, "2026-11-06 18:00", status=TaskStatus.DONE, done="2026-11-06 10:00")
    make.call(customer, "2026-11-07 18:00", status=TaskStatus.UNREACHABLE)
    make.complaint(customer, "2026-11-08 10:00")
    vehicle = customer.vehicles.first()
    ClassChange.objects.create(store=store, vehicle=vehicle, field="abc_class", old_value="C", new_value="B",
                               reason="nightly", changed_at=at("2026-11-10 06:30"))  # fmt: skip
    # The updates above bypass the save signals: the nightly recomputation brings the daily figures level.
    figures_materialise(start=date(2026, 11, 1), end=date(2026, 11, 30), store_ids=[store.pk])
    return {"same_day": same_day, "next_day": next_day}


@pytest.mark.parametrize("slug", MINE)
def test_each_report_renders_drills_exports_rolls_up_and_answers_the_api(
    slug, client_for, api_client_for, staff, month, group_manager
):
    client = client_for(staff["service_manager"])
    with time_machine.travel(at("2026-12-02 09:00")):
        page = client.get(reverse("reports:report", args=[slug]), NOVEMBER)
        assert page.status_code == 200, slug
        for link in [c["link"] for c in page.context["table"]["totals"] if c.get("link")]:
            assert client.get(link).status_code == 200
        xlsx = client.get(reverse("reports:report", args=[slug]), {**NOVEMBER, "format": "xlsx"})
        openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
        assert client_for(group_manager).get(reverse("reports:group", args=[slug]), NOVEMBER).status_code == 200
        api = api_client_for(staff["service_manager"]).get(reverse("api-report", args=[slug]), NOVEMBER)
        assert api.status_code == 200, api.content


def _table(client, slug, **query):
    page = client.get(reverse("reports:report", args=[slug]), {**NOVEMBER, **query})
    return page.context["table"], page


def _cells(table, key):
    row = next(r for r in table["rows"] if r["key"] == key)
    return {c["key"]: c["text"] for c in row["cells"]}


def test_same_day_delivery_counts_orders_delivered_the_day_they_were_opened(client_for, staff, month):
    with time_machine.travel(at("2026-12-02 09:00")):
        table, _page = _table(client_for(staff["service_manager"]), "m-same-day-delivery")
    assert _cells(table, "2026-11-03")["rate"] == "100.0%"
    assert _cells(table, "2026-11-04")["same_day"] == "0"
    totals = {c.get("key"): c["text"] for c in table["totals"]}
    assert (totals["delivered"], totals["same_day"], totals["rate"]) == ("2", "1", "50.0%")


def test_service_profit_is_revenue_less_parts_and_labour_cost(client_for, staff, store, month):
    ProfitSettings.objects.create(store=store, labour_cost_per_hour=Decimal("50.00"))
    RepairOrderLine.objects.create(
        repair_order=month["same_day"], kind=LineKind.LABOUR, description="保养工时", hours=Decimal("2.00"),
        unit_price=Decimal("100.00"), amount=Decimal("200.00"),
    )  # fmt: skip
    with time_machine.travel(at("2026-12-02 09:00")):
        table, _page = _table(client_for(staff["service_manager"]), "m-service-profit")
    totals = {c.get("key"): c["text"] for c in table["totals"]}
    # ¥1,000 revenue, no parts issued, 2 FRT hours × ¥50.
    assert (totals["revenue"], totals["labour_cost"], totals["profit"]) == ("1,000.00", "100.00", "900.00")


def test_vehicle_class_changes_count_and_list_the_change(client_for, staff, month):
    client = client_for(staff["service_manager"])
    with time_machine.travel(at("2026-12-02 09:00")):
        counts, _page = _table(client, "abc-vehicle-changes")
        listing, _page = _table(client, "abc-vehicle-change-list")
    assert _cells(counts, "C>B")["vehicles"] == "1"
    [row] = listing["rows"]
    assert [c["text"] for c in row["cells"]][3:6] == ["C", "B", "nightly"]


def test_the_crm_kpis_by_store_give_numerators_and_denominators_in_the_api(api_client_for, staff, month):
    with time_machine.travel(at("2026-12-02 09:00")):
        answer = api_client_for(staff["service_manager"]).get(reverse("api-report", args=["crm-kpis"]), NOVEMBER)
    kpis = {k["key"]: k for k in answer.json()["kpis"]}
    assert (kpis["followup_coverage"]["numerator"], kpis["followup_coverage"]["denominator"]) == (0, 1)
    assert (kpis["complaint_resolution"]["numerator"], kpis["complaint_resolution"]["denominator"]) == (0, 1)


def _drill_counts(client, table):
    """{column key: the number of rows its totals drill-down lists} for each totals cell with a link."""
    return {c["key"]: client.get(c["link"]).context["count"] for c in table["totals"] if c.get("link")}


def test_management_items_count_discounts_additional_work_and_reworks_with_matching_drill_downs(
    client_for, staff, store, month
):
    from aftercare.service.choices import LineStatus
    from aftercare.workshop.models import Job

    RepairOrder.objects.filter(pk=month["same_day"].pk).update(discount_total=Decimal("50.00"))
    RepairOrderLine.objects.create(
        repair_order=month["next_day"], kind=LineKind.OTHER, description="加装脚垫", unit_price=Decimal("120.00"),
        amount=Decimal("120.00"), is_additional=True, status=LineStatus.APPROVED,
    )  # fmt: skip
    washed_twice = RepairOrderLine.objects.create(
        repair_order=month["same_day"], kind=LineKind.LABOUR, description="洗车", hours=Decimal("0.50"),
        unit_price=Decimal("0.00"), amount=Decimal("0.00"),
    )  # fmt: skip
    Job.objects.create(line=washed_twice, repair_order=month["same_day"], store=store, technician=staff["technician"],
                       dispatched_by=staff["service_manager"],
                       rework_count=1)  # fmt: skip
    client = client_for(staff["service_manager"])
    with time_machine.travel(at("2026-12-02 09:00")):
        table, _page = _table(client, "m-management-items")
        drilled = _drill_counts(client, table)
    totals = {c.get("key"): c["text"] for c in table["totals"]}
    assert (totals["deliveries"], totals["discounted"], totals["discount"]) == ("2", "1", "50.00")
    assert (totals["additional"], totals["additional_amount"], totals["reworks"]) == ("1", "120.00", "1")
    assert drilled == {"deliveries": 2, "discounted": 1, "additional": 1, "reworks": 1}


def test_arrivals_by_vehicle_model_count_each_model_and_drill_down_to_its_orders(client_for, staff, month):
    other_car = month["next_day"].vehicle
    type(other_car).objects.filter(pk=other_car.pk).update(brand="东风本田", model="思域")
    client = client_for(staff["service_manager"])
    with time_machine.travel(at("2026-12-02 09:00")):
        table, _page = _table(client, "m-arrivals-by-vehicle")
        civic = _cells(table, "东风本田|思域")
        drilled = _drill_counts(client, table)
        row_link = next(c["link"] for c in next(r for r in table["rows"] if r["key"] == "东风本田|思域")["cells"]
                        if c["key"] == "arrivals")  # fmt: skip
        civic_orders = client.get(row_link).context["count"]
    assert (civic["arrivals"], civic["deliveries"], civic["revenue"]) == ("1", "1", "200.00")
    assert civic_orders == 1
    totals = {c.get("key"): c["text"] for c in table["totals"]}
    assert (totals["arrivals"], totals["deliveries"]) == ("3", "2")
    assert drilled == {"arrivals": 3, "deliveries": 2}


def test_a_manager_sets_the_labour_cost_per_hour_and_the_service_profit_uses_it(client_for, staff, store, month):
    client = client_for(staff["service_manager"])
    url = reverse("reports:labour_cost_edit")
    page = client.get(url)
    assert page.status_code == 200 and page.context["rate"] == Decimal("60.00")
    refused = client.post(url, {"store": store.pk, "labour_cost_per_hour": "-1"})
    assert refused.status_code == 200 and "labour_cost_per_hour" in refused.context["form"].errors
    assert client.post(url, {"store": store.pk, "labour_cost_per_hour": "50"}).status_code == 302
    assert ProfitSettings.objects.get(store=store).labour_cost_per_hour == Decimal("50.00")
    RepairOrderLine.objects.create(
        repair_order=month["same_day"], kind=LineKind.LABOUR, description="保养工时", hours=Decimal("2.00"),
        unit_price=Decimal("100.00"), amount=Decimal("200.00"),
    )  # fmt: skip
    with time_machine.travel(at("2026-12-02 09:00")):
        table, _page = _table(client, "m-service-profit")
    assert {c.get("key"): c["text"] for c in table["totals"]}["labour_cost"] == "100.00"


def test_only_target_setters_set_the_labour_cost_and_only_for_their_stores(client_for, staff, other_store):
    url = reverse("reports:labour_cost_edit")
    assert client_for(staff["advisor"]).get(url).status_code == 403
    answer = client_for(staff["service_manager"]).post(url, {"store": other_store.pk, "labour_cost_per_hour": "10"})
    assert answer.status_code == 200 and "store" in answer.context["form"].errors
    assert not ProfitSettings.objects.exists()
