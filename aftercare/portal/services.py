"""Issuing, revoking and opening the customer's links, and what the customer does
through them (docs/DOMAIN.md §15.2). Every change the customer makes goes through
the owning app's own service (the spine's decision and authorisation, the
appointments' booking): the portal only proves who is asking."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.appointments.choices import Channel as AppointmentChannel
from aftercare.appointments.models import Appointment
from aftercare.appointments.services import appointment_book, appointment_cancel, appointment_change
from aftercare.core.audit import audit_record, created_changes
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm, require
from aftercare.customers.models import Customer, Vehicle
from aftercare.service.choices import ApprovalMethod, LineStatus
from aftercare.service.models import RepairOrder
from aftercare.service.services import DecisionEvidence, line_decide, repair_order_authorise

from .choices import ORDER_PURPOSES, VALID_DAYS, Purpose
from .models import PortalLink

# A token is 32 random bytes (43 characters); only the demo's fixed tokens are shorter (DEMO_MODE).
TOKEN_BYTES = 32
MIN_TOKEN_LENGTH = 40


class LinkRefused(Exception):
    """The link does not open: forged or unknown, expired, or revoked (docs/DOMAIN.md §15.2)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "invalid", "expired", "revoked"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_path(token: str) -> str:
    return reverse("portal_public:open", args=[token])


def link_url(token: str) -> str:
    """The address the customer opens: the site's public address (SITE_URL), as every link
    in a message or on paper."""
    return settings.SITE_URL.rstrip("/") + link_path(token)


# Who may issue or revoke a link of each purpose at the customer's store.
ISSUE_PERMS = {
    Purpose.PROGRESS: Perm.REPAIR_ORDER_EDIT,
    Purpose.APPROVE: Perm.REPAIR_ORDER_EDIT,
    Purpose.BOOK: Perm.APPOINTMENT_EDIT,
    Purpose.HISTORY: Perm.CUSTOMER_EDIT,
    Purpose.RSVP: Perm.VIC_WORK,
    Purpose.SIGN: Perm.VIC_WORK,
}

# purpose -> view(request, link, token, context): pages a later app serves through a link of its
# purpose (the VIC programme's RSVP and handover signature); the portal never imports that app.
_LINK_PAGES: dict = {}


def register_link_page(purpose: str, view) -> None:
    _LINK_PAGES[purpose] = view


def link_page(purpose: str):
    return _LINK_PAGES.get(purpose)


def link_issue(
    *,
    actor,
    customer: Customer,
    purpose: str,
    repair_order: RepairOrder | None = None,
    appointment: Appointment | None = None,
    valid_days: int | None = None,
    token: str | None = None,
) -> tuple[PortalLink, str]:
    """A new link for one customer and one purpose, and its token (shown this once).
    A link about an order or an appointment names one of this customer's own."""
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": _("Unknown purpose.")})
    store = customer.store
    require(actor, ISSUE_PERMS[purpose], store)
    if purpose in ORDER_PURPOSES and repair_order is None:
        raise ValidationError({"repair_order": _("This link is about a repair order: choose one.")})
    for document in (repair_order, appointment):
        if document is not None and (document.customer_id != customer.pk or document.store_id != store.pk):
            raise ValidationError(_("The document is not this customer's in this store."))
    if token is not None and not settings.DEMO_MODE:
        raise ValidationError(_("Fixed tokens exist only in the demo."))
    token = token or secrets.token_urlsafe(TOKEN_BYTES)
    days = valid_days or VALID_DAYS[purpose]
    if not 1 <= days <= 365:
        raise ValidationError({"valid_days": _("A link is valid for 1 to 365 days.")})
    with transaction.atomic():
        link = PortalLink.objects.create(
            store=store, customer=customer, purpose=purpose, repair_order=repair_order, appointment=appointment,
            token_hash=token_hash(token), created_by=actor if getattr(actor, "pk", None) else None,
            expires_at=timezone.now() + timedelta(days=days),
        )  # fmt: skip
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=link, changes=created_changes(link))
    return link, token


def link_revoke(*, actor, link: PortalLink) -> PortalLink:
    """Revoke a link at once: it opens nothing afterwards."""
    require(actor, ISSUE_PERMS[link.purpose], link.store)
    with transaction.atomic():
        updated = PortalLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor if getattr(actor, "pk", None) else None
        )
        if not updated:
            raise ValidationError(_("This link is already revoked."))
        link.refresh_from_db()
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=link, changes={"revoked_at": [None, "✓"]})
    return link


