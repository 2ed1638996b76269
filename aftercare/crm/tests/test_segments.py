"""Lifecycle stage, value tier and ABC class, at each boundary with frozen time (docs/DOMAIN.md §11.1)."""

from decimal import Decimal

import pytest
import time_machine

from aftercare.crm.choices import Dimension, Stage, Tier
from aftercare.crm.models import CrmSettings, CustomerProfile, SegmentChange
from aftercare.crm.segments import segments_refresh
from aftercare.customers.models import ClassChange
from aftercare.tests.factories import CustomerFactory

from .conftest import at

pytestmark = pytest.mark.django_db


def _stage(customer):
    return CustomerProfile.objects.get(pk=customer.pk).stage


def _run(store, when):
    with time_machine.travel(at(when), tick=False):
        return segments_refresh(store=store)


def test_a_first_visit_within_three_months_is_new_and_becomes_regular_after(store, customer, visit):
    visit(customer, "2026-01-10 10:00")
    visit(customer, "2026-04-09 10:00")
    _run(store, "2026-04-10 02:00")
    assert _stage(customer) == Stage.NEW
    _run(store, "2026-04-10 09:59")
    assert _stage(customer) == Stage.NEW
    _run(store, "2026-04-10 10:01")
    assert _stage(customer) == Stage.REGULAR


def test_no_visit_for_exactly_three_months_is_regular_and_one_minute_more_is_at_risk(store, customer, visit):
    visit(customer, "2025-06-01 10:00")
    visit(customer, "2026-01-05 10:00")
    _run(store, "2026-04-05 10:00")
    assert _stage(customer) == Stage.REGULAR
    _run(store, "2026-04-05 10:01")
    assert _stage(customer) == Stage.AT_RISK


def test_no_visit_for_more_than_six_months_is_lost(store, customer, visit):
    visit(customer, "2025-06-01 10:00")
    visit(customer, "2026-01-05 10:00")
    _run(store, "2026-07-05 10:00")
    assert _stage(customer) == Stage.AT_RISK
    _run(store, "2026-07-05 10:01")
    assert _stage(customer) == Stage.LOST


def test_a_lost_customer_who_comes_back_is_regular_again_with_each_change_in_the_history(store, customer, visit):
    visit(customer, "2025-01-05 10:00")
    _run(store, "2025-03-01 02:00")
    _run(store, "2025-12-01 02:00")
    visit(customer, "2025-12-02 10:00")
    _run(store, "2025-12-03 02:00")
    stages = list(
        SegmentChange.objects.filter(customer=customer, dimension=Dimension.STAGE)
        .order_by("changed_at")
        .values_list("old_value", "new_value", "changed_by")
    )
    assert stages == [("", Stage.NEW, None), (Stage.NEW, Stage.LOST, None), (Stage.LOST, Stage.REGULAR, None)]


def test_spend_above_ten_thousand_in_twelve_months_is_high_value_and_falls_back_when_it_leaves(store, customer, visit):
    visit(customer, "2025-03-01 10:00", total="10000.00")
    _run(store, "2025-03-02 02:00")
    assert CustomerProfile.objects.get(pk=customer.pk).tier == Tier.ORDINARY  # not above
    visit(customer, "2025-03-05 10:00", total="0.01")
    _run(store, "2025-03-06 02:00")
    profile = CustomerProfile.objects.get(pk=customer.pk)
    assert (profile.tier, profile.spend) == (Tier.HIGH, Decimal("10000.01"))
    _run(store, "2026-03-01 09:59")
    assert CustomerProfile.objects.get(pk=customer.pk).tier == Tier.HIGH
    _run(store, "2026-03-02 02:00")  # the ¥10,000 order left the window
    assert CustomerProfile.objects.get(pk=customer.pk).tier == Tier.ORDINARY
    reasons = SegmentChange.objects.filter(customer=customer, dimension=Dimension.TIER).values_list("reason", flat=True)
    assert len(reasons) == 2


def test_thresholds_are_per_store(store, customer, visit):
    CrmSettings.objects.update_or_create(store=store, defaults={"high_value_spend": Decimal("400.00")})
    visit(customer, "2026-03-01 10:00", total="500.00")
    _run(store, "2026-03-02 02:00")
    assert CustomerProfile.objects.get(pk=customer.pk).tier == Tier.HIGH


def test_abc_class_follows_spend_or_visits_for_customer_and_vehicle_as_system_changes(store, customer, visit):
    order = visit(customer, "2026-03-01 10:00", total="3000.00")
    _run(store, "2026-03-02 02:00")
    customer.refresh_from_db()
    order.vehicle.refresh_from_db()
    assert (customer.abc_class, order.vehicle.abc_class) == ("B", "B")
    for day in ("03", "04", "05"):
        visit(customer, f"2026-03-{day} 10:00", total="10.00")
    _run(store, "2026-03-06 02:00")
    customer.refresh_from_db()
    assert customer.abc_class == "A"
    changes = ClassChange.objects.filter(customer=customer).order_by("id")
    assert [(c.old_value, c.new_value, c.changed_by_id) for c in changes] == [("", "B", None), ("B", "A", None)]
    assert "3030.00" in changes[1].reason


def test_a_class_set_by_a_person_is_left_by_the_nightly_rule(store, staff, customer, visit, api_client_for):
    visit(customer, "2026-03-01 10:00", total="50.00")
    with time_machine.travel(at("2026-03-01 12:00"), tick=False):
        response = api_client_for(staff["service_manager"]).patch(
            f"/api/v1/customers/{customer.pk}/", {"abc_class": "A", "class_change_reason": "大客户"}, format="json"
        )
    assert response.status_code == 200 and response.json()["abc_class"] == "A"
    change = ClassChange.objects.get(customer=customer)
    assert (change.new_value, change.changed_by, change.reason) == ("A", staff["service_manager"], "大客户")
    _run(store, "2026-03-02 02:00")
    customer.refresh_from_db()
    assert customer.abc_class == "A"


def test_a_second_run_changes_nothing_and_reads_only_what_changed(store, customer, visit):
    others = CustomerFactory.create_batch(5, store=store)
    for other in others:
        visit(other, "2026-02-01 10:00")
    visit(customer, "2026-02-01 10:00")
    first = _run(store, "2026-02-02 02:00")
    assert first.full and first.customers_read == 6 and first.stage_changes == 6
    visit(customer, "2026-02-02 10:00")
    second = _run(store, "2026-02-03 02:00")
    assert not second.full and second.customers_read == 1 and second.stage_changes == 0
    assert SegmentChange.objects.count() == 6
    # The five crossed the at-risk boundary; the sixth, seen since, is no longer new.
    crossing = _run(store, "2026-05-02 02:00")
    assert crossing.customers_read == 6 and crossing.stage_changes == 6
    stages = dict(CustomerProfile.objects.values_list("pk", "stage"))
    assert stages.pop(customer.pk) == Stage.REGULAR and set(stages.values()) == {Stage.AT_RISK}
    assert _run(store, "2026-05-02 09:00").customers_read == 0
