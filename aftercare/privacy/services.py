"""The rights desk's services (docs/DOMAIN.md §16.5): each step in one transaction,
under the request's row lock, audited; moves through core.workflow."""

from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.core.audit import audit_record, created_changes
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm, require
from aftercare.core.services import next_document_number
from aftercare.core.workflow import Workflow
from aftercare.customers.choices import ConsentPurpose

from .choices import TRANSITIONS, IdentityCheck, RequestKind, RequestStatus
from .door import withdraw_consent
from .erasure import anonymise_customers
from .models import PrivacySettings, RightsRequest, RightsRequestStatusChange
from .workdays import add_working_days

S = RequestStatus
LINK_SALT = "aftercare.privacy.export"

# Sent after commit with request_id, from_status, to_status, actor_id.
rights_request_status_changed = Signal()


def _needs_reply(request, context=None):
    if not (context or {}).get("note", "").strip():
        return _("Write the reply to the customer before closing the request.")
    return None


def _needs_identity(request):
    if not request.identity_check:
        return _("Record the identity check first.")
    return None


def _stamp(request, to, at):
    if to == S.CLOSED:
        request.closed_at = at
        return ["closed_at"]
    return []


WORKFLOW = Workflow(
    model=RightsRequest,
    states=RequestStatus,
    transitions=TRANSITIONS,
    history=RightsRequestStatusChange,
    history_fk="request",
    signal=rights_request_status_changed,
    refused_message=gettext_lazy("A request that is %(from)s cannot move to %(to)s."),
    guards={S.CLOSED: [_needs_reply], S.IDENTITY_CHECKED: [_needs_identity]},
    stamp=_stamp,
)


def store_settings(store) -> PrivacySettings:
    """The store's limits (the field defaults when it has saved none)."""
    return PrivacySettings.objects.filter(store=store).first() or PrivacySettings(store=store)


def _locked(request: RightsRequest) -> RightsRequest:
    return RightsRequest.objects.select_for_update().select_related("customer", "store").get(pk=request.pk)


def request_create(*, actor, store, customer, kind: str, channel: str, details: str = "", received_at=None):
    """Log a request; its deadline is N working days after the day it was received
    (China's official calendar, docs/DOMAIN.md §16.5)."""
    require(actor, Perm.PRIVACY_REQUEST, store)
    if customer.store_id != store.pk:
        raise ValidationError({"customer": _("The customer belongs to another store.")})
    received_at = received_at or timezone.now()
    days = store_settings(store).response_working_days
    with transaction.atomic():
        request = RightsRequest(
            store=store, customer=customer, kind=kind, channel=channel, details=details, received_at=received_at,
            due_on=add_working_days(timezone.localdate(received_at), days), created_by=actor,
        )  # fmt: skip
        request.full_clean(exclude=["number"])
        request.number = next_document_number(store=store, kind="rights_request", prefix="PI")
        request.save()
        WORKFLOW.start(request, actor=actor, at=received_at)
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=request,
                     changes=created_changes(request, ["kind", "channel", "customer_id", "due_on"]))  # fmt: skip
    return request


def request_check_identity(*, actor, request: RightsRequest, identity_check: str, note: str = ""):
    require(actor, Perm.PRIVACY_REQUEST, request.store)
    if identity_check not in IdentityCheck.values:
        raise ValidationError({"identity_check": _("Choose how the identity was checked.")})
    with transaction.atomic():
        request = _locked(request)
        request.identity_check, request.identity_note = identity_check, note
        return WORKFLOW.move(request, S.IDENTITY_CHECKED, actor=actor, note=note,
                             fields=["identity_check", "identity_note"],
                             changes={"identity_check": [None, identity_check]})  # fmt: skip


def request_start(*, actor, request: RightsRequest):
    require(actor, Perm.PRIVACY_REQUEST, request.store)
    with transaction.atomic():
        return WORKFLOW.move(_locked(request), S.IN_PROGRESS, actor=actor)


def _in_progress(request: RightsRequest, kind: str) -> None:
    if request.kind != kind:
        raise ValidationError(_("This is not a request of that kind."))
    if request.status != S.IN_PROGRESS:
        raise ValidationError(_("Start the request (identity checked) first."))


