"""Services of core: deleting business documents under a permission, with a
deletion log (删除日志), and the per-store document numbers."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, models, router, transaction
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

    One statement in the usual case: `UPDATE … SET last_value = last_value + 1
    … RETURNING last_value` increments and reads under the row lock the UPDATE
    itself takes (a concurrent caller waits for our commit and then increments
    the committed value). The first number of a kind creates the row first;
    `ON CONFLICT DO NOTHING` lets two first callers race without an error.
    """
    from .models import DocumentSequence

    value = _sequence_increment(DocumentSequence, getattr(store, "pk", store), kind)
    return f"{prefix}{value:0{width}d}"


def _sequence_increment(model, store_id: int, kind: str) -> int:
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    store_col, kind_col, last_col = (
        quote(model._meta.get_field(name).column) for name in ("store", "kind", "last_value")
    )
    # Names from the model's _meta, quoted; the values are bound parameters.
    update = (
        f"UPDATE {table} SET {last_col} = {last_col} + 1 "  # noqa: S608
        f"WHERE {store_col} = %s AND {kind_col} = %s RETURNING {last_col}"
    )
    with connection.cursor() as cursor:
        cursor.execute(update, [store_id, kind])
        row = cursor.fetchone()
        if row is None:
            insert = f"INSERT INTO {table} ({store_col}, {kind_col}, {last_col}) VALUES (%s, %s, 0)"  # noqa: S608
            cursor.execute(f"{insert} ON CONFLICT DO NOTHING", [store_id, kind])
            cursor.execute(update, [store_id, kind])
            row = cursor.fetchone()
    return int(row[0])
