"""An order whose parts were issued is never deleted (docs/DOMAIN.md §24.4): parts' veto."""

import pytest
from django.core.exceptions import ValidationError

from aftercare.core.permissions import Perm
from aftercare.core.services import delete_vetoes, document_delete
from aftercare.parts import services
from aftercare.service.models import RepairOrder

from .conftest import OIL_FILTER

pytestmark = pytest.mark.django_db


def test_an_order_with_issued_parts_cannot_be_deleted_but_one_only_reserved_can(staff, stock, make_order, clerk):
    stock(OIL_FILTER, quantity="3")
    issued, reserved = make_order([(OIL_FILTER, 1)]), make_order([(OIL_FILTER, 1)])
    services.part_issue(actor=clerk, demand=issued.part_demands.get(), bin="A-01-01")
    assert delete_vetoes(issued) and not delete_vetoes(reserved)
    with pytest.raises(ValidationError):
        document_delete(actor=staff["service_manager"], obj=issued, perm=Perm.REPAIR_ORDER_DELETE, reason="错单")
    assert RepairOrder.objects.filter(pk=issued.pk).exists()
