"""Services of core: deleting business documents under a permission, with a
deletion log (删除日志)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from .audit import audit_record, diff, snapshot
from .models import AuditEntry


class MoneyDocumentMixin:
    """Marks a model as a money document (payment, refund, invoice, balance
    movement): never hard-deleted, only voided or reversed."""

    is_money_document = True


def document_delete(*, actor, obj: models.Model, perm: str, reason: str) -> None:
    """Delete a business document if the actor holds `perm` for its store,
    leaving a full snapshot in the audit trail so the deletion log can show
    what was removed, by whom and why."""
    if getattr(obj, "is_money_document", False):
        raise PermissionDenied(_("Money documents are never deleted; void or reverse them instead."))
    if not actor.has_perm(perm, obj):
        raise PermissionDenied(_("You do not have permission to delete this document."))
    if not reason.strip():
        raise ValidationError({"reason": _("A reason is required to delete a document.")})
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditEntry.Action.DELETE,
            obj=obj,
            changes=diff(snapshot(obj), {}),
            reason=reason,
        )
        obj.delete()


def next_document_number(*, store, kind: str, prefix: str, width: int = 6) -> str:
    """The next number of a kind of document in a store, e.g. C000123.

    Must run inside the caller's transaction: the row lock (PostgreSQL) or the
    IMMEDIATE write lock (SQLite) is held until it commits, so a number is
    never handed out twice, and a rolled-back document gives its number back.
    """
    from .models import DocumentSequence

    DocumentSequence.objects.get_or_create(store=store, kind=kind)
    sequence = DocumentSequence.objects.select_for_update().get(store=store, kind=kind)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return f"{prefix}{sequence.last_value:0{width}d}"
