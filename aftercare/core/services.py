"""Services of core: deleting business documents under a permission, with a
deletion log (删除日志), and the per-store document numbers."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, models, router, transaction
from django.utils.translation import gettext as _

from .audit import audit_record, diff, snapshot
from .models import AuditEntry


class MoneyDocumentMixin:
    """Marks a model as a money document (payment, refund, invoice, balance
    movement): never hard-deleted, only voided or reversed."""

    is_money_document = True


# Vetoes of deletion (docs/DOMAIN.md §24.4): model label ("service.repairorder") -> readers that
# answer why `obj` must stay (an empty string when they have no objection). Apps that hold
# references register here in their ready(): parts (issued parts), billing (payments),
# warranty (claims) — core never imports them.
_DELETE_VETOES: dict[str, list] = {}


def register_delete_veto(model_label: str, veto) -> None:
    """`veto(obj) -> str`: a reason the document cannot be deleted, or "" to allow."""
    listed = _DELETE_VETOES.setdefault(model_label.lower(), [])
    if veto not in listed:  # ready() can run more than once (tests, autoreload)
        listed.append(veto)


def delete_vetoes(obj: models.Model) -> list[str]:
    """Every registered reason `obj` cannot be deleted (empty: it can)."""
    label = obj._meta.label_lower
    return [str(reason) for veto in _DELETE_VETOES.get(label, ()) if (reason := veto(obj))]


def _full_snapshot(obj: models.Model) -> dict:
    """The document's fields and those of every row deleted with it (its lines and the like)."""
    children = {}
    for rel in obj._meta.get_fields():
        if rel.one_to_many and rel.auto_created and not rel.concrete and rel.on_delete is models.CASCADE:
            accessor = rel.get_accessor_name()
            rows = [snapshot(child) for child in getattr(obj, accessor).all()]
            if rows:
                children[accessor] = rows
    return {"document": snapshot(obj), "children": children}


def document_delete(*, actor, obj: models.Model, perm: str, reason: str) -> None:
    """Delete a business document if the actor holds `perm` for its store and no app vetoes
    it, leaving a full snapshot in the deletion log (删除日志) and the audit trail
    (docs/DOMAIN.md §24.4)."""
    from .models import DeletedDocument

    if getattr(obj, "is_money_document", False):
        raise PermissionDenied(_("Money documents are never deleted; void or reverse them instead."))
    if not actor.has_perm(perm, obj):
        raise PermissionDenied(_("You do not have permission to delete this document."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("A reason is required to delete a document.")})
    with transaction.atomic():
        # The row lock first, so a payment or an issue posted meanwhile is seen by the vetoes.
        locked = type(obj)._default_manager.select_for_update().filter(pk=obj.pk).first()
        if locked is None:
            raise ValidationError(_("This document no longer exists."))
        refusals = delete_vetoes(locked)
        if refusals:
            raise ValidationError(refusals)
        record = _full_snapshot(locked)
        store_id = getattr(locked, "store_id", None)
        audit_record(
            actor=actor,
            action=AuditEntry.Action.DELETE,
            obj=locked,
            changes=diff(record["document"], {}),
            reason=reason,
        )
        if store_id is not None:
            DeletedDocument.objects.create(
                deleted_by=actor,
                deleted_by_name=str(actor)[:150],
                store_id=store_id,
                kind=locked._meta.label_lower,
                object_id=str(locked.pk),
                number=str(locked)[:200],
                reason=reason[:300],
                snapshot=record,
            )
        try:
            with transaction.atomic():
                locked.delete()
        except models.ProtectedError as error:
            kinds = sorted({str(row._meta.verbose_name) for row in error.protected_objects})
            raise ValidationError(
                _("Other records still refer to this document: %(kinds)s.") % {"kinds": "、".join(kinds)}
            ) from None


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


# Documents that may be deleted from the pages and the API (docs/DOMAIN.md §24.4): each app
# registers its own in ready() — the URL's kind, the model, the permission, and the page to go
# back to afterwards (a list; the document's own page no longer exists).
@dataclass(frozen=True)
class Deletable:
    kind: str
    model: type
    perm: str
    list_url: str
    label: str


_DELETABLE: dict[str, Deletable] = {}


def register_deletable(*, kind: str, model: type, perm: str, list_url: str, label) -> None:
    _DELETABLE[kind] = Deletable(kind=kind, model=model, perm=perm, list_url=list_url, label=label)


def deletable(kind: str) -> Deletable | None:
    return _DELETABLE.get(kind)


def deletables() -> list[Deletable]:
    return list(_DELETABLE.values())
