"""Recommendations at the estimate and in campaign segments (docs/DOMAIN.md §11.7)."""

from datetime import date

import pytest
import time_machine

from aftercare.catalog.models import LabourOperation, PackageJob, PackageJobLine, RepairType
from aftercare.crm.models import RecommendationRule, Segment
from aftercare.crm.recommendations import for_order, for_segment, recommendation_rules_ensure, rule_matches
from aftercare.service.models import RepairOrderLine
from aftercare.service.services import repair_order_open
from aftercare.tests.factories import CustomerFactory, VehicleFactory

from .conftest import at

pytestmark = pytest.mark.django_db

SUMMER = "2026-06-10 10:00"
WINTER = "2026-01-10 10:00"


def package(store, code, name):
    """A group-default package job of one operation (the demo seeds PKG-ECO and PKG-ECON the same way)."""
    periodic = RepairType.objects.effective_for_store(store).get(code="periodic")
    job = PackageJob.objects.create(group=store.group, code=code, name=name, repair_type=periodic)
    PackageJobLine.objects.create(package=job, operation=LabourOperation.objects.get(code="M001", store=None))
    return job


@pytest.fixture
def eco_packages(store, catalogue):
    return package(store, "PKG-ECO", "环保机油保养"), package(store, "PKG-ECON", "经济型保养")


def order_for(store, staff, *, preferences=(), powertrain="ICE", purchase=date(2025, 6, 1), when=WINTER):
    customer = CustomerFactory(store=store, preferences=list(preferences))
    vehicle = VehicleFactory(owner=customer, powertrain=powertrain, purchase_date=purchase)
    periodic = RepairType.objects.effective_for_store(store).get(code="periodic")
    with time_machine.travel(at(when), tick=False):
        return repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle, repair_type=periodic)


def shown(order, when=WINTER):
    with time_machine.travel(at(when), tick=False):
        return {r.rule.code: r for r in for_order(order)}


def test_the_default_rules_are_seeded_once_per_store_as_data(store, other_store):
    rules = recommendation_rules_ensure(store)
    assert [r.code for r in rules] == ["eco_oil", "economy", "ev_battery", "brake_fluid", "summer_ac"]
    RecommendationRule.objects.filter(store=store, code="summer_ac").delete()
    assert len(recommendation_rules_ensure(store)) == 4  # a deleted default stays deleted
    assert len(recommendation_rules_ensure(other_store)) == 5


def test_a_green_minded_customer_is_recommended_eco_oil_with_the_reason(store, staff, eco_packages):
    found = shown(order_for(store, staff, preferences=["eco"]))
    assert found["eco_oil"].item.code == "PKG-ECO" and "环保" in found["eco_oil"].reason
    assert "economy" not in found


def test_a_price_sensitive_customer_is_recommended_the_economy_package(store, staff, eco_packages):
    found = shown(order_for(store, staff, preferences=["price_sensitive"]))
    assert found["economy"].item.code == "PKG-ECON" and "eco_oil" not in found


def test_an_ev_owner_is_recommended_the_battery_check_and_a_petrol_car_is_not(store, staff, eco_packages):
    assert shown(order_for(store, staff, powertrain="BEV"))["ev_battery"].item.code == "V001"
    assert shown(order_for(store, staff, powertrain="PHEV"))["ev_battery"].item.code == "V001"
    assert "ev_battery" not in shown(order_for(store, staff, powertrain="ICE"))


def test_brake_fluid_is_recommended_from_two_years_of_age(store, staff, eco_packages):
    assert "brake_fluid" in shown(order_for(store, staff, purchase=date(2024, 1, 10)))
    assert "brake_fluid" not in shown(order_for(store, staff, purchase=date(2024, 1, 11)))


def test_the_ac_cleaning_is_recommended_in_summer_only(store, staff, eco_packages):
    order = order_for(store, staff, when=SUMMER)
    assert "summer_ac" in shown(order, SUMMER) and "summer_ac" not in shown(order, WINTER)


def test_a_rule_switched_off_or_an_entry_missing_from_the_catalogue_recommends_nothing(store, staff, catalogue):
    order = order_for(store, staff, preferences=["eco"], powertrain="BEV")
    assert "eco_oil" not in shown(order)  # no PKG-ECO in this catalogue
    RecommendationRule.objects.filter(store=store, code="ev_battery").update(enabled=False)
    assert "ev_battery" not in shown(order)


