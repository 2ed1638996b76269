"""Writing the audit trail. Services call `audit_record` inside their transaction,
so the trail and the change commit or roll back together."""

import contextvars
from datetime import date, datetime, time
from decimal import Decimal
from uuid import UUID

from django.db import models
from django.dispatch import Signal

from .masking import mask_field
from .models import AuditEntry

# The request's client address, set by AuditContextMiddleware, so that services
# need not pass the request around just to log where a change came from.
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_ip", default=None)

# Sent when a page or the API shows a customer's personal data in full (the customer's
# page, the API's detail), with user, store_id, customer_ids, kind and records. The
# privacy app writes the access log from it (docs/DOMAIN.md §16.7); core and the
# domain apps name no downstream app.
personal_data_viewed = Signal()


def _plain(value):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple, set)):
        return [_plain(item) for item in value]
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """Field values of obj as plain JSON values (foreign keys by id)."""
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return {name: _plain(getattr(obj, name)) for name in names}


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for every field whose value changed, personal data masked."""
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changes[name] = [mask_field(name, old), mask_field(name, new)]
    return changes


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    store=None,
    changes: dict | None = None,
    reason: str = "",
    object_repr: str = "",
) -> AuditEntry:
    entry = audit_entry(
        actor=actor, action=action, obj=obj, store=store, changes=changes, reason=reason, object_repr=object_repr
    )
    entry.save()
    return entry


def audit_entry(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    store=None,
    changes: dict | None = None,
    reason: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """The unsaved row audit_record would write: services that change several
    things at once save theirs with one AuditEntry.objects.bulk_create."""
    if store is None and obj is not None:
        store_id = getattr(obj, "store_id", None)
    else:
        store_id = getattr(store, "pk", store)
    return AuditEntry(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=(actor.get_username() if actor is not None and actor.is_authenticated else ""),
        store_id=store_id,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        changes=changes or {},
        reason=reason[:300],
        ip_address=current_ip.get(),
    )


def created_changes(obj: models.Model, fields: list[str] | None = None) -> dict:
    return diff({}, snapshot(obj, fields))
