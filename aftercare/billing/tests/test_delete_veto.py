"""An order that holds payments is never deleted (docs/DOMAIN.md §24.4): billing's veto."""

import pytest
from django.core.exceptions import ValidationError

from aftercare.billing import services
from aftercare.core.models import DeletedDocument
from aftercare.core.permissions import Perm
from aftercare.core.services import delete_vetoes, document_delete
from aftercare.service.models import RepairOrder

pytestmark = pytest.mark.django_db


def test_an_order_with_a_payment_cannot_be_deleted(staff, order):
    services.payment_post(actor=staff["cashier"], order=order, method="cash", amount="10.00", idempotency_key="k1")
    assert delete_vetoes(order)
    with pytest.raises(ValidationError):
        document_delete(actor=staff["service_manager"], obj=order, perm=Perm.REPAIR_ORDER_DELETE, reason="错单")
    assert RepairOrder.objects.filter(pk=order.pk).exists() and not DeletedDocument.objects.exists()
