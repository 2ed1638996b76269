import pytest

from aftercare.catalog.models import LabourOperation, RepairType
from aftercare.service import services as ro_services
from aftercare.service.choices import LineKind
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for


@pytest.fixture
def catalogue(store):
    catalog_for(store)


@pytest.fixture
def customer(store):
    return CustomerFactory(store=store, name="张三")


@pytest.fixture
def make_order(staff, store, catalogue):
    """A repair order opened by `advisor` whose labour lines are dispatched to `technicians`."""

    def make(*, advisor=None, technicians=(), customer=None, repair_type="general"):
        owner = customer or CustomerFactory(store=store, name="李四")
        vehicle = VehicleFactory(owner=owner, powertrain="ICE")
        order = ro_services.repair_order_open(
            actor=advisor or staff["advisor"],
            store=store,
            vehicle=vehicle,
            repair_type=RepairType.objects.effective_for_store(store).get(code=repair_type),
        )
        operations = list(LabourOperation.objects.effective_for_store(store).filter(high_voltage=False)[:3])
        for operation, technician in zip(operations, technicians, strict=False):
            (line,) = ro_services.line_add(actor=staff["advisor"], order=order, operation=operation)
            # Dispatch belongs to the workshop app; the survey only reads the result.
            line.technician = technician
            line.save(update_fields=["technician"])
        ro_services.line_add(actor=staff["advisor"], order=order, operation=operations[-1])
        order.refresh_from_db()
        assert order.lines.filter(kind=LineKind.LABOUR).exists()
        return order

    return make
