"""Deleting a repair order opened by mistake (作业单删除, docs/DOMAIN.md §24.4): by a role with
the permission, with a reason, a full snapshot in the deletion log (删除日志) that a manager
browses and filters; refused for a settled order, and through the API the same way."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from aftercare.core.models import AuditEntry, DeletedDocument
from aftercare.core.permissions import Perm
from aftercare.core.services import document_delete
from aftercare.service import services
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(staff, store):
    catalog_for(store)
    vehicle = VehicleFactory(owner=CustomerFactory(store=store, name="张三"), plate="粤A12345")
    return services.repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle, customer_statement="误开")


def test_a_manager_deletes_a_mistaken_order_and_the_log_keeps_its_snapshot(staff, order, client_for):
    manager = client_for(staff["service_manager"])
    page = manager.get(reverse("core:document_delete", args=["repair_order", order.pk]))
    assert page.status_code == 200 and order.number in page.content.decode()
    response = manager.post(reverse("core:document_delete", args=["repair_order", order.pk]), {"reason": "重复开单"})
    assert response.status_code == 302
    assert not RepairOrder.objects.filter(pk=order.pk).exists()
    logged = DeletedDocument.objects.get()
    assert (logged.kind, logged.number, logged.reason) == ("service.repairorder", str(order), "重复开单")
    assert logged.snapshot["document"]["customer_statement"] == "误开"
    assert logged.deleted_by == staff["service_manager"]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DELETE, object_id=str(order.pk)).exists()

    listing = manager.get(reverse("core:deletion_log"), {"kind": "service.repairorder"})
    assert order.number in listing.content.decode()
    assert (
        order.number
        not in manager.get(reverse("core:deletion_log"), {"kind": "appointments.appointment"}).content.decode()
    )
    detail = manager.get(reverse("core:deletion_detail", args=[logged.pk]))
    assert "误开" in detail.content.decode()


def test_deletion_needs_the_permission_and_a_reason(staff, order, client_for):
    with pytest.raises(PermissionDenied):
        document_delete(actor=staff["advisor"], obj=order, perm=Perm.REPAIR_ORDER_DELETE, reason="x")
    with pytest.raises(ValidationError):
        document_delete(actor=staff["service_manager"], obj=order, perm=Perm.REPAIR_ORDER_DELETE, reason="  ")
    assert (
        client_for(staff["advisor"]).get(reverse("core:document_delete", args=["repair_order", order.pk])).status_code
        == 403
    )
    assert client_for(staff["advisor"]).get(reverse("core:deletion_log")).status_code == 403
    assert RepairOrder.objects.filter(pk=order.pk).exists() and not DeletedDocument.objects.exists()


def test_a_settled_order_cannot_be_deleted(staff, order, client_for):
    RepairOrder.objects.filter(pk=order.pk).update(status=Status.SETTLED)
    order.refresh_from_db()
    with pytest.raises(ValidationError):
        document_delete(actor=staff["service_manager"], obj=order, perm=Perm.REPAIR_ORDER_DELETE, reason="错单")
    page = client_for(staff["service_manager"]).get(reverse("core:document_delete", args=["repair_order", order.pk]))
    assert 'data-testid="delete-vetoes"' in page.content.decode()
    assert RepairOrder.objects.filter(pk=order.pk).exists() and not DeletedDocument.objects.exists()


def test_the_api_deletes_with_a_reason_and_lists_the_log(staff, order, api_client_for):
    api = api_client_for(staff["service_manager"])
    refused = api_client_for(staff["advisor"]).post(
        "/api/v1/deletions/", {"kind": "repair_order", "id": order.pk, "reason": "误开"}, format="json"
    )
    assert refused.status_code == 403
    assert api.post("/api/v1/deletions/", {"kind": "invoice", "id": 1, "reason": "x"}, format="json").status_code == 400
    deleted = api.post("/api/v1/deletions/", {"kind": "repair_order", "id": order.pk, "reason": "误开"}, format="json")
    assert deleted.status_code == 204
    rows = api.get("/api/v1/deletions/").json()["results"]
    assert [row["number"] for row in rows] == [str(order)]


def test_the_order_page_offers_delete_only_to_a_role_with_the_permission(staff, order, client_for):
    url = reverse("service:repair_order_detail", args=[order.pk])
    assert 'data-testid="delete-document-link"' in client_for(staff["service_manager"]).get(url).content.decode()
    assert 'data-testid="delete-document-link"' not in client_for(staff["advisor"]).get(url).content.decode()
