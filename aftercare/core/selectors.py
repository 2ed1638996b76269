"""Reading the audit trail as people read it: which document (its kind in the reader's
language and its number), each change with the field's label, values as the pages show
them (choice labels, yes/no, money, local times) and without the bookkeeping a new row
carries (its id, created/updated stamps, empty values).

The rows store what services wrote (core.audit: attnames, ISO times in UTC, ids); this
only reads them. Staff and stores named by id are looked up once per page."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from .models import AuditEntry, Store
from .querysets import StoreScopedQuerySet
from .templatetags.money import money

# Bookkeeping every row has: not news to the reader.
HIDDEN_FIELDS = {"id", "created_at", "updated_at", "store_id", "store", "search_text", "vin_rev", "mobile_rev"}
# What services record beside a model's own fields (core.audit callers), in the reader's words.
KEY_LABELS = {
    "additional_work": gettext_lazy("Additional work"),
    "api_tokens_in_force": gettext_lazy("API tokens in force"),
    "balance": gettext_lazy("Balance"),
    "bay": gettext_lazy("Bay"),
    "check_in": gettext_lazy("Check-in sheet"),
    "covers": gettext_lazy("Covers fitted"),
    "created": gettext_lazy("Created"),
    "credit_approved": gettext_lazy("Credit approved"),
    "discount": gettext_lazy("Discount"),
    "dispatch": gettext_lazy("Dispatch"),
    "escalated": gettext_lazy("Escalated"),
    "field": gettext_lazy("Field"),
    "finding": gettext_lazy("Finding"),
    "job_clock_off": gettext_lazy("Clocked off"),
    "job_clock_on": gettext_lazy("Clocked on"),
    "job_paused": gettext_lazy("Job paused"),
    "line": gettext_lazy("Line"),
    "lines": gettext_lazy("Lines"),
    "lines_added": gettext_lazy("Lines added"),
    "lines_removed": gettext_lazy("Lines removed"),
    "marks": gettext_lazy("Damage marks"),
    "not_ok": gettext_lazy("Items not OK"),
    "owner": pgettext_lazy("complaint handler", "Owner"),
    "payment": gettext_lazy("Payment"),
    "photo": gettext_lazy("Photo"),
    "quality_check": gettext_lazy("Final inspection"),
    "refund": gettext_lazy("Refund"),
    "repair_order": gettext_lazy("Repair order"),
    "required_finish_at": gettext_lazy("Required finish"),
    "reversal": gettext_lazy("Reversal"),
    "signed": gettext_lazy("Signed"),
    "technician": gettext_lazy("Technician"),
    "unmerged_customer": gettext_lazy("Merge undone"),
    "vehicle": gettext_lazy("Vehicle"),
    "washed_at": gettext_lazy("Washed at"),
}
# Words services record as values (core.audit callers), in the reader's words.
VALUE_LABELS = {
    "approved": gettext_lazy("approved"),
    "declined": gettext_lazy("declined"),
    "finished": gettext_lazy("finished"),
    "paused": gettext_lazy("paused"),
    "granted": gettext_lazy("granted"),
    "withdrawn": gettext_lazy("withdrawn"),
    "switched to another job": gettext_lazy("switched to another job"),
}
MONEY_KEYS = {"balance", "credit_approved", "discount"}
STAFF_KEYS = {"technician", "owner"}
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class AuditRow:
    entry: AuditEntry
    document: str
    changes: list[Change] = field(default_factory=list)


def audit_rows(entries, user=None) -> list[AuditRow]:
    """One page of audit entries, each with its document's name and its readable changes;
    documents the changes name by id are named as `user` may see them."""
    entries = list(entries)
    names = _Names(entries, user)
    return [
        AuditRow(entry=entry, document=audit_document(entry), changes=_changes(entry, _model(entry), names))
        for entry in entries
    ]


# Entries about many rows at once name what happened instead of a document.
OBJECT_LABELS = {
    "followups:escalated": gettext_lazy("Overdue follow-ups escalated"),
    "complaints:opinions": gettext_lazy("Customer opinions report"),
}


def audit_document(entry: AuditEntry) -> str:
    """ "工单 RO0000049" or "调查答卷 维修 #54": the kind of document in the reader's
    language, then what it was called when written (its number or name)."""
    model = _model(entry)
    if model is None:
        if entry.object_repr in OBJECT_LABELS:
            return str(OBJECT_LABELS[entry.object_repr])
        if entry.object_repr.startswith("followups:"):
            kind = _choice_label("followups.followuptask", "kind", entry.object_repr.partition(":")[2])
            return f"{_('Follow-ups generated')} · {kind}"
        return entry.object_repr or entry.object_type
    name = entry.object_repr or (f"#{entry.object_id}" if entry.object_id else "")
    return f"{model._meta.verbose_name} {name}".strip()


def _choice_label(label: str, field_name: str, value: str) -> str:
    try:
        choices = dict(apps.get_model(label)._meta.get_field(field_name).flatchoices)
    except (LookupError, FieldDoesNotExist):
        return value
    return str(choices.get(value, value))


def _model(entry: AuditEntry) -> type[models.Model] | None:
    if not entry.object_type:
        return None
    try:
        return apps.get_model(entry.object_type)
    except (LookupError, ValueError):
        return None


def _field(model, name: str) -> models.Field | None:
    """The model's field for a stored key: a field name or a foreign key's attname."""
    if model is None:
        return None
    for candidate in (name, name[:-3] if name.endswith("_id") else None):
        if candidate:
            try:
                found = model._meta.get_field(candidate)
            except FieldDoesNotExist:
                continue
            if isinstance(found, models.Field):
                return found
    return None


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _changes(entry: AuditEntry, model, names: "_Names") -> list[Change]:
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    rows = []
    for key, pair in changes.items():
        before, after = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        if key in HIDDEN_FIELDS or (_empty(before) and _empty(after)):
            continue
        if entry.action == AuditEntry.Action.CREATE and _empty(before) and after in (None, "", False, 0, [], {}):
            continue  # a new row's defaults say nothing
        model_field = _field(model, key)
        rows.append(
            Change(
                label=_label(key, model_field),
                before=_value(before, key, model_field, names),
                after=_value(after, key, model_field, names),
            )
        )
    return rows


def _label(key: str, model_field) -> str:
    if model_field is not None:
        return str(model_field.verbose_name)
    if key in KEY_LABELS:
        return str(KEY_LABELS[key])
    if key.startswith("consent:"):
        return f"{_('Consent')}: {key.partition(':')[2]}"
    return key.replace("_", " ")


def _value(value, key: str, model_field, names: "_Names") -> str:
    if _empty(value):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict):
        return (
            ", ".join(f"{_label(k, None)}: {_value(v, k, None, names)}" for k, v in value.items() if not _empty(v))
            or "—"
        )
    if key == "escalated" and isinstance(value, list):
        return ngettext("%(n)d follow-up", "%(n)d follow-ups", len(value)) % {"n": len(value)}
    if isinstance(value, list):
        return "、".join(_value(item, key, model_field, names) for item in value)
    if model_field is not None:
        if model_field.flatchoices:
            labels = {str(k): v for k, v in model_field.flatchoices}
            return str(labels.get(str(value), value))
        if key.endswith("role"):
            # A role kept as plain text (a follow-up open to a role) reads as the role's name.
            return _choice_label("accounts.membership", "role", str(value))
        if model_field.is_relation:
            return names.of(model_field.related_model, value)
        if (
            isinstance(model_field, models.DecimalField)
            and model_field.decimal_places == 2
            and model_field.max_digits >= 10
        ):
            return _money(value)
    elif key in MONEY_KEYS:
        return _money(value)
    elif key in STAFF_KEYS:
        return names.of(get_user_model(), value)
    if isinstance(value, str):
        return str(VALUE_LABELS[value]) if value in VALUE_LABELS else _when(value)
    return str(value)


def _money(value) -> str:
    try:
        return money(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def _when(text: str) -> str:
    """An ISO time as the reader's local time; an ISO date as the pages print dates."""
    if ISO_DATETIME.match(text):
        moment = parse_datetime(text)
        if isinstance(moment, datetime):
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            return date_format(timezone.localtime(moment), "Y-m-d H:i")
    elif ISO_DATE.match(text):
        day = parse_date(text)
        if isinstance(day, date):
            return date_format(day, "Y-m-d")
    return text


