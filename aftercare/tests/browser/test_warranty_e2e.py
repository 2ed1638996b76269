"""In a real browser: a car inside its first-free-maintenance window comes in; the advisor sees
its eligibility on the repair order; after settlement the warranty clerk builds the claim from the
order and submits it (docs/DOMAIN.md §14)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aftercare.accounts.roles import Role
from aftercare.catalog.models import LabourOperation, RepairType
from aftercare.core.dates import add_months
from aftercare.service import services as spine
from aftercare.service.models import RepairOrder, StatusChange
from aftercare.tests.factories import (
    CustomerFactory,
    MembershipFactory,
    StoreFactory,
    UserFactory,
    VehicleFactory,
    catalog_for,
)
from aftercare.warranty.choices import Coverage
from aftercare.warranty.models import Claim, WarrantyPolicy

from .test_parts_e2e import _log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reception_shows_first_free_eligibility_and_the_clerk_submits_the_claim(live_server, browser):
    store = StoreFactory(name="天河店", code="th")
    catalog_for(store)
    advisor, clerk = UserFactory(username="advisor"), UserFactory(username="warranty")
    MembershipFactory(user=advisor, store=store, role=Role.ADVISOR)
    MembershipFactory(user=clerk, store=store, role=Role.WARRANTY_CLERK)
    WarrantyPolicy.objects.create(store=store, brand="广汽本田", coverage=Coverage.FIRST_FREE, months=6, km=7500)
    WarrantyPolicy.objects.create(store=store, brand="广汽本田", coverage=Coverage.BASIC, months=36, km=100000)
    bought = add_months(timezone.localdate(), -3)
    vehicle = VehicleFactory(owner=CustomerFactory(store=store, name="王五"), plate="粤A24680", powertrain="ICE",
                             purchase_date=bought, odometer_km=3100)  # fmt: skip
    order = spine.repair_order_open(
        actor=advisor, store=store, vehicle=vehicle, odometer_km=3200, customer_statement="首次保养",
        repair_type=RepairType.objects.effective_for_store(store).get(code="first_free"),
    )  # fmt: skip
    spine.line_add(actor=advisor, order=order, payer="warranty",
                   operation=LabourOperation.objects.effective_for_store(store).get(code="M001"))  # fmt: skip

    desk = _log_in(browser, live_server, "advisor")
    desk.goto(f"{live_server.url}/repair-orders/{order.pk}/")
    verdicts = desk.get_by_test_id("warranty-panel").get_by_test_id("verdicts")
    verdicts.wait_for()
    until = (add_months(bought, 6) - timedelta(days=1)).isoformat()
    assert f"有效期至 {until} 或 7,500 公里" in verdicts.inner_text()
    assert desk.get_by_test_id("override-needed").count() == 0

    # Settled at the cash desk (billing's own tests drive that page).
    RepairOrder.objects.filter(pk=order.pk).update(status="settled")
    StatusChange.objects.create(repair_order=order, from_status="ready", to_status="settled", changed_by=advisor)

    office = _log_in(browser, live_server, "warranty")
    office.goto(f"{live_server.url}/repair-orders/{order.pk}/")
    office.get_by_test_id("build-claim").click()
    office.get_by_test_id("claim-status").wait_for()
    assert office.get_by_test_id("claim-lines").inner_text().count("M001") == 1
    office.get_by_test_id("move-submitted").locator("button").click()
    office.wait_for_load_state()
    assert office.get_by_test_id("claim-status").inner_text() == "已提交"
    assert Claim.objects.get().status == "submitted"
