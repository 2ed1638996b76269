"""The customer's invoice (发票) of a settled order (docs/DOMAIN.md §21.7): requested by the
customer (from the phone link, or at the counter), issued by the cashier with the number,
the date and, when there is one, the PDF. Billing does not issue tax invoices itself; it
records the request and what the cashier issued in the tax system."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.core.audit import audit_record, created_changes
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm, require
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder

from .choices import InvoiceKind, InvoiceStatus
from .models import InvoiceRequest

# Orders whose amount is final: an invoice can be asked for.
INVOICEABLE = (Status.SETTLED, Status.DELIVERED)
# 统一社会信用代码 (GB 32100-2015): 18 characters of this alphabet, the last a check character.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
INVOICE_NUMBER = re.compile(r"^\d{8}$|^\d{20}$")  # a paper / electronic invoice (8) or a 数电票 (20)
PDF_MAX_BYTES = 5 * 1024 * 1024


def uscc_valid(code: str) -> bool:
    """A unified social credit code: 18 characters, its check character right."""
    if len(code) != 18 or any(c not in USCC_ALPHABET for c in code):
        return False
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(code[:17], USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31] == code[17]


def _clean_request(kind: str, title: str, tax_number: str, email: str) -> dict:
    errors = {}
    title = " ".join((title or "").split())[:100]
    tax_number = (tax_number or "").strip().upper()
    email = (email or "").strip()
    if kind not in InvoiceKind.values:
        errors["kind"] = _("Choose a personal or a company invoice.")
    if not title:
        errors["title"] = _("Give the invoice title (your name or the company's).")
    if kind == InvoiceKind.COMPANY:
        if not uscc_valid(tax_number):
            errors["tax_number"] = _("Give the company's 18-character unified social credit code.")
    elif tax_number:
        errors["tax_number"] = _("A personal invoice has no tax number.")
    if email:
        if len(email) > 254:
            errors["email"] = _("Enter a valid email address.")
        else:
            try:
                validate_email(email)
            except ValidationError:
                errors["email"] = _("Enter a valid email address.")
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "title": title, "tax_number": tax_number, "email": email}


def invoice_request(
    *, order: RepairOrder, kind: str, title: str, tax_number: str = "", email: str = "", via: str = "", actor=None
) -> InvoiceRequest:
    """Ask for the invoice of a settled order, or correct the request until it is issued.
    `actor` None: the customer, through the link named by `via`."""
    if actor is not None:
        require(actor, Perm.PAYMENT_POST, order.store)
    data = _clean_request(kind, title, tax_number, email)
    if order.status not in INVOICEABLE:
        raise ValidationError(_("The invoice can be requested once the order is settled."))
    try:
        with transaction.atomic():
            existing = InvoiceRequest.objects.select_for_update().filter(repair_order=order).first()
            if existing is None:
                invoice = InvoiceRequest.objects.create(
                    store_id=order.store_id, repair_order=order, requested_via=via[:40], **data
                )
                audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=invoice,
                             changes=created_changes(invoice, ["kind", "title", "tax_number"]))  # fmt: skip
                return invoice
            if existing.status != InvoiceStatus.REQUESTED:
                raise ValidationError(_("The invoice is already issued; ask the store to correct it."))
            changes = {k: [getattr(existing, k), v] for k, v in data.items() if getattr(existing, k) != v}
            for name, value in data.items():
                setattr(existing, name, value)
            existing.requested_at = timezone.now()
            existing.save(update_fields=[*data, "requested_at"])
            if changes:
                audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=existing, changes=changes)
            return existing
    except IntegrityError:
        # Two requests at once for the same order: the first one stands.
        return InvoiceRequest.objects.get(repair_order=order)


def invoice_issue(*, actor, invoice: InvoiceRequest, number: str, day, pdf=None) -> InvoiceRequest:
    """The cashier records the invoice issued in the tax system: its number and date, and
    the PDF when there is one (up to 5 MB). Once only."""
    require(actor, Perm.PAYMENT_POST, invoice.store)
    number = (number or "").strip()
    errors = {}
    if not INVOICE_NUMBER.match(number):
        errors["invoice_number"] = _("An invoice number has 8 or 20 digits.")
    if day is None or day > timezone.localdate():
        errors["invoice_date"] = _("Give the day the invoice was issued (not in the future).")
    if pdf is not None:
        if pdf.size > PDF_MAX_BYTES:
            errors["pdf"] = _("The PDF is larger than 5 MB.")
        else:
            head = pdf.read(5)
            pdf.seek(0)
            if head != b"%PDF-":
                errors["pdf"] = _("This file is not a PDF.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = InvoiceRequest.objects.select_for_update().get(pk=invoice.pk)
        if locked.status != InvoiceStatus.REQUESTED:
            raise ValidationError(_("This invoice is already issued."))
        locked.status, locked.invoice_number, locked.invoice_date = InvoiceStatus.ISSUED, number, day
        locked.issued_at, locked.issued_by = timezone.now(), actor
        fields = ["status", "invoice_number", "invoice_date", "issued_at", "issued_by"]
        if pdf is not None:
            locked.pdf.save(f"{locked.repair_order_id}-{number}.pdf", pdf, save=False)
            fields.append("pdf")
        locked.save(update_fields=fields)
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=locked,
            changes={"status": [InvoiceStatus.REQUESTED, InvoiceStatus.ISSUED], "invoice_number": [None, number],
                     "invoice_date": [None, str(day)], "pdf": [None, "✓" if pdf is not None else ""]},
        )  # fmt: skip
    return locked