class _Names:
    """Names of what a page of entries refers to by id, one query per kind: staff and stores,
    and store-owned documents (customers, vehicles, orders) through their own `for_user`,
    so the trail names only what the reader may see; anything else stays "#id"."""

    def __init__(self, entries, user):
        self.user = user
        self.ids: dict[type, set[int]] = {}
        user_model = get_user_model()
        for entry in entries:
            model = _model(entry)
            changes = entry.changes if isinstance(entry.changes, dict) else {}
            for key, pair in changes.items():
                values = pair if isinstance(pair, list) else [pair]
                # A dict value (a dispatch, a check-in) names its technician inside.
                nested = [v.get(k) for v in values if isinstance(v, dict) for k in STAFF_KEYS]
                self.ids.setdefault(user_model, set()).update(_ids(nested))
                model_field = _field(model, key)
                if model_field is not None and model_field.is_relation:
                    target = model_field.related_model
                elif model_field is None and key in STAFF_KEYS:
                    target = user_model
                else:
                    continue
                if target in (user_model, Store) or self._scoped(target):
                    self.ids.setdefault(target, set()).update(_ids(values))
        self.names: dict[type, dict[int, str]] = {}

    def _scoped(self, model) -> bool:
        return self.user is not None and isinstance(model._default_manager.all(), StoreScopedQuerySet)

    def of(self, model, value) -> str:
        if _int(value) is None:
            return str(value)  # already a name (a plate, a number)
        if not self.ids.get(model):
            return f"#{value}"
        if model not in self.names:
            ids = self.ids[model]
            if model is Store:
                rows = Store.objects.filter(pk__in=ids).values_list("pk", "name")
            elif model is get_user_model():
                rows = [(user.pk, str(user)) for user in model.objects.filter(pk__in=ids)]
            else:
                rows = [(obj.pk, str(obj)) for obj in model._default_manager.for_user(self.user).filter(pk__in=ids)]
            self.names[model] = dict(rows)
        return self.names[model].get(_int(value), f"#{value}")


def _ids(values) -> set[int]:
    found = set()
    for value in values:
        if isinstance(value, list):
            found |= _ids(value)
        elif _int(value) is not None:
            found.add(_int(value))
    return found


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
