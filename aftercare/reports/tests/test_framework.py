"""The report framework: filters and scoping, totals, drill-down, exports, the group view and the API."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftercare.customers.models import Customer
from aftercare.reports import framework
from aftercare.reports.framework import Chart, Column, Report, ratio
from aftercare.tests.factories import CustomerFactory, DealerGroupFactory, MembershipFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


class NewCustomers(Report):
    """A toy report: customers created per store and day, from the source rows."""

    slug = "test-new-customers"
    title = _("New customers")
    columns = (
        Column("store", _("Store"), kind="text", total=None),
        Column("customers", _("Customers"), drill="customers_behind"),
        Column("share", _("Share"), kind="pct", total=lambda t: ratio(t["customers"], t["customers"])),
    )
    chart = Chart("bar", x="store", series=("customers",))

    def rows(self, f):
        for store in f.stores:
            n = self.customers_behind(f, str(store.pk)).count()
            yield {"key": str(store.pk), "store": store.name, "customers": n, "share": ratio(n, n)}

    def customers_behind(self, f, key):
        ids = [int(key)] if key else f.store_ids
        return Customer.objects.filter(store_id__in=ids, created_at__date__range=(f.start, f.end))


@pytest.fixture(autouse=True)
def toy_report():
    framework.register(NewCustomers)
    yield NewCustomers
    del framework.REPORTS[NewCustomers.slug]


@pytest.fixture
def two_stores(store, other_store):
    for n in range(3):
        CustomerFactory(store=store, name=f"本店{n}")
    CustomerFactory(store=other_store, name="别店")
    return store, other_store


@pytest.fixture
def group_manager(store):
    user = UserFactory(username="group_manager")
    MembershipFactory(user=user, store=None, group=store.group, role="service_manager")
    return user


def url(name="reports:report", **query):
    from urllib.parse import urlencode

    return reverse(name, args=[NewCustomers.slug]) + ("?" + urlencode(query) if query else "")


def test_a_store_manager_sees_only_their_stores(client_for, staff, two_stores):
    page = client_for(staff["service_manager"]).get(url())
    assert page.status_code == 200
    table = page.context["table"]
    assert [r["cells"][0]["text"] for r in table["rows"]] == ["天河店"]
    assert table["totals"][1]["text"] == "3"


def test_a_store_the_user_cannot_see_is_refused_as_a_filter(client_for, staff, two_stores):
    _store, other = two_stores
    page = client_for(staff["service_manager"]).get(url(store=other.pk))
    assert page.status_code == 200
    assert "store" in page.context["form"].errors
    assert page.context["table"] is None


def test_the_drill_down_lists_exactly_the_customers_counted(client_for, staff, two_stores):
    client = client_for(staff["service_manager"])
    page = client.get(url())
    link = page.context["table"]["totals"][1]["link"]
    drill = client.get(link)
    assert drill.status_code == 200
    assert drill.context["count"] == 3
    assert {c.name for c in drill.context["page"]} == {"本店0", "本店1", "本店2"}


def test_exports_have_the_rows_and_the_totals(client_for, staff, two_stores):
    client = client_for(staff["service_manager"])
    text = b"".join(client.get(url(format="csv")).streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert len(lines) == 3
    assert lines[1] == ["天河店", "3", "100.0"]
    assert lines[2][1:] == ["3", "100.0"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(client.get(url(format="xlsx")).streaming_content)))
    assert [list(r) for r in book.active.iter_rows(values_only=True)][1] == ["天河店", 3, 100]


def test_the_page_carries_its_chart_data(client_for, staff, two_stores):
    page = client_for(staff["service_manager"]).get(url())
    assert page.context["chart"]["series"][0]["data"] == [3]
    assert b"echarts.min.js" in page.content


def test_the_group_view_is_only_for_group_roles(client_for, staff, two_stores):
    assert client_for(staff["service_manager"]).get(url("reports:group")).status_code == 403


def test_the_group_view_ranks_every_store_of_the_group(client_for, two_stores, group_manager):
    StoreFactory(name="另一集团的店", group=DealerGroupFactory(code="other", name="别的集团"))
    page = client_for(group_manager).get(url("reports:group"))
    assert page.status_code == 200
    rows = [[c["text"] for c in r["cells"]] for r in page.context["table"]["rows"]]
    assert rows == [["1", "天河店", "3", "100.0%"], ["2", "番禺店", "1", "100.0%"]]


def test_the_api_answers_with_the_same_filters(api_client_for, staff, two_stores):
    client = api_client_for(staff["service_manager"])
    answer = client.get(
        reverse("api-report", args=[NewCustomers.slug]), {"period": "day", "day": date.today().isoformat()}
    )
    assert answer.status_code == 200
    assert answer.json()["rows"] == [
        {"key": str(two_stores[0].pk), "store": "天河店", "customers": 3, "share": "1.0000"}
    ]
    assert answer.json()["totals"]["customers"] == 3
    bad = client.get(
        reverse("api-report", args=[NewCustomers.slug]), {"period": "range", "start": "2026-02-01", "end": "2026-01-01"}
    )
    assert bad.status_code == 400 and "end" in bad.json()
    assert client.get(reverse("api-report-group", args=[NewCustomers.slug])).status_code == 403


def test_the_reports_index_is_in_the_navigation(client_for, staff):
    page = client_for(staff["service_manager"]).get(reverse("reports:index"))
    assert page.status_code == 200
    assert reverse("reports:index") in page.content.decode()
    assert client_for(staff["technician"]).get(reverse("reports:index")).status_code == 403