def test_a_tag_condition_is_data_too(store, staff, eco_packages):
    recommendation_rules_ensure(store)
    RecommendationRule.objects.create(
        store=store, code="fleet", tag="车队", item_kind="package", item_code="PKG-ECON", reason="车队客户"
    )
    order = order_for(store, staff)
    assert "fleet" not in shown(order)
    order.customer.tags = ["车队"]
    order.customer.save()
    assert shown(order)["fleet"].reason == "车队客户"


def test_the_advisor_adds_a_recommendation_in_one_click_through_line_add(store, staff, eco_packages, client_for):
    order = order_for(store, staff, preferences=["eco"])
    client = client_for(staff["advisor"])
    panel = client.get(f"/crm/repair-orders/{order.pk}/recommendations/").content.decode()
    assert "客户偏好环保产品" in panel and "PKG-ECO" in panel
    rule = RecommendationRule.objects.get(store=store, code="eco_oil")
    response = client.post(f"/crm/repair-orders/{order.pk}/recommendations/{rule.pk}/add/")
    assert response.status_code == 302
    line = RepairOrderLine.objects.get(repair_order=order)
    assert line.package.code == "PKG-ECO" and line.code == "M001" and line.amount > 0
    order.refresh_from_db()
    assert order.total == line.amount  # priced and totalled by the spine
    assert "PKG-ECO" not in client.get(f"/crm/repair-orders/{order.pk}/recommendations/").content.decode()


def test_the_order_page_loads_the_panel_the_crm_app_registered(store, staff, eco_packages, client_for):
    order = order_for(store, staff, preferences=["eco"])
    page = client_for(staff["advisor"]).get(f"/repair-orders/{order.pk}/").content.decode()
    assert f"/crm/repair-orders/{order.pk}/recommendations/" in page


def test_another_stores_order_is_not_found(store, other_store, staff, eco_packages, client_for):
    from aftercare.tests.factories import MembershipFactory, UserFactory

    stranger = UserFactory(username="stranger")
    MembershipFactory(user=stranger, store=other_store, role="advisor")
    order = order_for(store, staff, preferences=["eco"])
    client = client_for(stranger)
    rule = recommendation_rules_ensure(store)[0]
    assert client.get(f"/crm/repair-orders/{order.pk}/recommendations/").status_code == 404
    assert client.post(f"/crm/repair-orders/{order.pk}/recommendations/{rule.pk}/add/").status_code == 404
    assert not RepairOrderLine.objects.filter(repair_order=order).exists()


def test_a_campaign_segment_shows_how_many_members_each_recommendation_fits(store, eco_packages):
    for preferences in (["eco"], ["eco"], ["price_sensitive"], []):
        CustomerFactory(store=store, preferences=preferences)
    VehicleFactory(owner=CustomerFactory(store=store), powertrain="BEV", purchase_date=date(2025, 1, 1))
    segment = Segment.objects.create(store=store, name="全部", filters={})
    with time_machine.travel(at(WINTER), tick=False):
        counts = {r.rule.code: r.count for r in for_segment(segment)}
    assert counts == {"eco_oil": 2, "economy": 1, "ev_battery": 1}


def test_rule_matches_and_the_segment_query_agree(store, eco_packages):
    rule = RecommendationRule(store=store, code="x", preference="eco", powertrains=["BEV"], min_vehicle_age=1,
                              item_kind="package", item_code="PKG-ECO", reason="r")  # fmt: skip
    customer = CustomerFactory(store=store, preferences=["eco"])
    vehicle = VehicleFactory(owner=customer, powertrain="BEV", purchase_date=date(2024, 1, 1))
    assert rule_matches(rule, customer, vehicle, today=date(2026, 1, 1))
    assert not rule_matches(rule, customer, vehicle, today=date(2024, 6, 1))


def test_the_manager_sees_the_recommendation_rules_and_an_advisor_may_not(store, staff, client_for):
    page = client_for(staff["service_manager"]).get("/crm/recommendations/")
    assert page.status_code == 200 and "PKG-ECO" in page.content.decode()
    assert client_for(staff["advisor"]).get("/crm/recommendations/").status_code == 403


