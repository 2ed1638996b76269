"""A VIC is recognised and served the same at any store of the group (docs/DOMAIN.md §13.3)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from aftercare.core import home
from aftercare.tests.factories import CustomerFactory, VehicleFactory
from aftercare.vic import selectors, services
from aftercare.vic.models import VicVisit

pytestmark = pytest.mark.django_db


def _card(user, store, key):
    rows = home.home_cards(user=user, store=store, roles=user.roles_at(store.pk), now=timezone.now())
    return next(row for row in rows if row["card"].key == key)


def test_a_vic_car_at_another_store_is_recognised_and_the_home_specialist_is_notified(
    store, other_store, vic_customer, specialist, away_staff, open_order, client_for
):
    # The same person is on file at the other store under their own customer number.
    visiting = CustomerFactory(store=other_store, name="王总", mobile=vic_customer.mobile)
    assert selectors.is_vic(visiting)
    assert selectors.vic_enrolment_for(visiting).specialist == specialist

    order = open_order(other_store, VehicleFactory(owner=visiting), advisor=away_staff["advisor"])

    visit = VicVisit.objects.get(repair_order=order)
    assert visit.away and visit.enrolment.store == store
    # Received by a named person: the visited store's own VIC specialist.
    assert visit.received_by == away_staff["vic_specialist"]
    # The home specialist is told on their home page, and it clears once acknowledged.
    assert _card(specialist, store, "vic.away")["total"] == 1
    services.visit_acknowledge(actor=specialist, visit=visit)
    assert _card(specialist, store, "vic.away")["total"] == 0

    # The visited store sees the VIC status and the home specialist on the order and in search.
    advisor = client_for(away_staff["advisor"])
    page = advisor.get(reverse("service:repair_order_detail", args=[order.pk])).content.decode()
    assert 'data-testid="badge-vic"' in page and "李专员" in page
    found = advisor.get(reverse("customers:search"), {"q": visiting.mobile[-4:]}).content.decode()
    assert 'data-testid="badge-vic"' in found


def test_a_vic_order_at_home_is_received_by_the_home_specialist_and_sends_no_notice(
    store, vic_vehicle, specialist, open_order
):
    order = open_order(store, vic_vehicle)
    visit = VicVisit.objects.get(repair_order=order)
    assert not visit.away and visit.received_by == specialist
    assert _card(specialist, store, "vic.away")["total"] == 0
    assert _card(specialist, store, "vic.arrivals")["total"] == 1


def test_an_ordinary_customer_gets_no_visit_and_no_badge(store, open_order, staff, client_for):
    order = open_order(store, VehicleFactory(owner=CustomerFactory(store=store)))
    assert not VicVisit.objects.filter(repair_order=order).exists()
    page = client_for(staff["advisor"]).get(reverse("service:repair_order_detail", args=[order.pk]))
    assert 'data-testid="badge-vic"' not in page.content.decode()


def test_the_customer_and_vehicle_pages_show_the_vic_card_with_home_store_and_specialist_contact(
    store, vic_vehicle, specialist, staff, client_for
):
    advisor = client_for(staff["advisor"])
    for page in (
        reverse("customers:customer_detail", args=[vic_vehicle.owner_id]),
        reverse("customers:vehicle_detail", args=[vic_vehicle.pk]),
    ):
        content = advisor.get(page).content.decode()
        assert 'data-testid="card-vic"' in content
        assert store.name in content and "李专员" in content and 'href="tel:13800001111"' in content


def test_the_customer_and_vehicle_pages_show_no_vic_card_for_an_ordinary_customer(store, staff, client_for):
    vehicle = VehicleFactory(owner=CustomerFactory(store=store))
    advisor = client_for(staff["advisor"])
    for page in (
        reverse("customers:customer_detail", args=[vehicle.owner_id]),
        reverse("customers:vehicle_detail", args=[vehicle.pk]),
    ):
        assert 'data-testid="card-vic"' not in advisor.get(page).content.decode()


def test_an_ended_enrolment_is_no_longer_recognised(vic_customer, manager):
    enrolment = selectors.vic_enrolment_for(vic_customer)
    services.enrolment_end(actor=manager, enrolment=enrolment, reason="车辆已出售")
    assert not selectors.is_vic(vic_customer)


def test_a_customer_of_another_group_with_the_same_mobile_is_not_a_vic(vic_customer):
    from aftercare.tests.factories import DealerGroupFactory, StoreFactory

    far = StoreFactory(group=DealerGroupFactory(code="other", name="别的集团"))
    assert not selectors.is_vic(CustomerFactory(store=far, mobile=vic_customer.mobile))


def test_only_a_manager_enrols_and_only_with_a_vic_specialist_of_the_store(store, staff, specialist):
    customer = CustomerFactory(store=store)
    with pytest.raises(PermissionDenied):
        services.enrol(actor=specialist, customer=customer, specialist=specialist, reason="老客户")
    with pytest.raises(ValidationError) as error:
        services.enrol(actor=staff["service_manager"], customer=customer, specialist=staff["advisor"], reason="x")
    assert "specialist" in error.value.message_dict
    services.enrol(actor=staff["service_manager"], customer=customer, specialist=specialist, reason="老客户")
    with pytest.raises(ValidationError):
        services.enrol(actor=staff["service_manager"], customer=customer, specialist=specialist, reason="again")


def test_the_tier_rule_enrols_member_cards_from_its_tier(store, staff, specialist, manager):
    from aftercare.loyalty.models import MemberCard

    gold, silver = CustomerFactory(store=store), CustomerFactory(store=store)
    for number, (customer, tier) in enumerate(((gold, "gold"), (silver, "silver"))):
        MemberCard.objects.create(
            group=store.group, store=store, customer=customer, number=f"M{number}", tier=tier, issued_by=manager
        )
    services.rule_set(actor=manager, store=store, tier="gold", specialist=specialist)
    assert services.tier_rule_apply(store) == 1
    assert selectors.is_vic(gold) and not selectors.is_vic(silver)
    assert selectors.vic_enrolment_for(gold).source == "tier"
    assert services.tier_rule_apply(store) == 0


def test_the_group_directory_lists_each_stores_specialists_and_phones(
    store, other_store, specialist, away_staff, client_for
):
    page = client_for(specialist).get(reverse("vic:directory"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "李专员" in html and "13800001111" in html and away_staff["vic_specialist"].full_name in html
