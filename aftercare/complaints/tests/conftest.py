"""A customer with a vehicle in `store`, and a complaint maker going through the service."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from aftercare.complaints import services
from aftercare.tests.factories import CustomerFactory, VehicleFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday morning: every clock in these tests starts here.
T0 = datetime(2026, 3, 4, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def vehicle(store):
    return VehicleFactory(owner=CustomerFactory(store=store, name="李娜"), plate="粤A88888")


@pytest.fixture
def make_complaint(staff, store, vehicle):
    def make(actor=None, **kwargs):
        data = {
            "actor": actor or staff["advisor"],
            "store": store,
            "customer": vehicle.owner,
            "vehicle": vehicle,
            "channel": "phone",
            "complaint_type": "waiting",
            "description": "等待时间过长",
            "customer_words": "等了三个小时",
        }
        data.update(kwargs)
        return services.complaint_create(**data)

    return make
