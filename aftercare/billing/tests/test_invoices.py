"""Invoices the customer asks for and the cashier issues (docs/DOMAIN.md §21.7)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from aftercare.billing.invoices import invoice_issue, invoice_request, uscc_valid
from aftercare.billing.models import InvoiceRequest
from aftercare.core.models import AuditEntry
from aftercare.service.choices import Status
from aftercare.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

USCC = "91350100M000100Y43"  # a well-formed unified social credit code (check character right)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_unified_social_credit_code_needs_18_characters_and_its_check_character():
    assert uscc_valid(USCC)
    assert not uscc_valid(USCC[:-1] + "2")  # wrong check character
    assert not uscc_valid(USCC[:17])  # 17 characters
    assert not uscc_valid(USCC.replace("M", "I"))  # I is not in the alphabet


def test_a_company_invoice_needs_a_valid_tax_number_and_a_personal_one_none(make_order):
    order = make_order(status=Status.SETTLED)
    with pytest.raises(ValidationError) as refused:
        invoice_request(order=order, kind="company", title="厦门某某汽车服务有限公司", tax_number="123")
    assert "tax_number" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        invoice_request(order=order, kind="personal", title="张三", tax_number=USCC)
    assert "tax_number" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        invoice_request(order=order, kind="personal", title="  ", email="not-an-email")
    assert set(refused.value.message_dict) == {"title", "email"}
    invoice = invoice_request(order=order, kind="company", title="厦门某某汽车服务有限公司", tax_number=USCC.lower())
    assert invoice.tax_number == USCC and invoice.status == "requested"


def test_an_order_not_settled_takes_no_invoice_request(make_order):
    with pytest.raises(ValidationError):
        invoice_request(order=make_order(status=Status.READY), kind="personal", title="张三")


def test_the_request_can_be_corrected_until_issued_and_is_audited(staff, make_order):
    order = make_order(status=Status.SETTLED)
    invoice_request(order=order, kind="personal", title="张三", via="portal:1")
    invoice = invoice_request(order=order, kind="company", title="某某公司", tax_number=USCC, via="portal:1")
    assert InvoiceRequest.objects.count() == 1 and invoice.kind == "company"
    invoice_issue(actor=staff["cashier"], invoice=invoice, number="12345678901234567890", day=timezone.localdate())
    with pytest.raises(ValidationError):
        invoice_request(order=order, kind="personal", title="张三")
    entries = AuditEntry.objects.filter(object_type="billing.invoicerequest").order_by("id")
    assert [e.action for e in entries] == ["create", "update", "update"]


def test_issuing_checks_the_number_the_date_and_the_pdf_and_happens_once(staff, make_order, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    invoice = invoice_request(order=make_order(status=Status.SETTLED), kind="personal", title="张三")
    cashier = staff["cashier"]
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        invoice_issue(actor=cashier, invoice=invoice, number="12AB", day=tomorrow,
                      pdf=SimpleUploadedFile("x.pdf", b"not a pdf"))  # fmt: skip
    assert set(refused.value.message_dict) == {"invoice_number", "invoice_date", "pdf"}
    with pytest.raises(PermissionDenied):
        invoice_issue(actor=staff["technician"], invoice=invoice, number="12345678", day=timezone.localdate())
    issued = invoice_issue(actor=cashier, invoice=invoice, number="12345678", day=timezone.localdate(),
                           pdf=SimpleUploadedFile("inv.pdf", PDF))  # fmt: skip
    assert issued.status == "issued" and issued.pdf.read() == PDF and issued.issued_by == cashier
    with pytest.raises(ValidationError):
        invoice_issue(actor=cashier, invoice=invoice, number="87654321", day=timezone.localdate())


def test_the_cashier_sees_the_requests_and_marks_one_issued(client_for, staff, make_order, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    invoice = invoice_request(order=make_order(status=Status.SETTLED), kind="company", title="某某公司",
                              tax_number=USCC, email="caiwu@example.com")  # fmt: skip
    client = client_for(staff["cashier"])
    page = client.get(reverse("billing:invoices")).content.decode()
    assert "某某公司" in page and USCC in page and "caiwu@example.com" in page
    answer = client.post(
        reverse("billing:invoice_issue", args=[invoice.pk]),
        {f"i{invoice.pk}-invoice_number": "12345678901234567890",
         f"i{invoice.pk}-invoice_date": timezone.localdate().isoformat(),
         f"i{invoice.pk}-pdf": SimpleUploadedFile("inv.pdf", PDF, content_type="application/pdf")},
    )  # fmt: skip
    assert answer.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == "issued" and invoice.invoice_number == "12345678901234567890" and invoice.pdf
    assert "12345678901234567890" in client.get(reverse("billing:invoices") + "?status=issued").content.decode()


def test_another_stores_cashier_sees_no_request(client_for, make_order, other_store):
    invoice = invoice_request(order=make_order(status=Status.SETTLED), kind="personal", title="张三")
    cashier = UserFactory(username="py-cashier")
    MembershipFactory(user=cashier, store=other_store, role="cashier")
    client = client_for(cashier)
    assert "张三" not in client.get(reverse("billing:invoices")).content.decode()
    answer = client.post(reverse("billing:invoice_issue", args=[invoice.pk]), {})
    assert answer.status_code == 404
