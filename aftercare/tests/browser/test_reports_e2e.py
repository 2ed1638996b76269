"""In a real browser: the service manager opens the daily report, clicks a number, lands on the orders
behind it, then opens last month's CRM report and downloads it as PDF (docs/DOMAIN.md §18.3, §18.6).
The PDF's first page is rendered to an image and looked at: it is not blank and reads in Chinese."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pypdfium2
import pytest
from django.utils import timezone

from aftercare.catalog.models import RepairType
from aftercare.followups.choices import Kind, TaskStatus
from aftercare.followups.models import FollowUpTask
from aftercare.reports.crm_report import crm_report_generate, previous_month
from aftercare.reports.figures import figures_materialise
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for
from aftercare.tests.otp import browser_second_factor

from .test_login_e2e import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def morning(store, staff):
    """An order opened this morning, and last month's CRM report with a call not made."""
    catalog_for(store)
    customer = CustomerFactory(store=store, name="陈晓")
    today = timezone.localdate()
    order = RepairOrder.objects.create(
        store=store, number="RO-E2E-0001", status=Status.IN_PROGRESS, customer=customer,
        vehicle=VehicleFactory(owner=customer, store=store), advisor=staff["advisor"],
        repair_type=RepairType.objects.effective_for_store(store).get(code="periodic"),
        opened_at=timezone.make_aware(datetime.combine(today, time(8, 30))), total=Decimal("680.00"),
        customer_total=Decimal("680.00"),
    )  # fmt: skip
    figures_materialise(start=today, end=today, store_ids=[store.pk])
    month = previous_month(today)
    due = timezone.make_aware(datetime.combine(month.replace(day=10), time(18, 0)))
    FollowUpTask.objects.create(
        store=store, kind=Kind.MAINTENANCE, source_key="e2e", status=TaskStatus.OPEN, customer=customer,
        owner=staff["customer_care"], available_at=due - timedelta(days=2), due_at=due,
    )  # fmt: skip
    report, _added = crm_report_generate(store=store, month=month)
    return order, report


def test_the_manager_drills_from_the_daily_report_to_the_orders_and_downloads_the_crm_report_pdf(
    live_server, browser, staff, store, morning, tmp_path
):
    order, report = morning
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "service_manager")
    page.fill("#id_password", "Secret-pass-2026")
    page.click("button[type=submit]")
    browser_second_factor(page, staff["service_manager"])
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/reports/daily/")
    arrivals = page.locator("[data-testid=report-table] tr[data-row=arrivals] td[data-col=day] a[data-testid=drill]")
    assert arrivals.inner_text() == "1"
    arrivals.click()
    page.wait_for_load_state()
    assert "1" in page.get_by_test_id("drill-count").inner_text()
    assert order.number in page.get_by_test_id("drill-table").inner_text()

    page.goto(f"{live_server.url}/reports/")
    page.get_by_test_id("crm-report-link").click()
    page.wait_for_load_state()
    assert page.locator(f"[data-version='{report.version}']").count() == 1
    assert page.locator("tr[data-kpi=followup_coverage]").inner_text().count("0 / 1") == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "crm-report.png"), full_page=True)
    with page.expect_download() as download_info:
        page.locator("[data-download=pdf]").click()
    path = tmp_path / "crm.pdf"
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    pdf = pypdfium2.PdfDocument(str(path))
    text = pdf[0].get_textpage().get_text_range()
    assert store.name in text and "回访覆盖率" in text
    image = pdf[0].render(scale=1).to_pil()
    image.save(SCREENSHOTS / "crm-report-pdf.png")
    # Not a blank page: some pixels are ink.
    assert image.convert("L").getextrema()[0] < 100
    context.close()
