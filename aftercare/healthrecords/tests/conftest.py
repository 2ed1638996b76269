"""Settled orders and their health records; the local fake platform."""

import pytest

from aftercare.billing.services import repair_order_settle
from aftercare.billing.tests.conftest import catalogue, make_order, vehicle  # noqa: F401
from aftercare.healthrecords.models import HealthRecord, HealthRecordSettings
from aftercare.service.models import RepairOrder

from .fake_platform import FakePlatform


@pytest.fixture
def ready_order(make_order):  # noqa: F811
    """A ready order with labour, a part and a charge, nothing due (the carmaker pays),
    with its fault description and odometer."""
    order = make_order(payer="warranty")
    RepairOrder.objects.filter(pk=order.pk).update(customer_statement="发动机异响", findings="正时皮带松动")
    return RepairOrder.objects.get(pk=order.pk)


@pytest.fixture
def settle(staff, django_capture_on_commit_callbacks):
    """settle(order) -> its health record (the signal runs after the commit)."""

    def run(order):
        with django_capture_on_commit_callbacks(execute=True):
            repair_order_settle(actor=staff["cashier"], order=order)
        return HealthRecord.objects.filter(repair_order=order).first()

    return run


@pytest.fixture
def platform():
    fake = FakePlatform().start()
    yield fake
    fake.stop()


@pytest.fixture
def connected(store, platform):
    return HealthRecordSettings.objects.create(
        store=store, upload_enabled=True, endpoint_url=platform.url, company_code="440106000123",
        app_key=platform.app_key, app_secret=platform.app_secret,
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English here, whatever language an earlier test left active."""
    from django.utils import translation

    with translation.override("en"):
        yield
