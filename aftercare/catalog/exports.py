"""Exporting a catalogue list to CSV or xlsx: what the current store works with
(its own entries and the group defaults it does not override), in the columns
the import reads, so an exported list can be edited in Excel and imported back.
Every export is written to the audit trail."""

from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.core.audit import audit_record
from aftercare.core.exports import export_response
from aftercare.core.models import AuditEntry, Store

from . import services
from .imports import BOOL_FIELDS, CHOICES, LIST_FIELDS, RELATIONS, ImportKind, import_kind

FORMATS = ("csv", "xlsx")
CHUNK_SIZE = 2000
_LIST_JOIN = "、"


def can_export(user, store: Store | None) -> bool:
    """Reading the catalogue in `store` is enough: the catalogue holds no personal data."""
    return store is not None and any(user.has_perm(perm, store) for perm in services.READ_PERMS)


def exported_entries(kind: ImportKind, store: Store) -> QuerySet:
    """The effective catalogue of `store` for one kind, inactive entries included
    (an inactive store row is a decision the export must carry)."""
    queryset = kind.model.objects.effective_for_store(store)
    relations = [name for name in kind.columns if name in RELATIONS]
    if relations:
        queryset = queryset.select_related(*relations)
    return queryset.order_by(*kind.model._meta.ordering, "pk")


def _cell(item, name: str):
    value = getattr(item, name)
    if name in RELATIONS:
        return value.code if value is not None else ""
    if name in BOOL_FIELDS:
        return "是" if value else "否"
    if name in LIST_FIELDS:
        labels = dict(CHOICES[name].choices)
        return _LIST_JOIN.join(str(labels.get(code, code)) for code in value or [])
    if name in CHOICES:
        return getattr(item, f"get_{name}_display")()
    return value


def entry_rows(kind: ImportKind, entries: QuerySet) -> Iterator[list]:
    names = list(kind.columns)
    for item in entries.iterator(chunk_size=CHUNK_SIZE):
        yield [_cell(item, name) for name in names]


def export_list(*, user, store: Store | None, kind: str, fmt: str) -> HttpResponse:
    """One kind's list as a CSV or xlsx download, audited before the first byte is sent."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    spec = import_kind(kind)
    if not can_export(user, store):
        raise PermissionDenied
    entries = exported_entries(spec, store)
    filename = f"{spec.label}-{store.name}-{timezone.localdate():%Y%m%d}.{fmt}"
    audit_record(
        actor=user,
        action=AuditEntry.Action.EXPORT,
        store=store,
        object_repr=filename,
        reason=_("Export of %(kind)s") % {"kind": spec.label},
        changes={
            "export_list": [None, kind],
            "export_format": [None, fmt],
            "rows": [None, entries.count()],
        },
    )
    return export_response(fmt, filename, spec.headers(), entry_rows(spec, entries))
