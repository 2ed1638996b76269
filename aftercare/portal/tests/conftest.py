import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aftercare.billing.tests.conftest import (  # noqa: F401  (billing's fixtures: orders at the cash desk, the fake provider)
    fake_provider,
    make_order,
    provider_accounts,
    provider_keys,
)
from aftercare.catalog.models import LabourOperation, OtherCharge
from aftercare.service import services
from aftercare.service.choices import Status
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for

SIGNATURE = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def catalogue(store):
    catalog_for(store)


@pytest.fixture
def customer(store):
    return CustomerFactory(store=store, name="张三")


@pytest.fixture
def vehicle(customer):
    return VehicleFactory(owner=customer, store=customer.store, plate="粤A12345", powertrain="ICE")


@pytest.fixture
def order(staff, store, vehicle, catalogue):
    return services.repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle, odometer_km=20000)


@pytest.fixture
def waiting(staff, store, order, settings, tmp_path):
    """An authorised order in progress with two proposed lines, the first with a photo."""
    settings.MEDIA_ROOT = tmp_path
    advisor = staff["advisor"]
    services.line_add(actor=advisor, order=order, operation=LabourOperation.objects.effective_for_store(store).first())
    services.repair_order_transition(repair_order=order, to=Status.ESTIMATE, actor=advisor)
    services.repair_order_authorise(actor=advisor, order=order, method="signature", signature=SIGNATURE)
    (brakes,) = services.line_add(
        actor=advisor, order=order, operation=LabourOperation.objects.effective_for_store(store).get(code="B001")
    )
    (charge,) = services.line_add(
        actor=advisor, order=order, other_charge=OtherCharge.objects.effective_for_store(store).first()
    )
    services.photo_add(
        actor=advisor, order=order, line=brakes, image=SimpleUploadedFile("pads.png", PNG), caption="刹车片磨损"
    )
    return order, brakes, charge
