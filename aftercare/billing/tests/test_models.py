"""Money documents are posted once and never edited or deleted."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from aftercare.billing import services
from aftercare.billing.models import Payment
from aftercare.core.services import document_delete

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment(staff, order):
    return services.payment_post(actor=staff["cashier"], order=order, method="cash", amount="20")[0]


def test_a_posted_payment_cannot_be_edited(payment):
    payment.amount = Decimal("2.00")
    with pytest.raises(PermissionDenied):
        payment.save()
    with pytest.raises(PermissionDenied):
        Payment.objects.filter(pk=payment.pk).update(amount=Decimal("2.00"))
    assert Payment.objects.get(pk=payment.pk).amount == Decimal("20.00")


def test_a_posted_payment_cannot_be_deleted(staff, payment):
    with pytest.raises(PermissionDenied):
        payment.delete()
    with pytest.raises(PermissionDenied):
        Payment.objects.all().delete()
    with pytest.raises(PermissionDenied):
        document_delete(actor=staff["service_manager"], obj=payment, perm="payment.reverse", reason="录错")
    assert Payment.objects.filter(pk=payment.pk).exists()
