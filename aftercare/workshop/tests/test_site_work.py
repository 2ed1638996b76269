"""Home service, wall-box installation and charger repair run through the one repair order
(docs/DOMAIN.md §17.9): the site visit's guards on the order's own moves, the van instead of
a bay at dispatch, and the high-voltage certificate checked as for a bay job."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from aftercare.catalog.models import Van
from aftercare.service import services as spine
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.tests.factories import CustomerFactory, VehicleFactory
from aftercare.workshop import services

from .conftest import bay, labour, op

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    # The refusals are matched by their English words.
    with translation.override("en"):
        yield


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SIGNATURE = "data:image/png;base64,iVBORw0KGgo="


def van(store, code="V01"):
    return Van.objects.get(store=store, code=code)


def _site_order(staff, store, *, codes, kind, powertrain="BEV", authorise=True):
    advisor = staff["advisor"]
    vehicle = VehicleFactory(owner=CustomerFactory(store=store), powertrain=powertrain)
    order = spine.repair_order_open(
        actor=advisor, store=store, vehicle=vehicle, customer_statement="上门服务",
        promised_at=timezone.now() + timedelta(hours=6),
    )  # fmt: skip
    start = timezone.now() + timedelta(hours=1)
    spine.site_visit_set(
        actor=advisor, order=order, kind=kind, address="上海市浦东新区张江路88号 地下车库B2-117",
        window_start=start, window_end=start + timedelta(hours=1), travel_minutes=40, van=van(store),
    )  # fmt: skip
    for code in codes:
        spine.line_add(actor=advisor, order=order, operation=op(store, code))
    spine.repair_order_transition(repair_order=order, to=Status.ESTIMATE, actor=advisor)
    if authorise:
        spine.repair_order_authorise(actor=advisor, order=order, method="verbal", note="车主电话确认")
    return RepairOrder.objects.get(pk=order.pk)


def _kit(store, kind):
    return [item.code for item in spine.kit_items(store, kind)]


def _certify(user):
    user.hv_certified = True
    user.save(update_fields=["hv_certified"])


# --- dispatch: the high-voltage certificate, the van instead of a bay ---------------------------


def test_a_technician_without_the_hv_certificate_cannot_be_dispatched_to_an_hv_home_job(staff, store, catalogue):
    tech = staff["technician"]
    order = _site_order(staff, store, codes=("H002",), kind="home")
    (line,) = labour(order)
    with pytest.raises(ValidationError) as error:
        services.job_dispatch(actor=staff["foreman"], line=line, technician=tech)
    assert "technician" in error.value.message_dict
    _certify(tech)
    job = services.job_dispatch(actor=staff["foreman"], line=line, technician=tech)
    assert (job.technician, job.bay) == (tech, None)


def test_ordinary_home_work_needs_no_certificate_and_site_work_takes_no_bay(staff, store, catalogue):
    order = _site_order(staff, store, codes=("H001",), kind="home")
    (line,) = labour(order)
    with pytest.raises(ValidationError) as error:
        services.job_dispatch(actor=staff["foreman"], line=line, technician=staff["technician"], bay=bay(store))
    assert "bay" in error.value.message_dict
    assert services.job_dispatch(actor=staff["foreman"], line=line, technician=staff["technician"]).bay is None


def test_site_work_is_dispatched_only_once_its_van_is_chosen(staff, store, catalogue):
    order = _site_order(staff, store, codes=("H001",), kind="home")
    order.site_visit.van = None
    order.site_visit.save(update_fields=["van"])
    (line,) = labour(order)
    with pytest.raises(ValidationError, match="van"):
        services.job_dispatch(actor=staff["foreman"], line=line, technician=staff["technician"])


# --- the van's kit at departure -------------------------------------------------------------------


def test_work_on_site_starts_only_after_the_whole_kit_is_ticked(staff, store, catalogue):
    tech = staff["technician"]
    order = _site_order(staff, store, codes=("H001",), kind="home")
    (line,) = labour(order)
    services.job_dispatch(actor=staff["foreman"], line=line, technician=tech)
    with pytest.raises(spine.TransitionRefused, match="kit"):
        services.job_clock_on(actor=tech, line=line)
    kit = _kit(store, "home")
    with pytest.raises(ValidationError) as error:
        spine.site_kit_confirm(actor=tech, order=order, checked=kit[:-1])
    assert "checked" in error.value.message_dict
    visit = spine.site_kit_confirm(actor=tech, order=order, checked=kit)
    assert visit.kit_confirmed_by == tech and visit.kit_checked == kit
    services.job_clock_on(actor=tech, line=line)
    assert RepairOrder.objects.get(pk=order.pk).status == Status.IN_PROGRESS


def test_site_work_is_only_for_plug_in_cars(staff, store, catalogue):
    vehicle = VehicleFactory(owner=CustomerFactory(store=store), powertrain="ICE")
    order = spine.repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle)
    with pytest.raises(ValidationError) as error:
        spine.site_visit_set(actor=staff["advisor"], order=order, kind="home", address="北京路1号", van=van(store))
    assert "kind" in error.value.message_dict


# --- the wall-box: survey → installation → signed acceptance, on the order's own moves -------------


def test_a_wall_box_goes_from_survey_through_installation_to_the_signed_acceptance(staff, store, catalogue):
    advisor, foreman, tech = staff["advisor"], staff["foreman"], staff["technician"]
    _certify(tech)
    order = _site_order(staff, store, codes=("W001", "W002"), kind="wallbox", authorise=False)

    # No authorisation before the site survey with its photos.
    with pytest.raises(spine.TransitionRefused, match="survey"):
        spine.repair_order_authorise(actor=advisor, order=order, method="verbal", note="车主电话确认")
    with pytest.raises(ValidationError) as error:
        spine.site_survey_record(actor=advisor, order=order, notes="电表箱距车位25米", photos=[])
    assert "photos" in error.value.message_dict
    photo = spine.photo_add(
        actor=advisor, order=order, image=SimpleUploadedFile("site.png", PNG), caption="车位及电表箱"
    )
    spine.site_survey_record(actor=advisor, order=order, notes="电表箱距车位25米，需穿管走线", photos=[photo])
    spine.repair_order_authorise(actor=advisor, order=order, method="verbal", note="车主电话确认")

    # The installation: dispatched to a certified technician, kit ticked, clocked on and off.
    for line in labour(order):
        services.job_dispatch(actor=foreman, line=line, technician=tech)
    spine.site_kit_confirm(actor=tech, order=order, checked=_kit(store, "wallbox"))
    for line in labour(order):
        services.job_clock_on(actor=tech, line=line)
        services.job_clock_off(actor=tech, line=line, finished=True)
    order = RepairOrder.objects.get(pk=order.pk)
    assert order.status == Status.QUALITY_CHECK

    # Not ready before the customer signs the acceptance, whatever the inspection says.
    results = {item.code: "ok" for item in services.applicable_inspection_items(order)}
    with pytest.raises(spine.TransitionRefused, match="acceptance"):
        services.quality_check_record(actor=foreman, order=order, results=results, passed=True)
    with pytest.raises(ValidationError):
        spine.site_acceptance_sign(actor=tech, order=order, signature="")
    visit = spine.site_acceptance_sign(actor=tech, order=order, signature=SIGNATURE, note="充电测试正常")
    assert visit.accepted and list(visit.survey_photos.all()) == [photo]
    services.quality_check_record(actor=foreman, order=order, results=results, passed=True)
    assert RepairOrder.objects.get(pk=order.pk).status == Status.READY
    states = list(order.status_changes.values_list("to_status", flat=True))
    assert states == ["reception", "estimate", "approved", "in_progress", "quality_check", "ready"]


def test_the_acceptance_is_signed_once(staff, store, catalogue):
    _certify(staff["technician"])
    order = _site_order(staff, store, codes=("W001",), kind="wallbox", authorise=False)
    photo = spine.photo_add(actor=staff["advisor"], order=order, image=SimpleUploadedFile("a.png", PNG))
    spine.site_survey_record(actor=staff["advisor"], order=order, notes="可安装", photos=[photo])
    spine.repair_order_authorise(actor=staff["advisor"], order=order, method="verbal", note="车主电话确认")
    (line,) = labour(order)
    services.job_dispatch(actor=staff["foreman"], line=line, technician=staff["technician"])
    spine.site_kit_confirm(actor=staff["technician"], order=order, checked=_kit(store, "wallbox"))
    services.job_clock_on(actor=staff["technician"], line=line)
    spine.site_acceptance_sign(actor=staff["technician"], order=order, signature=SIGNATURE)
    with pytest.raises(ValidationError, match="already"):
        spine.site_acceptance_sign(actor=staff["technician"], order=order, signature=SIGNATURE)
