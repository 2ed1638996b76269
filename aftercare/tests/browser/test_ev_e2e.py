"""In a real browser: the advisor opens a demo EV's page and sees its battery health as an
ECharts chart (drawn on a canvas) with the forecast, open fault codes and software versions
(docs/DOMAIN.md §17)."""

import random

import pytest
from django.utils import timezone

from aftercare.accounts.roles import Role
from aftercare.ev.demo import FAST, seed_ev
from aftercare.tests.factories import CustomerFactory, MembershipFactory, StoreFactory, UserFactory, VehicleFactory

from .test_parts_e2e import _log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_ev_vehicle_page_draws_the_soh_chart_and_shows_the_forecast(live_server, browser):
    store = StoreFactory(name="天河店", code="th")
    advisor = UserFactory(username="advisor")
    MembershipFactory(user=advisor, store=store, role=Role.ADVISOR)
    car = VehicleFactory(owner=CustomerFactory(store=store, name="李娜"), plate=FAST, powertrain="BEV",
                         brand="广汽本田", model="e:NP2 极湃2")  # fmt: skip
    seed_ev(store, random.Random("ev:th"), timezone.localdate())

    page = _log_in(browser, live_server, "advisor")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/vehicles/{car.pk}/")
    panel = page.get_by_test_id("ev-panel")
    panel.wait_for()
    chart = panel.get_by_test_id("soh-chart")
    page.wait_for_selector("[data-testid=soh-chart][data-rendered='1']", timeout=15000)
    assert chart.locator("canvas").count() >= 1
    box = chart.locator("canvas").first.bounding_box()
    assert box["width"] > 200 and box["height"] > 200
    forecast = panel.get_by_test_id("ev-forecast").inner_text()
    assert "维修阈值" in forecast or "Service threshold" in forecast
    assert panel.get_by_test_id("forecast-service").inner_text()[:2] == "20"
    assert "P1A10" in panel.get_by_test_id("ev-codes").inner_text()
    assert "BMS" in panel.get_by_test_id("ev-versions").inner_text()
    assert errors == []
