"""Warranty pages: the panel on the repair order, the clerk's claim pages, reports, home card, scoping."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from aftercare.warranty import services
from aftercare.warranty.choices import ClaimStatus
from aftercare.warranty.models import Claim
from aftercare.warranty.reports import BUILDERS

pytestmark = pytest.mark.django_db


def test_the_order_panel_shows_one_verdict_per_coverage(staff, client_for, settled_order):
    response = client_for(staff["advisor"]).get(reverse("warranty:order_panel", args=[settled_order.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "First free maintenance" in text or "首保" in text
    assert "build-claim" not in text  # the advisor does not build claims


def test_the_clerk_builds_moves_and_exports_a_claim_from_the_pages(staff, client_for, settled_order):
    client = client_for(staff["warranty_clerk"])
    response = client.post(reverse("warranty:claim_build", args=[settled_order.pk]))
    claim = Claim.objects.get()
    assert response.url == reverse("warranty:claim_detail", args=[claim.pk])
    assert client.get(response.url).status_code == 200
    client.post(reverse("warranty:claim_edit", args=[claim.pk]), {"symptom_code": "S12", "cause_code": "C04"})
    client.post(reverse("warranty:claim_move", args=[claim.pk, "submitted"]), {})
    claim.refresh_from_db()
    assert (claim.symptom_code, claim.status) == ("S12", ClaimStatus.SUBMITTED)
    export = client.get(reverse("warranty:claims_export", args=["csv"]))
    assert claim.number in b"".join(export.streaming_content).decode("utf-8-sig")
    listing = client.get(reverse("warranty:claims"), {"status": "submitted"})
    assert claim.number in listing.content.decode()


def test_every_report_downloads_as_xlsx(staff, client_for, settled_order):
    services.claim_build(actor=staff["warranty_clerk"], order=settled_order)
    client = client_for(staff["service_manager"])
    for kind in BUILDERS:
        response = client.get(reverse("warranty:report_export", args=[kind]))
        assert response.status_code == 200, kind
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_manager_reads_claims_but_cannot_build_one(staff, client_for, settled_order):
    client = client_for(staff["service_manager"])
    assert client.get(reverse("warranty:claims")).status_code == 200
    assert client.post(reverse("warranty:claim_build", args=[settled_order.pk])).status_code == 403


def test_a_claim_of_another_store_is_not_found(staff, client_for, settled_order, other_store):
    from aftercare.tests.factories import MembershipFactory, UserFactory

    claim = services.claim_build(actor=staff["warranty_clerk"], order=settled_order)
    outsider = UserFactory(username="other_clerk")
    MembershipFactory(user=outsider, store=other_store, role="warranty_clerk")
    assert client_for(outsider).get(reverse("warranty:claim_detail", args=[claim.pk])).status_code == 404


def test_the_home_card_flags_a_claim_close_to_its_deadline(staff, store, settled_order):
    from django.utils import timezone

    from aftercare.core.home import HomeContext, registered

    claim = services.claim_build(actor=staff["warranty_clerk"], order=settled_order)
    card = next(c for c in registered() if c.key == "warranty.to_submit")
    now = timezone.now()
    assert claim.flag_from == claim.deadline - timedelta(days=7)
    Claim.objects.filter(pk=claim.pk).update(flag_from=now.date() + timedelta(days=1))
    assert card.count(HomeContext(staff["warranty_clerk"], store, now)) == (1, 0)
    Claim.objects.filter(pk=claim.pk).update(flag_from=now.date())
    assert card.count(HomeContext(staff["warranty_clerk"], store, now)) == (1, 1)


def test_first_free_uptake_lists_who_came_and_who_did_not(staff, store, vehicle, policies):
    from aftercare.warranty.selectors import first_free_not_come, first_free_uptake

    rows = first_free_uptake(store, start=date(2026, 4, 1), end=date(2026, 4, 30))
    assert [(r["vehicle"], r["came"]) for r in rows] == [(vehicle, False)]
    assert first_free_not_come(store, on=date(2026, 4, 1)) == [vehicle]


def test_the_clerk_sets_a_brand_s_claim_deadline_and_sells_an_extended_warranty(staff, client_for, vehicle, policies):
    from aftercare.warranty.models import ExtendedWarranty
    from aftercare.warranty.services import deadline_settings

    client = client_for(staff["warranty_clerk"])
    client.post(reverse("warranty:deadline_save"),
                {"deadline-brand": "广汽本田", "deadline-deadline_days": "45", "deadline-warn_days": "10"})  # fmt: skip
    assert deadline_settings(vehicle.store_id, "广汽本田") == (45, 10)
    assert deadline_settings(vehicle.store_id, "比亚迪") == (30, 7)
    client.post(reverse("warranty:extended_sell", args=[vehicle.pk]), {
        "extended-coverage": "basic", "extended-contract_no": "EW-1", "extended-ends_on": "2031-03-01",
        "extended-km": "150000", "extended-price": "3980", "extended-sold_on": "2026-03-02",
    })  # fmt: skip
    assert ExtendedWarranty.objects.get().contract_no == "EW-1"
    panel = client.get(reverse("warranty:vehicle_panel", args=[vehicle.pk])).content.decode()
    assert "EW-1" in panel


def test_the_clerk_adds_a_policy_on_the_policies_page(staff, client_for):
    from aftercare.warranty.models import WarrantyPolicy

    client = client_for(staff["warranty_clerk"])
    response = client.post(reverse("warranty:policies"),
                           {"brand": "比亚迪", "coverage": "battery", "months": "96", "km": "150000"})  # fmt: skip
    assert response.status_code == 302
    assert WarrantyPolicy.objects.get().brand == "比亚迪"
    assert client_for(staff["advisor"]).get(reverse("warranty:policies")).status_code == 403