def link_send(*, actor, link: PortalLink, url: str):
    """Send the link to its customer through the messaging door (docs/DOMAIN.md §15.1):
    a service notice with the store's "portal_link" template, once per link."""
    from aftercare.messaging.services import message_send

    require(actor, ISSUE_PERMS[link.purpose], link.store)
    if not link.is_usable():
        raise ValidationError(_("This link can no longer be used."))
    return message_send(
        store=link.store, customer=link.customer, purpose="service", template_code="portal_link",
        context={"customer_name": link.customer.name, "store": link.store.name, "link": url,
                 "purpose": link.get_purpose_display()},
        dedupe_key=f"portal_link:{link.pk}", actor=actor, source=link,
    )  # fmt: skip


def notice_link(order: RepairOrder, purpose: str, actor) -> str:
    """A new link for a notice of the spine's ("approve", "progress"), in the notice's own
    transaction; "" when the actor may not issue it (the notice then names the advisor)."""
    if purpose not in ORDER_PURPOSES:
        return ""
    try:
        _link, token = link_issue(actor=actor, customer=order.customer, purpose=purpose, repair_order=order)
    except (PermissionDenied, ValidationError):
        return ""
    return link_url(token)


def link_open(token: str, *, now=None) -> PortalLink:
    """The link a token opens, or LinkRefused with the reason. Counts the use."""
    now = now or timezone.now()
    if not token or len(token) > 100 or (len(token) < MIN_TOKEN_LENGTH and not settings.DEMO_MODE):
        raise LinkRefused("invalid")
    try:  # token_hash is unique: get(), without first()'s ordering, which costs the phone's page more
        link = PortalLink.objects.select_related("store", "customer").get(token_hash=token_hash(token))
    except PortalLink.DoesNotExist:
        raise LinkRefused("invalid") from None
    if link.revoked_at is not None:
        raise LinkRefused("revoked")
    if link.expires_at <= now:
        raise LinkRefused("expired")
    PortalLink.objects.filter(pk=link.pk).update(last_used_at=now, uses=F("uses") + 1)
    return link


def _order_of(link: PortalLink) -> RepairOrder:
    order = link.repair_order
    if order is None or order.customer_id != link.customer_id:
        raise ValidationError(_("This link is not about a repair order of yours."))
    return order


def decisions_record(
    *, link: PortalLink, decisions: dict[int, bool], signature: str, ip_address: str | None, user_agent: str
) -> list:
    """The customer approves or declines proposed lines of the link's order, signed with a
    finger, through the spine's one decision service (docs/DOMAIN.md §3.4): each decided
    line keeps the photos shown, the signature, the time, the link, the IP address and the
    browser. All of the customer's choices are recorded together or none is."""
    if link.purpose != Purpose.APPROVE:
        raise ValidationError(_("This link does not take decisions."))
    order = _order_of(link)
    if not decisions:
        raise ValidationError(_("Choose approve or decline for at least one item."))
    lines = {line.pk: line for line in order.lines.filter(pk__in=list(decisions))}
    if set(lines) != set(decisions):
        raise ValidationError(_("An item is not on this order."))
    evidence = DecisionEvidence(link=link.reference, ip_address=ip_address, user_agent=user_agent)
    note = _("Through the customer's phone link")
    decided = []
    with transaction.atomic():
        for pk, approve in sorted(decisions.items()):
            line = line_decide(
                actor=None, line=lines[pk], approve=approve, method=ApprovalMethod.SIGNATURE, note=note,
                signature=signature, evidence=evidence,
            )  # fmt: skip
            decided.append(line)
    return decided


def estimate_authorise(*, link: PortalLink, signature: str) -> RepairOrder:
    """The customer authorises the estimate from the phone, signed (docs/DOMAIN.md §3.4)."""
    if link.purpose != Purpose.APPROVE:
        raise ValidationError(_("This link does not take decisions."))
    if not (signature or "").startswith("data:image/png;base64,"):
        raise ValidationError({"signature": _("A decision by signature needs the customer's signature.")})
    return repair_order_authorise(
        actor=None, order=_order_of(link), method=ApprovalMethod.LINK, signature=signature,
        note=_("Through the customer's phone link") + f" ({link.reference})",
    )  # fmt: skip


