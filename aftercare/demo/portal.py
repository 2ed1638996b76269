"""Demo data of the customer's phone (docs/DOMAIN.md §15.2): an order waiting for the
customer's approval with a photo of each finding, a booking to change, and the links
to try them. In DEMO_MODE the links have fixed tokens (README "What to try")."""

import contextlib
import struct
import zlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aftercare.accounts.models import User
from aftercare.accounts.roles import Role
from aftercare.appointments.choices import AppointmentStatus
from aftercare.appointments.models import Appointment
from aftercare.catalog.models import LabourOperation, OtherCharge
from aftercare.core.models import Store
from aftercare.portal.choices import Purpose
from aftercare.portal.services import link_issue, link_path
from aftercare.service import services
from aftercare.service.choices import LineStatus
from aftercare.service.models import RepairOrder

# The fixed demo tokens (accepted only when DEMO_MODE is on).
DEMO_TOKENS = {
    Purpose.APPROVE: "demo-approve", Purpose.PROGRESS: "demo-progress", Purpose.BOOK: "demo-booking",
    Purpose.HISTORY: "demo-history",
}  # fmt: skip
# A ready order's progress link with the whole amount still to pay (docs/DOMAIN.md §21.6).
DEMO_PAY_TOKEN = "demo-pay"


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain picture with a dark band (a worn part, as far as the demo is concerned)."""
    band = (40, 40, 40)
    rows = b"".join(b"\x00" + bytes(band if height // 3 < y < height // 2 else rgb) * width for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _token(purpose: str) -> str | None:
    return DEMO_TOKENS[purpose] if settings.DEMO_MODE else None


def _seed_money(store: Store, advisor) -> list[tuple[str, str]]:
    """A ready order with its whole amount due, to pay from the phone (the demo's sandbox
    accounts), and a history link of a customer with past orders, one with an invoice issued
    and one requested (docs/DOMAIN.md §21.6, §21.7)."""
    from aftercare.billing.choices import InvoiceKind
    from aftercare.billing.invoices import invoice_issue, invoice_request
    from aftercare.service.choices import Status

    links = []
    ready = (
        RepairOrder.objects.filter(store=store, status=Status.READY, payments__isnull=True, customer_total__gt=0)
        .order_by("pk")
        .first()
    )
    if ready is not None:
        _link, token = link_issue(
            actor=advisor, customer=ready.customer, purpose=Purpose.PROGRESS, repair_order=ready,
            token=DEMO_PAY_TOKEN if settings.DEMO_MODE else None,
        )  # fmt: skip
        links.append((f"pay {ready.number}", link_path(token)))
    delivered = list(
        RepairOrder.objects.filter(store=store, status=Status.DELIVERED, customer_total__gt=0)
        .select_related("customer")
        .order_by("-closed_at", "-pk")[:2]
    )
    if delivered:
        customer = delivered[0].customer
        cashier = User.objects.filter(memberships__store=store, memberships__role=Role.CASHIER).order_by("pk").first()
        for index, order in enumerate(o for o in delivered if o.customer_id == customer.pk):
            invoice = invoice_request(order=order, kind=InvoiceKind.PERSONAL, title=customer.name, via="demo")
            if index == 0 and cashier is not None:
                invoice_issue(actor=cashier, invoice=invoice, number=f"{26440000000000000000 + order.pk}",
                              day=timezone.localdate(order.closed_at or timezone.now()))  # fmt: skip
        _link, token = link_issue(
            actor=advisor, customer=customer, purpose=Purpose.HISTORY, token=_token(Purpose.HISTORY)
        )
        links.append((f"history {customer.number}", link_path(token)))
    return links


def seed_portal(store: Store) -> list[tuple[str, str]]:
    """(what, path) of each demo link of `store`."""
    advisor = User.objects.filter(memberships__store=store, memberships__role=Role.ADVISOR).order_by("pk").first()
    order = RepairOrder.objects.filter(store=store).awaiting_decision().order_by("pk").first()
    links = []
    if advisor is None:
        return links
    if order is not None:
        proposed = list(order.lines.filter(status=LineStatus.PROPOSED))
        if len(proposed) < 2:
            on_order = set(order.lines.values_list("other_charge_id", flat=True))
            charge = OtherCharge.objects.effective_for_store(store).exclude(pk__in=on_order).first()
            operation = LabourOperation.objects.effective_for_store(store).filter(code="B001").first()
            for item in ({"other_charge": charge}, {"operation": operation}):
                if len(proposed) >= 2 or next(iter(item.values())) is None:
                    continue
                with contextlib.suppress(ValidationError):  # an entry already on the order is not proposed twice
                    proposed += services.line_add(actor=advisor, order=order, **item)
        colours = [(200, 120, 60), (90, 140, 200)]
        for line, colour in zip(proposed, colours, strict=False):
            services.photo_add(
                actor=advisor, order=order, line=line, caption=f"{line.description}：检查发现",
                image=SimpleUploadedFile(f"finding-{line.pk}.png", _png(320, 240, colour)),
            )  # fmt: skip
        _link, token = link_issue(
            actor=advisor, customer=order.customer, purpose=Purpose.APPROVE, repair_order=order,
            token=_token(Purpose.APPROVE),
        )  # fmt: skip
        links.append((f"approve {order.number}", link_path(token)))
        _link, token = link_issue(
            actor=advisor, customer=order.customer, purpose=Purpose.PROGRESS, repair_order=order,
            token=_token(Purpose.PROGRESS),
        )  # fmt: skip
        links.append((f"progress {order.number}", link_path(token)))
    appointment = (
        Appointment.objects.filter(store=store, status=AppointmentStatus.BOOKED, start_at__gt=timezone.now())
        .order_by("start_at")
        .first()
    )
    if appointment is not None:
        _link, token = link_issue(
            actor=advisor, customer=appointment.customer, purpose=Purpose.BOOK, appointment=appointment,
            token=_token(Purpose.BOOK),
        )  # fmt: skip
        links.append((f"change {appointment.number}", link_path(token)))
    return links + _seed_money(store, advisor)
