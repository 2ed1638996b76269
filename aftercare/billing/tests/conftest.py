"""Orders at the cash desk: a ready repair order with labour, a part and a charge."""

from decimal import Decimal

import pytest

from aftercare.catalog.models import LabourOperation, OtherCharge, Part, RepairType
from aftercare.service import services as ro
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for


@pytest.fixture
def catalogue(store):
    catalog_for(store)


@pytest.fixture
def vehicle(store):
    return VehicleFactory(
        owner=CustomerFactory(store=store, name="张三"), plate="粤A12345", powertrain="ICE", odometer_km=None
    )


@pytest.fixture
def make_order(staff, store, vehicle, catalogue):
    """make_order(status=..., repair_type=..., payer=...) -> a priced order placed in `status`."""

    def make(
        status=Status.READY, repair_type="general", payer="customer", the_store=None, the_vehicle=None, actor=None
    ):
        the_store = the_store or store
        actor = actor or staff["service_manager"]
        order = ro.repair_order_open(
            actor=actor,
            store=the_store,
            vehicle=the_vehicle or vehicle,
            repair_type=RepairType.objects.effective_for_store(the_store).get(code=repair_type),
            odometer_km=20000,
        )
        ro.line_add(
            actor=actor,
            order=order,
            operation=LabourOperation.objects.effective_for_store(the_store).get(code="M001"),
            payer=payer,
        )
        ro.line_add(
            actor=actor,
            order=order,
            part=Part.objects.effective_for_store(the_store).order_by("id").first(),
            payer=payer,
        )
        ro.line_add(
            actor=actor,
            order=order,
            other_charge=OtherCharge.objects.effective_for_store(the_store).get(code="WASH"),
            payer=payer,
        )
        RepairOrder.objects.filter(pk=order.pk).update(status=status, authorised_at="2026-01-01T00:00:00Z")
        return RepairOrder.objects.get(pk=order.pk)

    return make


@pytest.fixture
def order(make_order):
    return make_order()


@pytest.fixture
def signature():
    return "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk" + "A" * 20


def d(value) -> Decimal:
    return Decimal(value)


# --- WeChat Pay / Alipay against the local fake provider --------------------------------


@pytest.fixture(scope="session")
def provider_keys():
    from .fake_provider import Keys

    return Keys()


@pytest.fixture
def fake_provider(provider_keys):
    from .fake_provider import FakeProvider

    fake = FakeProvider(provider_keys).start()
    yield fake
    fake.stop()


def provider_account_data(provider: str, keys, url: str) -> dict:
    from .fake_provider import private_pem, public_pem

    if provider == "wechat":
        return {
            "merchant_id": keys.mchid, "app_id": keys.wechat_appid, "cert_serial_no": keys.serial_no,
            "api_key": keys.apiv3_key, "private_key": private_pem(keys.wechat_merchant),
            "provider_public_key": public_pem(keys.wechat_platform), "provider_public_key_id": keys.public_key_id,
            "api_base_url": url,
        }  # fmt: skip
    return {
        "app_id": keys.alipay_appid, "private_key": private_pem(keys.alipay_app),
        "provider_public_key": public_pem(keys.alipay_platform), "api_base_url": f"{url}/gateway.do",
    }  # fmt: skip


@pytest.fixture
def provider_accounts(store, fake_provider, provider_keys):
    """The store's WeChat Pay and Alipay accounts, pointed at the fake."""
    from aftercare.billing.models import ProviderAccount

    return {
        provider: ProviderAccount.objects.create(
            store=store, provider=provider, **provider_account_data(provider, provider_keys, fake_provider.url)
        )
        for provider in ("wechat", "alipay")
    }