def request_prepare_export(*, actor, request: RightsRequest) -> str:
    """Make the customer's download link (docs/DOMAIN.md §16.5): signed, expiring
    after the store's days; a new link replaces the old one. Answers the token."""
    require(actor, Perm.PRIVACY_REQUEST, request.store)
    with transaction.atomic():
        request = _locked(request)
        _in_progress(request, RequestKind.EXPORT)
        now = timezone.now()
        request.export_ready_at = now
        request.export_expires_at = now + timedelta(days=store_settings(request.store).export_link_days)
        request.save(update_fields=["export_ready_at", "export_expires_at", "updated_at"])
        audit_record(actor=actor, action=AuditEntry.Action.EXPORT, obj=request,
                     changes={"export_expires_at": [None, request.export_expires_at.isoformat()]},
                     reason=_("Export link prepared for the customer"))  # fmt: skip
    return export_token(request)


def export_token(request: RightsRequest) -> str:
    return signing.TimestampSigner(salt=LINK_SALT).sign(f"{request.pk}.{int(request.export_ready_at.timestamp())}")


def request_for_token(token: str) -> RightsRequest:
    """The request a download link points at; raises signing.BadSignature when the
    link is forged, expired or replaced by a newer one."""
    value = signing.TimestampSigner(salt=LINK_SALT).unsign(token)
    pk, stamp = value.split(".")
    request = RightsRequest.objects.select_related("customer", "store").filter(pk=int(pk)).first()
    if (
        request is None
        or request.export_ready_at is None
        or int(request.export_ready_at.timestamp()) != int(stamp)
        or request.export_expires_at <= timezone.now()
    ):
        raise signing.BadSignature("expired or replaced")
    return request


def request_withdraw(*, actor, request: RightsRequest, purposes: list[str], via: str) -> RightsRequest:
    """Withdraw consent at once, through the messaging door (docs/DOMAIN.md §16.5)."""
    require(actor, Perm.PRIVACY_REQUEST, request.store)
    if not purposes or set(purposes) - set(ConsentPurpose.values):
        raise ValidationError({"purposes": _("Choose the purposes to withdraw.")})
    with transaction.atomic():
        request = _locked(request)
        _in_progress(request, RequestKind.WITHDRAWAL)
        withdraw_consent(customer=request.customer, purposes=purposes, via=via, actor=actor,
                         note=_("Rights request %(number)s") % {"number": request.number})  # fmt: skip
        request.outcome = {**request.outcome, "withdrawn": purposes}
        request.save(update_fields=["outcome", "updated_at"])
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=request, changes={"withdrawn": [None, purposes]})
    return request


def request_correct(*, actor, request: RightsRequest, note: str) -> RightsRequest:
    """Record what was corrected; the correction itself is made on the customer's
    page (customers' services audit each field)."""
    require(actor, Perm.PRIVACY_REQUEST, request.store)
    if not note.strip():
        raise ValidationError({"note": _("Say what was corrected.")})
    with transaction.atomic():
        request = _locked(request)
        _in_progress(request, RequestKind.CORRECTION)
        request.outcome = {**request.outcome, "corrected": note}
        request.save(update_fields=["outcome", "updated_at"])
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=request, changes={"corrected": [None, note]})
    return request


def request_erase(*, actor, request: RightsRequest) -> RightsRequest:
    """Anonymise the customer everywhere; records the law requires stay,
    pseudonymised, each with its reason (docs/DOMAIN.md §16.5)."""
    require(actor, Perm.PRIVACY_REQUEST, request.store)
    with transaction.atomic():
        request = _locked(request)
        _in_progress(request, RequestKind.ERASURE)
        if request.outcome.get("erased"):
            return request
        outcome = anonymise_customers([request.customer_id], store_id=request.store_id, request=request)
        request.outcome = {**request.outcome, **outcome}
        request.save(update_fields=["outcome", "updated_at"])
        kept = [k["key"] for k in outcome["kept"]]
        audit_record(actor=actor, action=AuditEntry.Action.DELETE, obj=request.customer,
                     object_repr=request.number, reason=_("Erasure on request %(number)s") % {"number": request.number},
                     changes={"erased": [None, outcome["erased"]], "kept": [None, kept]})  # fmt: skip
    return request


def request_close(*, actor, request: RightsRequest, reply: str) -> RightsRequest:
    require(actor, Perm.PRIVACY_REQUEST, request.store)
    with transaction.atomic():
        request = _locked(request)
        request.reply = reply
        return WORKFLOW.move(request, S.CLOSED, actor=actor, note=reply, fields=["reply"])


def settings_save(*, actor, store, data: dict) -> PrivacySettings:
    require(actor, Perm.PRIVACY_MANAGE, store)
    with transaction.atomic():
        row, _created = PrivacySettings.objects.select_for_update().get_or_create(store=store)
        for name, value in data.items():
            setattr(row, name, value)
        row.full_clean()
        row.save()
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=row, store=store,
                     changes={k: [None, v] for k, v in data.items()})  # fmt: skip
    return row