def proposed_lines(order: RepairOrder):
    return order.lines.filter(status=LineStatus.PROPOSED)


# --- appointments: the appointments app's own services -----------------------------------


def _booking_link(link: PortalLink) -> None:
    if link.purpose != Purpose.BOOK:
        raise ValidationError(_("This link does not book appointments."))


def _own_appointment(link: PortalLink) -> Appointment:
    appointment = link.appointment
    if appointment is None or appointment.customer_id != link.customer_id:
        raise ValidationError(_("This link is not about an appointment of yours."))
    return appointment


def booking_make(
    *, link: PortalLink, vehicle: Vehicle, start_at, complaint: str, service: str = "", address: str = ""
) -> Appointment:
    """Book a new appointment for one of the customer's cars at a free time: in the store, or
    site work (`service`, a SiteKind) at `address` for a plug-in car (docs/DOMAIN.md §17.9)."""
    from .selectors import booking_services, site_operation

    _booking_link(link)
    if vehicle.owner_id != link.customer_id:
        raise ValidationError({"vehicle": _("This is not one of your vehicles.")})
    operations = []
    if service:
        if service not in dict(booking_services([vehicle])):
            raise ValidationError({"service": _("This service is offered for plug-in hybrid and electric cars.")})
        operation = site_operation(link.store, service)
        if operation is None:
            raise ValidationError({"service": _("This store does not offer this service.")})
        operations = [operation]
    return appointment_book(
        actor=None, store=link.store, vehicle=vehicle, start_at=start_at, channel=AppointmentChannel.WEB,
        complaint=complaint or _("Booked from the customer's phone"), operations=operations, site_address=address,
    )  # fmt: skip


def booking_move(*, link: PortalLink, start_at) -> Appointment:
    _booking_link(link)
    return appointment_change(actor=None, appointment=_own_appointment(link), start_at=start_at)


def booking_cancel(*, link: PortalLink) -> Appointment:
    _booking_link(link)
    return appointment_cancel(actor=None, appointment=_own_appointment(link), reason=_("Cancelled by the customer"))


# --- paying the balance and asking for the invoice: billing's own services ---------------


def pay_key(link: PortalLink, order: RepairOrder, provider: str) -> str:
    """The pay button's idempotency key: the same page posted twice (a double tap, Back and
    again) starts one charge; a new charge, or a changed balance, makes a new key."""
    return f"portal{link.pk}-ro{order.pk}-after{order.last_txn_id or 0}-due{order.due}-{provider}"[:100]


def balance_pay(
    *, link: PortalLink, order: RepairOrder, provider: str, key: str, notify_url: str, return_url: str,
    client_ip: str | None,
):  # fmt: skip
    """The customer pays what the order still owes by WeChat Pay or Alipay, through
    billing.online's one charge path (docs/DOMAIN.md §21.6): the amount is the balance at
    that moment, under the order's lock; the charge names the link it came from."""
    from aftercare.billing.online import phone_charge_start

    if order.customer_id != link.customer_id or order.store_id != link.store_id:
        raise ValidationError(_("This order is not yours."))
    return phone_charge_start(
        order=order, provider=provider, origin=link.reference, idempotency_key=key, notify_url=notify_url,
        return_url=return_url, client_ip=client_ip,
    )  # fmt: skip


def payment_follow(*, link: PortalLink, order: RepairOrder, now=None):
    """The charge this link started for the order, asked about at the provider while the
    customer waits for it (at most every 2 seconds, as the counter's page does)."""
    from aftercare.billing.online import provider_charge_sync
    from aftercare.billing.selectors import phone_charge

    txn = phone_charge(order, link.reference)
    now = now or timezone.now()
    if txn is not None and txn.is_open and now - txn.updated_at >= timedelta(seconds=2):
        txn = provider_charge_sync(txn_id=txn.pk, now=now)
    return txn


def invoice_ask(*, link: PortalLink, order: RepairOrder, data: dict):
    """The customer asks for the order's invoice (or corrects the request) from the phone."""
    from aftercare.billing.invoices import invoice_request

    return invoice_request(
        order=order, kind=data["kind"], title=data["title"], tax_number=data.get("tax_number", ""),
        email=data.get("email", ""), via=link.reference,
    )  # fmt: skip