def rule_form(rule, **changes):
    data = {
        "code": rule.code, "enabled": "on" if rule.enabled else "", "preference": rule.preference, "tag": rule.tag,
        "powertrains": rule.powertrains, "min_vehicle_age": rule.min_vehicle_age or "", "months": rule.months,
        "item_kind": rule.item_kind, "item_code": rule.item_code, "reason": rule.reason, "sort_order": rule.sort_order,
    }  # fmt: skip
    return {**data, **changes}


def test_a_manager_edits_and_switches_off_a_rule_and_the_estimate_stops_showing_it(
    store, staff, eco_packages, client_for
):
    from aftercare.core.models import AuditEntry

    order = order_for(store, staff, preferences=["eco"])
    manager = client_for(staff["service_manager"])
    manager.get("/crm/recommendations/")
    rule = RecommendationRule.objects.get(store=store, code="eco_oil")
    response = manager.post(f"/crm/recommendations/{rule.pk}/", rule_form(rule, reason="环保客户：推荐环保保养"))
    assert response.status_code == 302
    panel = client_for(staff["advisor"]).get(f"/crm/repair-orders/{order.pk}/recommendations/").content.decode()
    assert "环保客户：推荐环保保养" in panel
    row = manager.post(f"/crm/recommendations/{rule.pk}/toggle/", headers={"HX-Request": "true"})
    assert row.status_code == 200 and f'id="recommendation-rule-{rule.pk}"' in row.content.decode()
    rule.refresh_from_db()
    assert not rule.enabled
    panel = client_for(staff["advisor"]).get(f"/crm/repair-orders/{order.pk}/recommendations/").content.decode()
    assert "PKG-ECO" not in panel and "环保客户" not in panel
    audits = AuditEntry.objects.filter(object_id=str(rule.pk), action="update").order_by("pk")
    assert [list(a.changes) for a in audits] == [["reason"], ["enabled"]]


def test_a_manager_creates_a_rule_and_a_bad_catalogue_code_is_a_field_error(store, staff, eco_packages, client_for):
    manager = client_for(staff["service_manager"])
    data = {"code": "winter_check", "enabled": "on", "months": ["12", "1"], "item_kind": "operation",
            "item_code": "NOPE-1", "reason": "冬季检查", "sort_order": "9"}  # fmt: skip
    page = manager.post("/crm/recommendations/new/", data)
    assert page.status_code == 200
    assert "item_code" in page.context["form"].errors
    assert "门店目录中没有此代码的有效项目" in page.content.decode()
    assert not RecommendationRule.objects.filter(code="winter_check").exists()
    assert manager.post("/crm/recommendations/new/", {**data, "item_code": "M005"}).status_code == 302
    created = RecommendationRule.objects.get(store=store, code="winter_check")
    assert created.months == [12, 1] and created.enabled


def test_another_stores_rule_is_not_found_for_editing_or_switching(store, other_store, staff, client_for):
    from aftercare.tests.factories import MembershipFactory, UserFactory

    rival = UserFactory(username="rival")
    MembershipFactory(user=rival, store=other_store, role="service_manager")
    rule = recommendation_rules_ensure(store)[0]
    client = client_for(rival)
    assert client.get(f"/crm/recommendations/{rule.pk}/").status_code == 404
    assert client.post(f"/crm/recommendations/{rule.pk}/", rule_form(rule, reason="x")).status_code == 404
    assert client.post(f"/crm/recommendations/{rule.pk}/toggle/").status_code == 404
    rule.refresh_from_db()
    assert rule.enabled and rule.reason != "x"


def test_a_role_without_campaign_management_may_not_edit_rules(store, staff, client_for):
    rule = recommendation_rules_ensure(store)[0]
    advisor = client_for(staff["advisor"])
    assert advisor.get("/crm/recommendations/new/").status_code == 403
    assert advisor.post(f"/crm/recommendations/{rule.pk}/", rule_form(rule, reason="x")).status_code == 403
    assert advisor.post(f"/crm/recommendations/{rule.pk}/toggle/").status_code == 403
