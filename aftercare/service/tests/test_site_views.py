"""The site-work card of the order's page (docs/DOMAIN.md §17.9): the advisor makes an EV's order
site work, the technician ticks the kit, the customer signs the wall-box acceptance."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from aftercare.catalog.models import LabourOperation, Van
from aftercare.service import services
from aftercare.service.choices import Status
from aftercare.service.models import SiteVisit
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for

pytestmark = pytest.mark.django_db

SIGNATURE = "data:image/png;base64,iVBORw0KGgo="
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ADDRESS = "广州市天河区体育西路100号"
# The site card: session, user and roles, the order, its site visit, kit, survey photos, photos, vans (12 measured).
QUERIES = 12


@pytest.fixture
def ev_order(staff, store):
    catalog_for(store)
    vehicle = VehicleFactory(owner=CustomerFactory(store=store), powertrain="BEV", plate="粤AD54321")
    return services.repair_order_open(
        actor=staff["advisor"], store=store, vehicle=vehicle, promised_at=timezone.now() + timedelta(hours=5)
    )


def _add(staff, order, code):
    op = LabourOperation.objects.effective_for_store(order.store).get(code=code)
    services.line_add(actor=staff["advisor"], order=order, operation=op)


def test_the_order_page_loads_the_site_card_only_for_a_plug_in_car(client_for, staff, store, ev_order):
    client = client_for(staff["advisor"])
    page = client.get(reverse("service:repair_order_detail", args=[ev_order.pk])).content.decode()
    assert reverse("service:site_panel", args=[ev_order.pk]) in page
    panel = client.get(reverse("service:site_panel", args=[ev_order.pk])).content.decode()
    assert 'data-testid="site-panel"' in panel and 'name="site-address"' in panel
    ice = services.repair_order_open(
        actor=staff["advisor"], store=store, vehicle=VehicleFactory(owner=CustomerFactory(store=store))
    )
    assert (
        reverse("service:site_panel", args=[ice.pk])
        not in client.get(reverse("service:repair_order_detail", args=[ice.pk])).content.decode()
    )


def test_the_advisor_makes_the_order_wall_box_work_and_records_the_survey(client_for, staff, store, ev_order):
    client = client_for(staff["advisor"])
    van = Van.objects.get(store=store, code="V02")
    client.post(
        reverse("service:site_visit", args=[ev_order.pk]),
        {"site-kind": "wallbox", "site-address": ADDRESS, "site-travel_minutes": "25", "site-van": van.pk},
    )
    visit = SiteVisit.objects.get(repair_order=ev_order)
    assert (visit.kind, visit.address, visit.travel_minutes, visit.van) == ("wallbox", ADDRESS, 25, van)
    photo = services.photo_add(
        actor=staff["advisor"], order=ev_order, image=SimpleUploadedFile("s.png", PNG), caption="电表箱"
    )
    client.post(reverse("service:site_survey", args=[ev_order.pk]), {"notes": "可壁挂安装", "photos": [photo.pk]})
    visit.refresh_from_db()
    assert visit.surveyed and list(visit.survey_photos.all()) == [photo]


def test_a_bad_address_is_a_message_not_an_error_page(client_for, staff, ev_order):
    response = client_for(staff["advisor"]).post(
        reverse("service:site_visit", args=[ev_order.pk]),
        {"site-kind": "home", "site-address": "", "site-travel_minutes": "999"},
        follow=True,
    )
    assert response.status_code == 200 and not SiteVisit.objects.exists()


def test_the_technician_ticks_the_kit_and_the_customer_signs_the_acceptance(client_for, staff, store, ev_order):
    from aftercare.workshop import services as workshop

    tech = staff["technician"]
    tech.hv_certified = True
    tech.save(update_fields=["hv_certified"])
    services.site_visit_set(
        actor=staff["advisor"],
        order=ev_order,
        kind="wallbox",
        address=ADDRESS,
        van=Van.objects.get(store=store, code="V01"),
    )
    _add(staff, ev_order, "W002")
    services.repair_order_transition(repair_order=ev_order, to=Status.ESTIMATE, actor=staff["advisor"])
    photo = services.photo_add(actor=staff["advisor"], order=ev_order, image=SimpleUploadedFile("s.png", PNG))
    services.site_survey_record(actor=staff["advisor"], order=ev_order, notes="可安装", photos=[photo])
    services.repair_order_authorise(actor=staff["advisor"], order=ev_order, method="verbal", note="电话确认")
    (line,) = ev_order.lines.all()
    workshop.job_dispatch(actor=staff["foreman"], line=line, technician=tech)

    client = client_for(tech)
    panel = client.get(reverse("service:site_panel", args=[ev_order.pk])).content.decode()
    assert 'data-testid="site-kit"' in panel
    codes = [item.code for item in services.kit_items(store, "wallbox")]
    client.post(reverse("service:site_kit", args=[ev_order.pk]), {"checked": codes})
    assert SiteVisit.objects.get(repair_order=ev_order).kit_confirmed
    workshop.job_clock_on(actor=tech, line=line)
    client.post(reverse("service:site_acceptance", args=[ev_order.pk]), {"signature": SIGNATURE, "note": "试充正常"})
    visit = SiteVisit.objects.get(repair_order=ev_order)
    assert visit.accepted and visit.acceptance_note == "试充正常"
    assert (
        'data-testid="site-acceptance"'
        in client.get(reverse("service:site_panel", args=[ev_order.pk])).content.decode()
    )


def test_the_cashier_cannot_tick_the_kit(client_for, staff, ev_order):
    response = client_for(staff["cashier"]).post(reverse("service:site_kit", args=[ev_order.pk]), {"checked": []})
    assert response.status_code == 403


def test_the_site_card_takes_a_fixed_number_of_queries(client_for, staff, store, ev_order, django_assert_num_queries):
    services.site_visit_set(
        actor=staff["advisor"],
        order=ev_order,
        kind="wallbox",
        address=ADDRESS,
        van=Van.objects.get(store=store, code="V01"),
    )
    for caption in ("车位", "电表箱", "走线"):
        services.photo_add(
            actor=staff["advisor"], order=ev_order, image=SimpleUploadedFile("p.png", PNG), caption=caption
        )
    client = client_for(staff["advisor"])
    client.get(reverse("service:site_panel", args=[ev_order.pk]))  # sessions and caches warm
    with django_assert_num_queries(QUERIES):
        client.get(reverse("service:site_panel", args=[ev_order.pk]))
